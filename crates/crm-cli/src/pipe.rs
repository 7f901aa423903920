//! A closed stdout ends a command quietly.
//!
//! `println!` panics when stdout is a pipe whose reader has gone (`crm report | head -1`).
//! [`install_quiet_hook`] keeps that panic off stderr, and [`CatchUnwind`] turns it, around a
//! command, into a normal end: the store is still closed (flushed) and the exit code is 0.
//! Any other panic is reported and propagated as before.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

/// True when a panic payload is the standard library's "failed printing to stdout: Broken
/// pipe" (or any other print failure on a closed pipe).
pub(crate) fn is_broken_pipe(payload: &(dyn Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    text.starts_with("failed printing to std") && text.contains("Broken pipe")
}

/// Installs a panic hook that stays silent for a closed-pipe print failure and otherwise
/// behaves as the hook it replaces.
pub(crate) fn install_quiet_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_broken_pipe(info.payload()) {
            previous(info);
        }
    }));
}

/// A future that catches a panic raised while it is polled, as `Err(payload)`.
pub(crate) struct CatchUnwind<'a, T> {
    inner: Pin<Box<dyn Future<Output = T> + 'a>>,
}

impl<'a, T> CatchUnwind<'a, T> {
    /// Wraps `future`.
    pub(crate) fn new(future: impl Future<Output = T> + 'a) -> Self {
        Self {
            inner: Box::pin(future),
        }
    }
}

impl<T> Future for CatchUnwind<'_, T> {
    type Output = Result<T, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_only_print_failures_on_a_closed_pipe() {
        let yes: Box<dyn Any + Send> =
            Box::new("failed printing to stdout: Broken pipe (os error 32)".to_owned());
        assert!(is_broken_pipe(yes.as_ref()));
        let no: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert!(!is_broken_pipe(no.as_ref()));
    }
}

//! The outbox dispatcher.

use super::{Notifier, NotifyError};
use crate::clock::Clock;
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::outbox::{OutboxMessage, OutboxStatus};
use crate::store::{Commit, Store};
use chrono::Duration;
use std::future::Future;
use std::sync::Arc;

/// How often and how patiently the dispatcher retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a message is parked as failed (at least 1).
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// How long a message being delivered is held against other dispatchers.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::seconds(30),
            max_delay: Duration::hours(6),
            lease: Duration::minutes(5),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt: `base_delay * 2^(attempts-1)`, at most
    /// `max_delay`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1i32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(i32::MAX);
        self.base_delay
            .checked_mul(factor)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }
}

/// What one pass of the dispatcher did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Messages delivered.
    pub delivered: usize,
    /// Messages that failed and will be tried again.
    pub retrying: usize,
    /// Messages parked as failed.
    pub failed: usize,
    /// Messages another dispatcher took first.
    pub skipped: usize,
}

/// Drains a workspace's outbox through a [`Notifier`].
///
/// Each due message is first leased (its next attempt moved `lease` ahead, in a commit that
/// fails if another dispatcher got there first), then delivered, then marked delivered,
/// rescheduled with exponential backoff, or parked as failed after
/// [`RetryPolicy::max_attempts`]. Delivery is at-least-once, and only of messages whose
/// commit is durable ([`Store::sync`] before each round).
pub struct Dispatcher {
    store: Arc<dyn Store>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    policy: RetryPolicy,
}

impl Dispatcher {
    /// A dispatcher over `store` delivering through `notifier`.
    pub fn new(
        store: Arc<dyn Store>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            store,
            notifier,
            clock,
            policy,
        }
    }

    /// Delivers up to `batch` due messages of `ws` once.
    ///
    /// # Errors
    /// A storage error; messages handled before it keep their new state.
    pub async fn dispatch_due(&self, ws: WorkspaceId, batch: usize) -> Result<DispatchReport> {
        let mut report = DispatchReport::default();
        let now = self.clock.now();
        let due = crate::outbox::due(&*self.store, ws, now, batch).await?;
        if due.is_empty() {
            return Ok(report);
        }
        // Nothing goes out for a commit that a crash could still lose: the commits that
        // queued these messages are made durable first (a no-op on stores that acknowledge
        // only durable commits).
        self.store.sync().await?;
        for message in due {
            let Some(leased) = self.lease(ws, message).await? else {
                report.skipped += 1;
                continue;
            };
            let outcome = self.notifier.deliver(ws, &leased).await;
            let mut next = leased.clone();
            next.version += 1;
            next.attempts += 1;
            let now = self.clock.now();
            match outcome {
                Ok(()) => {
                    next.status = OutboxStatus::Delivered;
                    next.delivered_at = Some(now);
                    next.last_error = None;
                    report.delivered += 1;
                }
                Err(error) => {
                    next.last_error = Some(error.to_string());
                    let permanent = matches!(error, NotifyError::Permanent(_));
                    if permanent || next.attempts >= self.policy.max_attempts.max(1) {
                        next.status = OutboxStatus::Failed;
                        report.failed += 1;
                    } else {
                        next.next_attempt_at = now + self.policy.backoff(next.attempts);
                        report.retrying += 1;
                    }
                }
            }
            let mut commit = Commit::new();
            commit.put(next);
            self.store.commit(ws, commit).await?;
        }
        Ok(report)
    }

    /// Runs [`Dispatcher::dispatch_due`] every `poll` until `shutdown` completes.
    ///
    /// # Errors
    /// The first storage error.
    pub async fn run(
        &self,
        ws: WorkspaceId,
        poll: std::time::Duration,
        shutdown: impl Future<Output = ()>,
    ) -> Result<()> {
        tokio::pin!(shutdown);
        loop {
            self.dispatch_due(ws, 100).await?;
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    async fn lease(
        &self,
        ws: WorkspaceId,
        message: OutboxMessage,
    ) -> Result<Option<OutboxMessage>> {
        let mut leased = message;
        leased.version += 1;
        leased.next_attempt_at = self.clock.now() + self.policy.lease;
        let mut commit = Commit::new();
        commit.put(leased.clone());
        match self.store.commit(ws, commit).await {
            Ok(()) => Ok(Some(leased)),
            Err(e) if e.is_conflict() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

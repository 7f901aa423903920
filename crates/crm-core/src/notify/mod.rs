//! Delivering outbox notifications: the [`Notifier`] trait, two notifiers, and the
//! [`Dispatcher`] that drains the outbox with retries and backoff.

mod dispatcher;

pub use dispatcher::{DispatchReport, Dispatcher, RetryPolicy};

use crate::error::BoxError;
use crate::id::WorkspaceId;
use crate::outbox::{Notification, OutboxMessage};
use async_trait::async_trait;
use std::sync::Mutex;

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// Worth trying again later (server down, timeout, rate limit).
    #[error("temporary delivery failure: {0}")]
    Temporary(#[source] BoxError),
    /// Will never succeed (no such address, rejected content): the message is parked as failed.
    #[error("permanent delivery failure: {0}")]
    Permanent(#[source] BoxError),
}

/// Delivers notifications to the world (email, SMS, webhook, in-app, ...).
///
/// Contract: `Ok` means the message was handed over for good; delivery is at-least-once, so a
/// notifier should tolerate seeing the same [`OutboxMessage::id`] twice (after a crash
/// between delivering and recording the delivery).
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Delivers one message of workspace `ws`.
    async fn deliver(&self, ws: WorkspaceId, message: &OutboxMessage) -> Result<(), NotifyError>;
}

/// Keeps every delivered notification in memory; can be told to fail. For tests.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    delivered: Vec<(WorkspaceId, Notification)>,
    fail_next: u32,
    permanent: bool,
}

impl MemoryNotifier {
    /// An empty notifier that delivers everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `n` deliveries fail, temporarily or permanently.
    pub fn fail_next(&self, n: u32, permanent: bool) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.fail_next = n;
        state.permanent = permanent;
    }

    /// Everything delivered so far, in order.
    pub fn delivered(&self) -> Vec<(WorkspaceId, Notification)> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .delivered
            .clone()
    }
}

#[async_trait]
impl Notifier for MemoryNotifier {
    async fn deliver(&self, ws: WorkspaceId, message: &OutboxMessage) -> Result<(), NotifyError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.fail_next > 0 {
            state.fail_next -= 1;
            let error: BoxError = "memory notifier told to fail".into();
            return Err(if state.permanent {
                NotifyError::Permanent(error)
            } else {
                NotifyError::Temporary(error)
            });
        }
        state.delivered.push((ws, message.notification.clone()));
        Ok(())
    }
}

/// Writes each notification to the `tracing` log at INFO level and reports it delivered.
#[derive(Debug, Default, Clone, Copy)]
pub struct TracingNotifier;

#[async_trait]
impl Notifier for TracingNotifier {
    async fn deliver(&self, ws: WorkspaceId, message: &OutboxMessage) -> Result<(), NotifyError> {
        let n = &message.notification;
        tracing::info!(
            workspace = %ws,
            id = %message.id,
            event = %n.event,
            recipient = ?n.recipient,
            subject = %n.subject,
            "notification"
        );
        Ok(())
    }
}

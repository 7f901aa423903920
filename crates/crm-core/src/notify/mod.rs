//! Delivering outbox notifications: the [`Notifier`] trait, two notifiers, and the
//! [`Dispatcher`] that drains the outbox with retries and backoff.

mod destination;
mod dispatcher;

pub use dispatcher::{DispatchReport, Dispatcher, RetryPolicy};

use crate::channel::Channel;
use crate::error::BoxError;
use crate::id::{CustomerId, StaffId, WorkspaceId};
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
    /// Will never succeed (rejected content, no notifier for the channel): the message is
    /// marked [`crate::outbox::OutboxStatus::Failed`].
    #[error("permanent delivery failure: {0}")]
    Permanent(#[source] BoxError),
    /// The recipient's address was refused (an SMTP 5xx on the recipient, a gateway's
    /// "invalid number"): the message is marked [`crate::outbox::OutboxStatus::Bounced`].
    #[error("bounced: {0}")]
    Bounced(#[source] BoxError),
}

impl NotifyError {
    /// A temporary failure with `message`.
    pub fn temporary(message: impl Into<String>) -> Self {
        Self::Temporary(message.into().into())
    }

    /// A permanent failure with `message`.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent(message.into().into())
    }

    /// A bounce with `message`.
    pub fn bounced(message: impl Into<String>) -> Self {
        Self::Bounced(message.into().into())
    }
}

/// Where a message goes, resolved by the [`Dispatcher`] when it delivers (so a changed
/// address or name is used, and consent has been checked).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Destination {
    /// A customer on a channel.
    Customer {
        /// Who.
        customer: CustomerId,
        /// The channel.
        channel: Channel,
        /// The address on it: an email address, an E.164 number, a handle.
        address: String,
        /// The customer's name, for a `To:` line or a greeting.
        name: String,
    },
    /// A staff member.
    Staff {
        /// Who.
        staff: StaffId,
        /// Their work email, if they have one.
        email: Option<String>,
        /// Their name.
        name: String,
    },
    /// A webhook endpoint.
    Webhook {
        /// The endpoint's name (its secrets are looked up by it).
        endpoint: String,
        /// The URL to POST to.
        url: String,
    },
}

impl Destination {
    /// The channel of a customer destination; `None` for staff and webhooks.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            Self::Customer { channel, .. } => Some(*channel),
            _ => None,
        }
    }
}

/// What a notifier reports after handing a message over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Receipt {
    /// True when the recipient got it (a webhook answered 2xx); false when it was handed to a
    /// server or gateway that may still fail to deliver it ([`crate::outbox::OutboxStatus::Sent`]).
    pub delivered: bool,
    /// The server's or gateway's id of the message.
    pub provider_ref: Option<String>,
    /// How many parts an SMS took.
    pub parts: Option<u32>,
    /// True when the gateway will report delivery ([`Notifier::report`] should be asked).
    pub awaits_report: bool,
}

impl Receipt {
    /// Handed to a server or gateway ([`crate::outbox::OutboxStatus::Sent`]).
    pub fn sent() -> Self {
        Self::default()
    }

    /// Received by the recipient ([`crate::outbox::OutboxStatus::Delivered`]).
    pub fn delivered() -> Self {
        Self {
            delivered: true,
            ..Self::default()
        }
    }

    /// With the provider's id of the message.
    pub fn provider_ref(mut self, reference: impl Into<String>) -> Self {
        self.provider_ref = Some(reference.into());
        self
    }

    /// With the number of SMS parts.
    pub fn parts(mut self, parts: u32) -> Self {
        self.parts = Some(parts);
        self
    }

    /// The gateway will report delivery: ask [`Notifier::report`] later.
    pub fn awaiting_report(mut self) -> Self {
        self.awaits_report = true;
        self
    }
}

/// What a gateway says became of a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryReport {
    /// Not known yet: ask again later.
    Pending,
    /// Delivered to the recipient.
    Delivered,
    /// Not delivered, for this reason.
    Failed(String),
    /// The recipient's address does not take messages.
    Bounced(String),
}

/// Delivers notifications to the world (email, SMS, webhook, in-app, ...).
///
/// Contract: `Ok` means the message was handed over for good; delivery is at-least-once, so a
/// notifier should tolerate seeing the same [`OutboxMessage::id`] twice (after a crash
/// between delivering and recording the delivery) and give the receiver a way to drop the
/// repeat (the same `Message-ID`, the same webhook id). Consent has been checked before
/// `deliver` is called.
///
/// # Writing your own notifier
///
/// A host application implements `Notifier` for any channel crm-rs does not speak itself, and
/// gives it to the [`Dispatcher`] (or the worker):
///
/// ```
/// use async_trait::async_trait;
/// use crm_core::id::WorkspaceId;
/// use crm_core::notify::{Destination, Notifier, NotifyError, Receipt};
/// use crm_core::outbox::OutboxMessage;
///
/// /// Posts every message to the team's chat; refuses what it cannot reach.
/// struct TeamChat;
///
/// #[async_trait]
/// impl Notifier for TeamChat {
///     async fn deliver(
///         &self,
///         _ws: WorkspaceId,
///         message: &OutboxMessage,
///         to: &Destination,
///     ) -> Result<Receipt, NotifyError> {
///         match to {
///             Destination::Staff { name, .. } => {
///                 println!("@{name}: {}", message.notification.subject);
///                 Ok(Receipt::delivered().provider_ref(message.id.to_string()))
///             }
///             _ => Err(NotifyError::permanent("team chat reaches staff only")),
///         }
///     }
/// }
/// ```
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    /// Delivers one message of workspace `ws` to `to`.
    async fn deliver(
        &self,
        ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError>;

    /// Asks what became of a message it sent with [`Receipt::awaits_report`]. The default
    /// knows nothing and says [`DeliveryReport::Pending`] forever; the dispatcher stops asking
    /// after the report window.
    async fn report(
        &self,
        _ws: WorkspaceId,
        _message: &OutboxMessage,
    ) -> Result<DeliveryReport, NotifyError> {
        Ok(DeliveryReport::Pending)
    }
}

/// Keeps every delivered notification in memory; can be told to fail. For tests.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    delivered: Vec<(WorkspaceId, Notification)>,
    destinations: Vec<Destination>,
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

    /// Where each delivered message went, in order.
    pub fn destinations(&self) -> Vec<Destination> {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .destinations
            .clone()
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
    async fn deliver(
        &self,
        ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
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
        state.destinations.push(to.clone());
        Ok(Receipt::delivered().provider_ref(message.id.to_string()))
    }
}

/// Writes each notification to the `tracing` log at INFO level and reports it delivered.
#[derive(Debug, Default, Clone, Copy)]
pub struct TracingNotifier;

#[async_trait]
impl Notifier for TracingNotifier {
    async fn deliver(
        &self,
        ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        let n = &message.notification;
        tracing::info!(
            workspace = %ws,
            id = %message.id,
            event = %n.event,
            to = ?to,
            subject = %n.subject,
            "notification"
        );
        Ok(Receipt::delivered())
    }
}

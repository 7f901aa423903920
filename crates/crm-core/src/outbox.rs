//! The outbox: notifications stored in the same commit as the change that caused them.

mod indexes;
mod queue;
pub use indexes::{BY_RECORD, BY_STATUS, DUE, REPORTS_DUE, status_rank};

pub use queue::{about, by_status, due, reports_due};

use crate::channel::Channel;
use crate::id::{CustomerId, OutboxId, StaffId};
use crate::record::RecordRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Recipient {
    /// A staff member (in-app, or their work email: the notifier decides).
    Staff {
        /// Who.
        staff: StaffId,
    },
    /// A customer, on a channel, at an address of theirs.
    Customer {
        /// Who.
        customer: CustomerId,
        /// On which channel.
        channel: Channel,
        /// The address on that channel (an email, an E.164 number, a handle).
        address: String,
    },
    /// A webhook endpoint of the workspace (see [`crate::workspace::WebhookEndpoint`]).
    Webhook {
        /// The endpoint's name: the notifier looks its signing secrets up by it.
        endpoint: String,
        /// The URL the event is POSTed to.
        url: String,
    },
}

/// Why a message is sent, which decides whether it needs the customer's consent.
///
/// The rule (docs/delivery.md, "Consent"): a message to a customer is sent only when it is
/// [`Purpose::Transactional`], or the customer has consented on its channel and has not
/// withdrawn that consent (unsubscribed, or sent STOP by SMS). Everything else is
/// [`OutboxStatus::Suppressed`] with the reason. Messages to staff and webhooks are not
/// subject to customer consent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Purpose {
    /// The answer to the customer's own request, or an operational notice to staff: allowed
    /// without consent.
    #[default]
    Transactional,
    /// A follow-up the customer did not ask for (a satisfaction survey, a greeting, a club
    /// notice): needs consent on the channel.
    Service,
    /// Marketing (campaigns): needs consent on the channel.
    Marketing,
}

impl Purpose {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transactional => "transactional",
            Self::Service => "service",
            Self::Marketing => "marketing",
        }
    }

    /// Whether a customer must have consented on the channel.
    pub fn needs_consent(self) -> bool {
        !matches!(self, Self::Transactional)
    }
}

/// A message to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Who it is for.
    pub recipient: Recipient,
    /// What happened, as a stable machine name (`customer.merged`, `request.referred`, ...).
    pub event: String,
    /// Subject line.
    pub subject: String,
    /// Text.
    pub body: String,
    /// The record it is about.
    #[serde(default)]
    pub record: Option<RecordRef>,
    /// The HTML form of `body`, for channels that carry it (email).
    #[serde(default)]
    pub html: Option<String>,
    /// Why it is sent: decides whether it needs consent ([`Purpose`]).
    #[serde(default)]
    pub purpose: Purpose,
    /// The message id (without angle brackets) of the customer's message this one answers:
    /// an email reply carries it as `In-Reply-To`.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The message ids (without angle brackets) of the conversation so far, oldest first: an
    /// email reply carries them as `References`, so the customer's answer joins the thread.
    #[serde(default)]
    pub references: Vec<String>,
    /// The stable id of the event this message reports (one event delivered to several
    /// webhooks has one id; a receiver drops repeats by it).
    #[serde(default)]
    pub event_id: Option<uuid::Uuid>,
    /// The event's JSON payload, for webhooks.
    #[serde(default)]
    pub payload: Option<String>,
}

impl Notification {
    /// A notification with no HTML, thread or payload, of [`Purpose::Transactional`].
    pub fn new(recipient: Recipient, event: &str, subject: String, body: String) -> Self {
        Self {
            recipient,
            event: event.to_owned(),
            subject,
            body,
            record: None,
            html: None,
            purpose: Purpose::Transactional,
            in_reply_to: None,
            references: Vec::new(),
            event_id: None,
            payload: None,
        }
    }
}

/// Where a notification stands: its delivery status.
///
/// `Pending` (queued) becomes `Sent` when the server or gateway took it, `Delivered` when the
/// recipient got it (as far as the channel can tell: a webhook answered 2xx, or an SMS
/// gateway reported delivery), or one of the ends `Failed`, `Bounced`, `Suppressed`,
/// `Parked`. A failed attempt that will be retried stays `Pending` with
/// [`OutboxMessage::last_error`] saying why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutboxStatus {
    /// Queued: waiting for its first or next delivery attempt.
    Pending,
    /// The recipient got it (a webhook answered 2xx, a gateway reported delivery).
    Delivered,
    /// Failed for good (the server refused the content, or no notifier handles the
    /// channel); the reason is in [`OutboxMessage::last_error`].
    Failed,
    /// Handed to the mail server or SMS gateway; a delivery report may still follow.
    Sent,
    /// The recipient's address was refused or the message came back.
    Bounced,
    /// Not sent on purpose (no consent, unsubscribed, STOP): the reason is in
    /// [`OutboxMessage::last_error`].
    Suppressed,
    /// Given up on after the configured attempts; a person can replay it.
    Parked,
}

impl OutboxStatus {
    /// Every status, in rank order.
    pub const ALL: [OutboxStatus; 7] = [
        Self::Pending,
        Self::Delivered,
        Self::Failed,
        Self::Sent,
        Self::Bounced,
        Self::Suppressed,
        Self::Parked,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Sent => "sent",
            Self::Bounced => "bounced",
            Self::Suppressed => "suppressed",
            Self::Parked => "parked",
        }
    }

    /// The status named `name` ([`OutboxStatus::as_str`]; `queued` is `pending`).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        if name == "queued" {
            return Some(Self::Pending);
        }
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// True for the statuses a person may replay: failed, bounced and parked.
    pub fn is_replayable(self) -> bool {
        matches!(self, Self::Failed | Self::Bounced | Self::Parked)
    }
}

/// A notification in the outbox, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// The id.
    pub id: OutboxId,
    /// Optimistic version: the dispatcher updates the message with it.
    pub version: u64,
    /// When the change that caused it committed.
    pub created_at: DateTime<Utc>,
    /// What to deliver.
    pub notification: Notification,
    /// Delivery state.
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Not to be tried before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// The last delivery error.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When delivered.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// When the server or gateway took it.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// The server's or gateway's id of the message (an SMTP `Message-ID`, a gateway's
    /// message id), to ask about its delivery and to find it in their logs.
    #[serde(default)]
    pub provider_ref: Option<String>,
    /// How many parts an SMS took (70 UCS-2 characters, or 67 per part when split).
    #[serde(default)]
    pub parts: Option<u32>,
    /// True while a delivery report is awaited from the gateway (`Sent` SMS); the worker asks
    /// at [`OutboxMessage::next_attempt_at`].
    #[serde(default)]
    pub awaiting_report: bool,
}

impl OutboxMessage {
    /// A new message queued at `now` for its first attempt.
    pub fn queued(id: OutboxId, now: DateTime<Utc>, notification: Notification) -> Self {
        Self {
            id,
            version: 1,
            created_at: now,
            notification,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            delivered_at: None,
            sent_at: None,
            provider_ref: None,
            parts: None,
            awaiting_report: false,
        }
    }
}

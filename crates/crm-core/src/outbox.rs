//! The outbox: notifications stored in the same commit as the change that caused them.

mod indexes;
mod queue;
pub use indexes::{BY_STATUS, DUE, status_rank};

pub use queue::{by_status, due};

use crate::channel::Channel;
use crate::id::{CustomerId, OutboxId, StaffId};
use crate::record::RecordRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Delivered.
    Delivered,
    /// Given up on after too many attempts or a permanent failure; kept for a person to see.
    Failed,
}

impl OutboxStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
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
}

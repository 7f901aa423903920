//! Interactions: the log of every contact with a customer.

mod history;
mod indexes;
pub use indexes::BY_CUSTOMER;

pub use history::history;

use crate::channel::Channel;
use crate::id::{CustomerId, InteractionId, StaffId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether the customer reached us or we reached them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// To the customer.
    Outbound,
}

impl Direction {
    /// `inbound` or `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// Metadata of a file that came with a message (the bytes live elsewhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Media type, e.g. `application/pdf`.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// One contact with a customer, on one channel, in one direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// The id.
    pub id: InteractionId,
    /// Optimistic version.
    pub version: u64,
    /// The customer.
    pub customer: CustomerId,
    /// The channel.
    pub channel: Channel,
    /// In or out.
    pub direction: Direction,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Subject line, where the channel has one.
    #[serde(default)]
    pub subject: Option<String>,
    /// The text.
    pub body: String,
    /// The staff member who handled it.
    #[serde(default)]
    pub staff: Option<StaffId>,
    /// The channel's own id of the message (email Message-ID, Telegram update id, ...).
    #[serde(default)]
    pub external_id: Option<String>,
    /// Files that came with it.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

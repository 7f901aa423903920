//! Holds: points reserved for a redemption, then captured (spent) or released.

use super::entry::Allocation;
use crate::id::{CardId, EntryId, HoldId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a hold is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// Reserving its points.
    Held,
    /// Spent: a redeem entry was written.
    Captured,
    /// Given back to the lots.
    Released,
    /// Given back to the lots because it was neither captured nor released in time.
    Expired,
    /// Captured, then refunded: the points went back to their original lots.
    Refunded,
}

impl HoldStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Captured => "captured",
            Self::Released => "released",
            Self::Expired => "expired",
            Self::Refunded => "refunded",
        }
    }
}

/// A reservation of points on a card, idempotent by its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// The id.
    pub id: HoldId,
    /// Optimistic version.
    pub version: u64,
    /// The card.
    pub card: CardId,
    /// Points reserved.
    pub points: i64,
    /// The caller's key (claims `club-hold:` plus card and key: asking again with it returns
    /// this hold).
    pub key: String,
    /// Where it is.
    pub status: HoldStatus,
    /// The lots its points are reserved in, soonest expiry first.
    pub allocations: Vec<Allocation>,
    /// Why, in words (`reward: cinema ticket`).
    pub reason: String,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When it gives its points back unless captured.
    pub expires_at: DateTime<Utc>,
    /// The redeem entry, once captured.
    #[serde(default)]
    pub entry: Option<EntryId>,
    /// When it left `held`.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
}

impl Hold {
    /// The unique key of the hold of `card` made with `key`.
    pub fn key_of(card: CardId, key: &str) -> String {
        format!("club-hold:{card}:{key}")
    }

    /// The most characters a hold key may have.
    pub const MAX_KEY: usize = 128;
}

//! Ledger entries: the append-only record of every change of a card's points.

use crate::audit::Actor;
use crate::id::{CardId, EntryId, HoldId, LotId, RewardId};
use crate::id::{CustomerId, OrderId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Points earned (a new lot).
    Earn,
    /// Points spent (a captured hold).
    Redeem,
    /// Points of a lot that reached its expiry.
    Expire,
    /// A manager's correction, with a note (positive: a new lot; negative: taken from lots).
    Adjust,
    /// A refund: of an order (points taken back) or of a redemption (points given back to
    /// their original lots).
    Reverse,
}

impl EntryKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Earn => "earn",
            Self::Redeem => "redeem",
            Self::Expire => "expire",
            Self::Adjust => "adjust",
            Self::Reverse => "reverse",
        }
    }
}

/// What an entry came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntrySource {
    /// A paid or refunded order.
    Order {
        /// The order.
        order: OrderId,
    },
    /// A hold, captured or refunded.
    Hold {
        /// The hold.
        hold: HoldId,
    },
    /// A reward of the catalogue.
    Reward {
        /// The reward.
        reward: RewardId,
    },
    /// A staff member's adjustment.
    Adjustment,
    /// A bonus (joining, birthday).
    Bonus,
    /// Referring a customer.
    Referral {
        /// The referred customer.
        customer: CustomerId,
    },
    /// The expiry of a lot.
    Expiry,
}

/// Points moved to or from one lot by an entry (positive: to the lot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The lot.
    pub lot: LotId,
    /// Points.
    pub points: i64,
}

/// One change of a card's points. Never changed once written.
///
/// Invariant: `points == sum(allocations) - debt` (an earning's new lot is an allocation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The id.
    pub id: EntryId,
    /// Always 1: entries are never changed.
    pub version: u64,
    /// The card.
    pub card: CardId,
    /// Its position in the card's ledger, from 0.
    pub seq: u64,
    /// What it does.
    pub kind: EntryKind,
    /// Points: positive in, negative out.
    pub points: i64,
    /// The lots it moved points to or from.
    pub allocations: Vec<Allocation>,
    /// The change of the card's debt (positive: more debt).
    #[serde(default)]
    pub debt: i64,
    /// The card's balance after it.
    pub balance: i64,
    /// Why, in words.
    pub reason: String,
    /// What it came from.
    pub source: EntrySource,
    /// Who did it.
    pub actor: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// The key that makes it happen once (claims `club-entry:` plus card and key).
    #[serde(default)]
    pub key: Option<String>,
}

impl LedgerEntry {
    /// The unique key of the entry of `card` made once by `key`.
    pub fn once_key(card: CardId, key: &str) -> String {
        format!("club-entry:{card}:{key}")
    }
}

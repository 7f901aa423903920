//! Lots: the points of one earning, each with its own expiry. Redemptions take from the lots
//! that expire soonest; every point of a lot is accounted for.

use crate::id::OrderId;
use crate::id::{CardId, EntryId, LotId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Points earned at once (an earning, a bonus, a positive adjustment).
///
/// Invariant: `earned == remaining + held + taken + expired + reversed + repaid`, every term
/// at least 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    /// The id.
    pub id: LotId,
    /// Optimistic version.
    pub version: u64,
    /// The card.
    pub card: CardId,
    /// The entry that earned it.
    pub entry: EntryId,
    /// The order it was earned on (claims `club-order-lot:` plus the order).
    #[serde(default)]
    pub order: Option<OrderId>,
    /// Points earned.
    pub earned: i64,
    /// Points still available.
    pub remaining: i64,
    /// Points reserved by open holds.
    pub held: i64,
    /// Points redeemed or taken by negative adjustments.
    pub taken: i64,
    /// Points expired.
    pub expired: i64,
    /// Points reversed by refunds.
    pub reversed: i64,
    /// Points that paid the card's debt when earned.
    pub repaid: i64,
    /// Points reversed because the order was refunded, from this lot or elsewhere (the
    /// proportional reversal's running total).
    #[serde(default)]
    pub order_reversed: i64,
    /// When earned.
    pub earned_at: DateTime<Utc>,
    /// When the remaining points expire (`None`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// True once the member was told the lot is about to expire.
    #[serde(default)]
    pub noticed: bool,
}

impl Lot {
    /// The unique key of the lot earned on `order`.
    pub fn order_key(order: OrderId) -> String {
        format!("club-order-lot:{order}")
    }

    /// True when every point is accounted for and none is negative.
    pub fn is_consistent(&self) -> bool {
        let parts = [
            self.remaining,
            self.held,
            self.taken,
            self.expired,
            self.reversed,
            self.repaid,
        ];
        parts.iter().all(|p| *p >= 0) && parts.iter().sum::<i64>() == self.earned
    }

    /// True while some points are remaining or held.
    pub fn is_open(&self) -> bool {
        self.remaining + self.held > 0
    }

    /// The order lots are used in: soonest expiry first (never last), then oldest.
    pub fn use_order(&self) -> (bool, Option<DateTime<Utc>>, DateTime<Utc>, LotId) {
        (
            self.expires_at.is_none(),
            self.expires_at,
            self.earned_at,
            self.id,
        )
    }
}

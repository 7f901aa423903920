//! Referrals: a customer names the card of the member who brought them; the referrer is
//! rewarded when the referred customer's first order is paid.

use crate::id::CustomerId;
use crate::id::{CardId, ReferralId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a referral is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferralStatus {
    /// Waiting for the referred customer's first paid order.
    Pending,
    /// The referrer was rewarded.
    Rewarded,
    /// The first order was paid but the referrer had reached the cap.
    Capped,
}

/// A referral of `referred` by the member holding `referrer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// The id.
    pub id: ReferralId,
    /// Optimistic version.
    pub version: u64,
    /// The referrer's card.
    pub referrer: CardId,
    /// The referred customer (claims `club-referred:` plus the customer: the first valid
    /// code wins).
    pub referred: CustomerId,
    /// Where it is.
    pub status: ReferralStatus,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When settled.
    #[serde(default)]
    pub settled_at: Option<DateTime<Utc>>,
}

impl Referral {
    /// The unique key of the referral of `customer`.
    pub fn referred_key(customer: CustomerId) -> String {
        format!("club-referred:{customer}")
    }
}

//! A membership of a programme and its card: the card number, the status, the tier, and the
//! running balance kept in the same commit as every ledger entry, so reading it never scans
//! the entries.

use super::card_number::CardNumber;
use super::tier::{QualifyingMonth, TierChange, TierFloor};
use crate::id::CustomerId;
use crate::id::{CardId, ProgrammeId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a membership is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    /// Earns and redeems.
    Active,
    /// Neither earns nor redeems until resumed.
    Suspended,
    /// Over, for good.
    Ended,
}

impl MembershipStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Ended => "ended",
        }
    }
}

/// A customer's membership of a programme, with its card and running balance.
///
/// Ledger invariants, kept by every commit that writes an entry (each writes the card too,
/// at its next version, so racing writers conflict and retry):
/// `balance` is the sum of the card's entries; `balance + debt` is the sum of its lots'
/// remaining and held points; `held` is the sum of its open holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    /// The id.
    pub id: CardId,
    /// Optimistic version: one more with every ledger entry, hold and change.
    pub version: u64,
    /// The programme.
    pub programme: ProgrammeId,
    /// The member.
    pub customer: CustomerId,
    /// The card number (claims `club-card:` plus the number).
    pub number: CardNumber,
    /// Active, suspended or ended.
    pub status: MembershipStatus,
    /// The sum of the card's ledger entries (negative only in debt).
    pub balance: i64,
    /// Points reserved by open holds (part of `balance`).
    pub held: i64,
    /// Points reversed beyond what the lots held; paid first by later earnings.
    pub debt: i64,
    /// How many entries the ledger has (the next entry's sequence number).
    pub entries: u64,
    /// The current tier (a name of the programme's tiers).
    pub tier: String,
    /// A tier granted by hand.
    #[serde(default)]
    pub tier_floor: Option<TierFloor>,
    /// Since when the member qualifies for less than their tier (for the grace period).
    #[serde(default)]
    pub below_since: Option<DateTime<Utc>>,
    /// Every tier change, oldest first.
    #[serde(default)]
    pub tier_history: Vec<TierChange>,
    /// Qualifying points and spend per Jalali month, the last thirteen months.
    #[serde(default)]
    pub qualifying: Vec<QualifyingMonth>,
    /// Paid orders the member has earned on (referral rewards follow the first).
    #[serde(default)]
    pub paid_orders: u32,
    /// Referral rewards earned as a referrer.
    #[serde(default)]
    pub referral_rewards: u32,
    /// When joined.
    pub joined_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Card {
    /// The unique key of `customer`'s membership of `programme`: one per programme.
    pub fn member_key(programme: ProgrammeId, customer: CustomerId) -> String {
        format!("club-member:{programme}:{customer}")
    }

    /// Points that may be held or redeemed now: the balance less what is held (never
    /// negative).
    pub fn available(&self) -> i64 {
        (self.balance - self.held).max(0)
    }

    /// The card's next version, stamped at `now`.
    pub(crate) fn bump(&mut self, now: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = now;
    }
}

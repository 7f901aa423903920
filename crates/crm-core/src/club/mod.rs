//! The customer club: programmes, memberships with their cards, a points ledger that cannot
//! be cheated, holds, earning rules, expiry, tiers, rewards, vouchers and referrals.
//!
//! The types are here with the keys they claim; [`ledger`] is the ledger's arithmetic in
//! memory; the logic is in [`crate::service`] ([`crate::Session::join_club`],
//! [`crate::Session::hold_points`], [`crate::Session::capture_hold`], ...). See
//! `docs/club.md`.

mod card;
mod card_number;
mod earning_rule;
mod entry;
mod expiry_policy;
mod hold;
mod indexes;
pub mod ledger;
mod lot;
mod programme;
mod referral;
mod reward;
mod tier;
mod voucher;

pub use crate::id::{CardId, EntryId, HoldId, LotId, ProgrammeId, ReferralId, RewardId, VoucherId};
pub use card::{Card, MembershipStatus};
pub use card_number::{CARD_DIGITS, CardNumber};
pub use earning_rule::{EarningRule, MAX_RULE_POINTS, multiplied, order_points};
pub use entry::{Allocation, EntryKind, EntrySource, LedgerEntry};
pub use expiry_policy::{CalendarKind, ExpiryPolicy, PeriodKind};
pub use hold::{Hold, HoldStatus};
pub use indexes::{
    CARD_BY_CUSTOMER, CARD_BY_TIER, ENTRY_BY_CARD, ENTRY_BY_TIME, HOLD_BY_CARD,
    HOLD_OPEN_BY_EXPIRY, LOT_BY_EXPIRY, LOT_OPEN_BY_CARD, LOT_TO_NOTICE, REFERRAL_BY_REFERRER,
    REWARD_BY_PROGRAMME, VOUCHER_BY_CARD, lot_use_key,
};
pub use lot::Lot;
pub use programme::{MAX_RULES, Programme, ReferralTerms, RefundPolicy};
pub use referral::{Referral, ReferralStatus};
pub use reward::{Reward, RewardKind};
pub use tier::{
    MAX_TIERS, QUALIFYING_MONTHS, QualifyingMonth, Tier, TierBasis, TierChange, TierFloor,
    TierReason, TierRules, TierWindow, add_qualifying, qualifying_total,
};
pub use voucher::{VOUCHER_ALPHABET, VOUCHER_LEN, Voucher};

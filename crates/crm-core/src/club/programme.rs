//! A club programme: a workspace's rules for earning, expiring and spending points, its
//! tiers, and its referral terms.

use super::earning_rule::EarningRule;
use super::expiry_policy::ExpiryPolicy;
use super::tier::TierRules;
use crate::error::{Error, Result};
use crate::id::ProgrammeId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a refund does when the points its order earned were already spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RefundPolicy {
    /// The reversal takes the order's own lot, then the member's other lots (soonest expiry
    /// first); what is still missing is debt: the balance goes below zero.
    #[default]
    AllowDebt,
    /// The reversal takes the order's own lot only; what is missing is debt, and the member
    /// may not redeem until later earnings have paid it.
    BlockRedemption,
}

/// The referral terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralTerms {
    /// Points the referrer earns when the referred customer's first order is paid (0: no
    /// referral rewards).
    pub points: i64,
    /// The most referral rewards one referrer may earn.
    pub cap: u32,
}

impl Default for ReferralTerms {
    /// No rewards.
    fn default() -> Self {
        Self { points: 0, cap: 0 }
    }
}

/// The most earning rules a programme may have.
pub const MAX_RULES: usize = 50;

/// A club programme of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// The id.
    pub id: ProgrammeId,
    /// Optimistic version.
    pub version: u64,
    /// Its name, unique in the workspace (`باشگاه مشتریان`).
    pub name: String,
    /// The first digits of its card numbers (0 to 9999).
    pub card_prefix: u16,
    /// How points are earned.
    pub rules: Vec<EarningRule>,
    /// When earned points expire.
    pub expiry: ExpiryPolicy,
    /// Days before expiry a member is told (0: no notice).
    pub notice_days: u32,
    /// What refunds of spent points do.
    pub refund_policy: RefundPolicy,
    /// Seconds a hold lives before it is released by itself.
    pub hold_seconds: u32,
    /// Tiers.
    pub tiers: TierRules,
    /// Referral terms.
    pub referrals: ReferralTerms,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Programme {
    /// The unique key of the programme named `name`.
    pub fn name_key(name: &str) -> String {
        format!("club-programme:{}", name.trim().to_lowercase())
    }

    /// Checks everything a programme is made of.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        crate::limits::required("programme.name", &self.name, crate::limits::MAX_NAME)?;
        if self.card_prefix > 9999 {
            return Err(Error::invalid("programme.card_prefix", "0 to 9999"));
        }
        if self.rules.len() > MAX_RULES {
            return Err(Error::invalid("programme.rules", "50 rules at most"));
        }
        for rule in &self.rules {
            rule.validate()?;
        }
        self.expiry.validate()?;
        if self.notice_days > 365 {
            return Err(Error::invalid("programme.notice_days", "365 days at most"));
        }
        if !(1..=30 * 86_400).contains(&self.hold_seconds) {
            return Err(Error::invalid(
                "programme.hold_seconds",
                "1 second to 30 days",
            ));
        }
        self.tiers.validate()?;
        if !(0..=super::earning_rule::MAX_RULE_POINTS).contains(&self.referrals.points) {
            return Err(Error::invalid("programme.referrals.points", "0 to 1000000"));
        }
        Ok(())
    }

    /// The joining bonus, if any.
    pub fn joining_bonus(&self) -> i64 {
        self.rules
            .iter()
            .map(|r| match r {
                EarningRule::Joining { points } => *points,
                _ => 0,
            })
            .sum()
    }

    /// The birthday bonus, if any.
    pub fn birthday_bonus(&self) -> i64 {
        self.rules
            .iter()
            .map(|r| match r {
                EarningRule::Birthday { points } => *points,
                _ => 0,
            })
            .sum()
    }
}

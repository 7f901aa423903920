//! Deals: an opportunity to sell to a customer, moving through a pipeline to won or lost.

use super::lead::LeadSource;
use super::lost_reason::LostReason;
use super::money::Money;
use super::stage_log::{Position, StageChange};
use crate::id::{CustomerId, DealId, DepartmentId, LeadId, PipelineId, ProductId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whether a deal is still being worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    /// Being worked, at a stage.
    Open,
    /// Won.
    Won,
    /// Lost, with a reason.
    Lost,
}

impl DealStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost => "lost",
        }
    }
}

/// One line of a deal or an order: a product, a quantity and a unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The product.
    pub product: ProductId,
    /// How many (may be fractional: kilograms, hours).
    pub quantity: Decimal,
    /// The unit price.
    pub unit_price: Money,
}

impl Line {
    /// Quantity times unit price.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] on overflow.
    pub fn total(&self) -> crate::Result<Money> {
        let amount = self
            .quantity
            .checked_mul(self.unit_price.amount)
            .ok_or_else(|| crate::Error::invalid("lines", "amount too large"))?;
        Ok(Money {
            amount,
            currency: self.unit_price.currency.clone(),
        })
    }
}

/// A deal: what may be sold to a customer, by whom, for how much, and where it stands.
///
/// Every change of stage or outcome is in `log`, which replays to the deal's current position
/// (see [`super::replay`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// The id.
    pub id: DealId,
    /// Optimistic version.
    pub version: u64,
    /// What is being sold.
    pub title: String,
    /// To whom.
    pub customer: CustomerId,
    /// The salesperson who owns it.
    pub owner: StaffId,
    /// The owner's department when it was assigned (managers see their department's deals).
    #[serde(default)]
    pub department: Option<DepartmentId>,
    /// The pipeline.
    pub pipeline: PipelineId,
    /// The current stage's key (while won or lost: the stage it was closed from).
    pub stage: String,
    /// Open, won or lost.
    pub status: DealStatus,
    /// The value of the deal.
    pub amount: Money,
    /// The products, if itemised (then `amount` is their total).
    #[serde(default)]
    pub lines: Vec<Line>,
    /// When it is expected to close (the forecast puts it in that period).
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
    /// A probability set by hand (percent); `None`: the stage's default.
    #[serde(default)]
    pub probability: Option<u8>,
    /// The next thing to do.
    #[serde(default)]
    pub next_step: Option<String>,
    /// Where the business came from (copied from the lead).
    #[serde(default)]
    pub source: Option<LeadSource>,
    /// The lead it was converted from.
    #[serde(default)]
    pub lead: Option<LeadId>,
    /// Why it was lost (set while lost, kept in the log's audit entry after a reopening).
    #[serde(default)]
    pub lost_reason: Option<LostReason>,
    /// When it was won or lost (`None` while open).
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// Every change of stage or outcome, oldest first.
    #[serde(default)]
    pub log: Vec<StageChange>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Deal {
    /// Where the deal is now.
    pub fn position(&self) -> Position {
        match self.status {
            DealStatus::Open => Position::Stage(self.stage.clone()),
            DealStatus::Won => Position::Won,
            DealStatus::Lost => Position::Lost,
        }
    }

    /// True while open.
    pub fn is_open(&self) -> bool {
        self.status == DealStatus::Open
    }

    /// The probability that counts: 100 when won, 0 when lost, else the one set by hand or
    /// `stage_default`.
    pub fn effective_probability(&self, stage_default: u8) -> u8 {
        match self.status {
            DealStatus::Won => 100,
            DealStatus::Lost => 0,
            DealStatus::Open => self.probability.unwrap_or(stage_default).min(100),
        }
    }

    /// The amount weighted by `probability` percent.
    pub fn weighted(&self, probability: u8) -> Decimal {
        self.amount.amount * Decimal::from(probability) / Decimal::ONE_HUNDRED
    }

    /// The unique key a deal converted from `lead` claims: one deal per conversion.
    pub fn conversion_key(lead: LeadId) -> String {
        format!("lead-conversion:{lead}")
    }

    /// Its unique keys: the conversion key when it came from a lead.
    pub fn keys(&self) -> Vec<String> {
        self.lead.map(Self::conversion_key).into_iter().collect()
    }

    /// Days from creation to closing, for a closed deal.
    pub fn cycle_days(&self) -> Option<f64> {
        self.closed_at
            .map(|closed| (closed - self.created_at).num_seconds().max(0) as f64 / 86_400.0)
    }
}

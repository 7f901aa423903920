//! Deal summaries: the few fields of a deal that a list or a report shows, carried at the end
//! of the deal's index entries so that readers scan keys only and never decode the whole deal
//! (its stage log, its lines).
//!
//! - [`ClosedDeal`] rides in the [`super::DEAL_CLOSED`] entry: what the won/lost report
//!   counts.
//! - [`OpenDeal`] rides in the [`super::DEAL_OPEN_BY_OWNER`] entry: a row of a salesperson's
//!   pipeline view.
//!
//! An entry's key is its sort parts, the deal's id, then the summary
//! ([`crate::record::with_summary`]; read with [`crate::record::read_summary`]). A summary
//! larger than [`crate::record::MAX_SUMMARY`] bytes is left out: readers then fetch the deal.
//! Both are made from the deal in the commit that writes it, so they never disagree with its
//! body.

use super::deal::{Deal, DealStatus};
use super::lead::SourceKind;
use super::lost_reason::LostReason;
use super::money::Money;
use super::stage_log::Position;
use crate::id::{CustomerId, DealId, PipelineId, StaffId};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A won or lost deal as the won/lost report counts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClosedDeal {
    /// The id.
    pub id: DealId,
    /// Won or lost.
    pub status: DealStatus,
    /// The value of the deal.
    pub amount: Money,
    /// The salesperson who owns it.
    pub owner: StaffId,
    /// The pipeline.
    pub pipeline: PipelineId,
    /// The kind of lost reason (`price`, `competitor`, ...), while lost with one.
    pub reason: Option<String>,
    /// The competitor it was lost to.
    pub competitor: Option<String>,
    /// The kind of its lead source.
    pub source: Option<SourceKind>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When won or lost.
    pub closed_at: DateTime<Utc>,
    /// Every stage key its log reached, in first-reached order, once each.
    pub stages: Vec<String>,
}

impl ClosedDeal {
    /// The summary of `deal`; `None` while it is open.
    pub fn of(deal: &Deal) -> Option<Self> {
        let closed_at = deal.closed_at?;
        if deal.is_open() {
            return None;
        }
        let mut stages: Vec<String> = Vec::new();
        for change in &deal.log {
            if let Position::Stage(key) = &change.to
                && !stages.contains(key)
            {
                stages.push(key.clone());
            }
        }
        Some(Self {
            id: deal.id,
            status: deal.status,
            amount: deal.amount.clone(),
            owner: deal.owner,
            pipeline: deal.pipeline,
            reason: deal.lost_reason.as_ref().map(|r| r.kind().to_owned()),
            competitor: match &deal.lost_reason {
                Some(LostReason::Competitor { name }) => Some(name.clone()),
                _ => None,
            },
            source: deal.source.as_ref().map(|s| s.kind),
            created_at: deal.created_at,
            closed_at,
            stages,
        })
    }

    /// Days from creation to closing.
    pub fn cycle_days(&self) -> f64 {
        (self.closed_at - self.created_at).num_seconds().max(0) as f64 / 86_400.0
    }
}

/// An open deal as a salesperson's pipeline view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenDeal {
    /// The id.
    pub id: DealId,
    /// Its version (to change it with an expected version).
    pub version: u64,
    /// What is being sold.
    pub title: String,
    /// To whom.
    pub customer: CustomerId,
    /// The salesperson who owns it.
    pub owner: StaffId,
    /// The pipeline.
    pub pipeline: PipelineId,
    /// The current stage's key.
    pub stage: String,
    /// The value of the deal.
    pub amount: Money,
    /// When it is expected to close.
    pub expected_close: Option<NaiveDate>,
    /// A probability set by hand (percent); `None`: the stage's default.
    pub probability: Option<u8>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

impl OpenDeal {
    /// The summary of `deal`; `None` when it is closed.
    pub fn of(deal: &Deal) -> Option<Self> {
        deal.is_open().then(|| Self {
            id: deal.id,
            version: deal.version,
            title: deal.title.clone(),
            customer: deal.customer,
            owner: deal.owner,
            pipeline: deal.pipeline,
            stage: deal.stage.clone(),
            amount: deal.amount.clone(),
            expected_close: deal.expected_close,
            probability: deal.probability,
            created_at: deal.created_at,
        })
    }

    /// The probability that counts: the one set by hand or `stage_default` (at most 100).
    pub fn effective_probability(&self, stage_default: u8) -> u8 {
        self.probability.unwrap_or(stage_default).min(100)
    }

    /// The amount weighted by `probability` percent.
    pub fn weighted(&self, probability: u8) -> Decimal {
        self.amount.amount * Decimal::from(probability) / Decimal::ONE_HUNDRED
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Actor;
    use crate::record::{Key, MAX_SUMMARY, read_summary, with_summary};
    use crate::sales::{LeadSource, StageChange};
    use uuid::Uuid;

    fn deal() -> Deal {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let by = Actor::Staff(StaffId(Uuid::from_u128(9)));
        let change = |from: Option<Position>, to: Position, days: i64| StageChange {
            from,
            to,
            by: by.clone(),
            at: at + chrono::Duration::days(days),
            reason: None,
        };
        let s = |k: &str| Position::Stage(k.into());
        Deal {
            id: DealId(Uuid::from_u128(1)),
            version: 4,
            title: "میز و صندلی".into(),
            customer: CustomerId(Uuid::from_u128(2)),
            owner: StaffId(Uuid::from_u128(3)),
            department: None,
            pipeline: PipelineId(Uuid::from_u128(4)),
            stage: "proposal".into(),
            status: DealStatus::Lost,
            amount: Money::parse("1500000", "IRR").unwrap(),
            lines: Vec::new(),
            expected_close: None,
            probability: Some(40),
            next_step: None,
            source: Some(LeadSource::of(SourceKind::Referral)),
            lead: None,
            lost_reason: Some(LostReason::Competitor {
                name: "Pars".into(),
            }),
            closed_at: Some(at + chrono::Duration::days(3)),
            log: vec![
                change(None, s("qualification"), 0),
                change(Some(s("qualification")), s("proposal"), 1),
                change(Some(s("proposal")), s("qualification"), 1),
                change(Some(s("qualification")), s("proposal"), 2),
                change(Some(s("proposal")), Position::Lost, 3),
            ],
            created_at: at,
            updated_at: at,
        }
    }

    fn position(key: Key, id: Uuid) -> Vec<u8> {
        [key.as_bytes(), id.as_bytes()].concat()
    }

    #[test]
    fn a_closed_summary_reads_back_from_its_position() {
        let d = deal();
        let summary = ClosedDeal::of(&d).unwrap();
        assert_eq!(summary.stages, ["qualification", "proposal"]);
        assert_eq!(summary.reason.as_deref(), Some("competitor"));
        assert_eq!(summary.competitor.as_deref(), Some("Pars"));
        assert_eq!(summary.cycle_days(), d.cycle_days().unwrap());
        let key = with_summary(
            Key::new().time(d.closed_at.unwrap()),
            d.id.0,
            Some(&summary),
        );
        let read: Option<ClosedDeal> = read_summary(&position(key, d.id.0), 8).unwrap();
        assert_eq!(read, Some(summary));
        assert!(OpenDeal::of(&d).is_none());
    }

    #[test]
    fn an_open_summary_reads_back_and_an_oversized_one_is_left_out() {
        let mut d = deal();
        d.status = DealStatus::Open;
        d.closed_at = None;
        let summary = OpenDeal::of(&d).unwrap();
        assert!(ClosedDeal::of(&d).is_none());
        let sort = Key::new().id(d.owner.0).time(d.created_at);
        let key = with_summary(sort.clone(), d.id.0, Some(&summary));
        let read: Option<OpenDeal> = read_summary(&position(key, d.id.0), 24).unwrap();
        assert_eq!(read, Some(summary.clone()));
        let mut big = summary;
        big.title = "ی".repeat(MAX_SUMMARY);
        let key = with_summary(sort, d.id.0, Some(&big));
        let read: Option<OpenDeal> = read_summary(&position(key, d.id.0), 24).unwrap();
        assert_eq!(read, None);
    }
}

//! Forecasts: what a period's pipeline is worth, weighted by probability, and the snapshots
//! frozen on a schedule that forecast accuracy is measured against.

use super::money::Currency;
use crate::calendar::Period;
use crate::id::{DepartmentId, ForecastSnapshotId, PipelineId, StaffId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which deals a forecast counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastScope {
    /// Every deal of the workspace.
    Workspace,
    /// The deals a staff member owns.
    Owner(StaffId),
    /// The deals of a department.
    Department(DepartmentId),
    /// The deals of a pipeline.
    Pipeline(PipelineId),
}

impl std::fmt::Display for ForecastScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Workspace => f.write_str("workspace"),
            Self::Owner(id) => write!(f, "owner:{id}"),
            Self::Department(id) => write!(f, "department:{id}"),
            Self::Pipeline(id) => write!(f, "pipeline:{id}"),
        }
    }
}

/// A forecast's figures in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastLine {
    /// Open deals expected to close in the period.
    pub open_deals: u64,
    /// Their total value, unweighted.
    pub pipeline: Decimal,
    /// Their value weighted by probability.
    pub weighted: Decimal,
    /// Deals won in the period so far.
    pub won_deals: u64,
    /// Their value.
    pub won: Decimal,
}

impl ForecastLine {
    /// What the period is expected to bring: won so far plus the weighted pipeline.
    pub fn expected(&self) -> Decimal {
        self.won + self.weighted
    }
}

/// A forecast: per currency, what one scope's period is worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forecast {
    /// The period.
    pub period: Period,
    /// First instant of the period.
    pub from: DateTime<Utc>,
    /// First instant after it.
    pub to: DateTime<Utc>,
    /// Which deals.
    pub scope: ForecastScope,
    /// The figures per currency.
    pub lines: BTreeMap<Currency, ForecastLine>,
}

/// A forecast as it stood when frozen: forecast accuracy compares what was later won with
/// it. One snapshot per period, scope and (workspace-local) day: freezing again the same day
/// changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastSnapshot {
    /// The id.
    pub id: ForecastSnapshotId,
    /// Always 1: snapshots never change.
    pub version: u64,
    /// The period.
    pub period: Period,
    /// The scope.
    pub scope: ForecastScope,
    /// The local day it was frozen (`YYYY-MM-DD`).
    pub day: String,
    /// When it was frozen.
    pub taken_at: DateTime<Utc>,
    /// The figures per currency.
    pub lines: BTreeMap<Currency, ForecastLine>,
}

impl ForecastSnapshot {
    /// The unique key of the snapshot of `period` and `scope` on `day`.
    pub fn key_of(period: &Period, scope: &ForecastScope, day: &str) -> String {
        format!("forecast:{}:{scope}:{day}", period.label())
    }

    /// Its unique key.
    pub fn key(&self) -> String {
        Self::key_of(&self.period, &self.scope, &self.day)
    }
}

/// How one snapshot's forecast compares with what was actually won in its period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastAccuracy {
    /// The snapshot.
    pub snapshot: ForecastSnapshot,
    /// Per currency: what the snapshot expected and what was won in the period.
    pub lines: BTreeMap<Currency, AccuracyLine>,
}

/// Forecast against actual in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccuracyLine {
    /// What the snapshot expected ([`ForecastLine::expected`]).
    pub expected: Decimal,
    /// What was won in the period (so far, for a period not over).
    pub actual: Decimal,
}

impl AccuracyLine {
    /// `actual / expected` (1 is a perfect forecast); `None` when nothing was expected.
    pub fn ratio(&self) -> Option<Decimal> {
        self.actual.checked_div(self.expected)
    }
}

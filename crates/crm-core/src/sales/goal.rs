//! Sales goals: a target for a staff member or department over a period.

use super::money::Currency;
use crate::calendar::Period;
use crate::id::{DepartmentId, GoalId, StaffId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Whose goal it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum GoalSubject {
    /// A staff member (deals they own, leads they qualified, interactions they recorded).
    Staff(StaffId),
    /// A department (the same, for every deal of the department or member of it).
    Department(DepartmentId),
}

impl std::fmt::Display for GoalSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Staff(id) => write!(f, "staff:{id}"),
            Self::Department(id) => write!(f, "department:{id}"),
        }
    }
}

/// What a goal counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GoalMetric {
    /// The value of deals won in the period, in one currency.
    WonValue {
        /// The currency counted.
        currency: Currency,
    },
    /// The number of deals won in the period.
    WonCount,
    /// Leads qualified (marketing- or sales-qualified) in the period.
    QualifiedLeads,
    /// Interactions recorded in the period.
    Activities,
}

impl GoalMetric {
    /// The stable snake_case name (`won_value`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::WonValue { .. } => "won_value",
            Self::WonCount => "won_count",
            Self::QualifiedLeads => "qualified_leads",
            Self::Activities => "activities",
        }
    }
}

/// A sales goal: `target` of `metric` for `subject` in `period`. One goal per subject,
/// period and metric (claimed as a unique key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// The id.
    pub id: GoalId,
    /// Optimistic version.
    pub version: u64,
    /// Whose goal.
    pub subject: GoalSubject,
    /// The period (a Jalali or Gregorian month, quarter or year).
    pub period: Period,
    /// What is counted.
    pub metric: GoalMetric,
    /// The target (a value in the metric's currency, or a count).
    pub target: Decimal,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Goal {
    /// Its unique key.
    pub fn key(&self) -> String {
        format!(
            "goal:{}:{}:{}",
            self.subject,
            self.period.label(),
            self.metric.kind()
        )
    }
}

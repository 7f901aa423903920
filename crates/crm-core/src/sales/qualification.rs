//! Qualification: whether a lead is worth a salesperson's time, by whom and when.

use crate::audit::Actor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A qualification decision on a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualificationLevel {
    /// Marketing-qualified lead: worth nurturing.
    MarketingQualified,
    /// Sales-qualified lead: ready for a salesperson.
    SalesQualified,
    /// Not a prospect.
    Disqualified,
}

impl QualificationLevel {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MarketingQualified => "marketing_qualified",
            Self::SalesQualified => "sales_qualified",
            Self::Disqualified => "disqualified",
        }
    }
}

impl std::str::FromStr for QualificationLevel {
    type Err = crate::channel::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Self::MarketingQualified,
            Self::SalesQualified,
            Self::Disqualified,
        ]
        .into_iter()
        .find(|v| v.as_str() == s || (s == "mql" && *v == Self::MarketingQualified))
        .or_else(|| (s == "sql").then_some(Self::SalesQualified))
        .ok_or_else(|| crate::channel::UnknownName(s.to_owned()))
    }
}

/// Who qualified (or disqualified) a lead, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qualification {
    /// The decision.
    pub level: QualificationLevel,
    /// Who decided.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// Why (required to disqualify).
    #[serde(default)]
    pub reason: Option<String>,
}

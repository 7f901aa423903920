//! Leads: people or companies who may buy, where they came from, and what became of them.

use super::qualification::Qualification;
use crate::audit::Actor;
use crate::customer::ContactPoint;
use crate::id::{CustomerId, DealId, LeadId, StaffId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a lead reached the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceKind {
    /// A lead form on a web site.
    WebForm,
    /// A marketing campaign.
    Campaign,
    /// Recommended by someone.
    Referral,
    /// Imported from a list.
    Import,
    /// A message on a customer channel (SMS, Telegram, a call).
    Channel,
    /// Entered by hand.
    Manual,
}

impl SourceKind {
    /// Every kind.
    pub const ALL: [SourceKind; 6] = [
        Self::WebForm,
        Self::Campaign,
        Self::Referral,
        Self::Import,
        Self::Channel,
        Self::Manual,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebForm => "web_form",
            Self::Campaign => "campaign",
            Self::Referral => "referral",
            Self::Import => "import",
            Self::Channel => "channel",
            Self::Manual => "manual",
        }
    }
}

impl std::str::FromStr for SourceKind {
    type Err = crate::channel::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| crate::channel::UnknownName(s.to_owned()))
    }
}

/// Where a lead came from: recorded when it is created and kept after conversion (the deal
/// it becomes carries a copy).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeadSource {
    /// The kind of source.
    pub kind: SourceKind,
    /// The campaign, if any (`nowruz-1405`).
    #[serde(default)]
    pub campaign: Option<String>,
    /// The medium, if any (`email`, `instagram`, `cpc`).
    #[serde(default)]
    pub medium: Option<String>,
    /// Free detail (who referred, which list, which form).
    #[serde(default)]
    pub detail: Option<String>,
}

impl LeadSource {
    /// A source of `kind` with nothing else.
    pub fn of(kind: SourceKind) -> Self {
        Self {
            kind,
            campaign: None,
            medium: None,
            detail: None,
        }
    }
}

/// Where a lead stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeadStatus {
    /// Not looked at yet.
    New,
    /// Marketing-qualified: worth nurturing.
    MarketingQualified,
    /// Sales-qualified: ready for a salesperson.
    SalesQualified,
    /// Not a prospect (with a reason).
    Disqualified,
    /// Became a customer (and maybe a deal).
    Converted,
}

impl LeadStatus {
    /// Every status, in order.
    pub const ALL: [LeadStatus; 5] = [
        Self::New,
        Self::MarketingQualified,
        Self::SalesQualified,
        Self::Disqualified,
        Self::Converted,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::MarketingQualified => "marketing_qualified",
            Self::SalesQualified => "sales_qualified",
            Self::Disqualified => "disqualified",
            Self::Converted => "converted",
        }
    }

    /// Its place in [`LeadStatus::ALL`], as index keys hold it.
    pub fn rank(self) -> u8 {
        Self::ALL
            .iter()
            .position(|s| *s == self)
            .and_then(|p| u8::try_from(p).ok())
            .unwrap_or(u8::MAX)
    }
}

/// What a conversion made of a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// The customer the lead became or joined.
    pub customer: CustomerId,
    /// True when the customer already existed (found by a contact key).
    pub joined_existing: bool,
    /// The deal opened, if any.
    #[serde(default)]
    pub deal: Option<DealId>,
    /// Who converted it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
}

/// A lead: a person or company who may buy, with their contact points and source.
///
/// An open lead (not converted, not disqualified) claims `lead:` plus the canonical key of
/// each identifying contact point, so a second form from the same email updates it instead of
/// making another; every web form submission it took in claims `lead-form:` plus its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// The id.
    pub id: LeadId,
    /// Optimistic version.
    pub version: u64,
    /// The person's name.
    pub name: String,
    /// The company, if any.
    #[serde(default)]
    pub company: Option<String>,
    /// Contact points, normalised.
    #[serde(default)]
    pub contacts: Vec<ContactPoint>,
    /// Where it came from.
    pub source: LeadSource,
    /// The staff member working it.
    #[serde(default)]
    pub owner: Option<StaffId>,
    /// Where it stands.
    pub status: LeadStatus,
    /// The latest qualification decision.
    #[serde(default)]
    pub qualification: Option<Qualification>,
    /// Notes and messages taken in, oldest first.
    #[serde(default)]
    pub notes: Vec<String>,
    /// The customer holding one of its contact points when it was taken in (a known
    /// customer asking again).
    #[serde(default)]
    pub known_customer: Option<CustomerId>,
    /// What conversion made of it.
    #[serde(default)]
    pub conversion: Option<Conversion>,
    /// Web form submission ids taken in.
    #[serde(default)]
    pub submissions: Vec<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Lead {
    /// True while the lead can still be qualified or converted.
    pub fn is_open(&self) -> bool {
        !matches!(
            self.status,
            LeadStatus::Disqualified | LeadStatus::Converted
        )
    }

    /// The unique key of an open lead's contact point with canonical key `contact_key`.
    pub fn contact_key(contact_key: &str) -> String {
        format!("lead:{contact_key}")
    }

    /// The unique key of a web form submission.
    pub fn submission_key(submission_id: &str) -> String {
        format!("lead-form:{submission_id}")
    }

    /// The unique keys it claims (see the type's documentation).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .submissions
            .iter()
            .map(|s| Self::submission_key(s))
            .collect();
        if self.is_open() {
            keys.extend(
                self.contacts
                    .iter()
                    .filter(|c| c.kind.is_identifying())
                    .map(|c| Self::contact_key(&c.key)),
            );
        }
        keys
    }
}

//! The customer database: people and organisations, their stage, owner, tags, custom fields,
//! personal occasions, consent and contact points.

mod contact;
mod fields;
mod indexes;
mod list;
mod opt_out;

pub use contact::{ContactKind, ContactPoint, canonical_key};
pub use fields::{Consent, FieldValue, Occasion, OccasionCalendar, OccasionKind};
pub use indexes::{BY_OWNER, BY_STAGE, BY_TAG, BY_TOKEN, stage_rank};
pub use list::{CustomerFilter, list, search};
pub use opt_out::is_opt_out;

/// The custom text field holding the Latin spelling of a customer's name (`Ali Rezaei` for
/// `علی رضایی`); search finds the customer by it too.
pub const LATIN_NAME_FIELD: &str = "latin_name";

use crate::channel::Channel;
use crate::id::{CustomerId, StaffId};
use crate::normalize::name_tokens;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Where a customer stands in their relationship with the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LifecycleStage {
    /// Known only from a first contact.
    Lead,
    /// Confirmed as a real prospect.
    Qualified,
    /// Has bought.
    Customer,
    /// Buys again and again.
    Loyal,
    /// Recommends the business to others.
    Advocate,
    /// Has left.
    Churned,
}

impl LifecycleStage {
    /// Every stage, in order.
    pub const ALL: [LifecycleStage; 6] = [
        Self::Lead,
        Self::Qualified,
        Self::Customer,
        Self::Loyal,
        Self::Advocate,
        Self::Churned,
    ];

    /// The stable snake_case name, e.g. `lead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Qualified => "qualified",
            Self::Customer => "customer",
            Self::Loyal => "loyal",
            Self::Advocate => "advocate",
            Self::Churned => "churned",
        }
    }
}

impl std::str::FromStr for LifecycleStage {
    type Err = crate::channel::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| crate::channel::UnknownName(s.to_owned()))
    }
}

/// Whether a customer is a person or an organisation, with the name of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Party {
    /// A person, who may belong to an organisation.
    Person {
        /// Given (first) name; may be empty when only a family name is known.
        given_name: String,
        /// Family name; may be empty.
        family_name: String,
        /// The organisation the person belongs to.
        #[serde(default)]
        organisation: Option<CustomerId>,
    },
    /// A company or other organisation.
    Organisation {
        /// Its name.
        name: String,
    },
}

impl Party {
    /// The name to show: "given family" for a person, the name for an organisation.
    pub fn display_name(&self) -> String {
        match self {
            Party::Person {
                given_name,
                family_name,
                ..
            } => {
                let name = format!("{given_name} {family_name}");
                name.trim().to_owned()
            }
            Party::Organisation { name } => name.clone(),
        }
    }

    /// The organisation a person belongs to.
    pub fn organisation(&self) -> Option<CustomerId> {
        match self {
            Party::Person { organisation, .. } => *organisation,
            Party::Organisation { .. } => None,
        }
    }
}

/// A customer: an actual or potential buyer, person or organisation.
///
/// A customer merged into another keeps its id as a tombstone: `merged_into` names the
/// survivor, and it has no contact points, is not listed and is not found by search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The id.
    pub id: CustomerId,
    /// Optimistic version: 1 when created, one more on each change.
    pub version: u64,
    /// Person or organisation, and the names.
    pub party: Party,
    /// Lifecycle stage.
    pub stage: LifecycleStage,
    /// The staff member who owns the relationship.
    #[serde(default)]
    pub owner: Option<StaffId>,
    /// Tags, in normalised form (see [`crate::normalize::normalize_text`]).
    #[serde(default)]
    pub tags: BTreeSet<String>,
    /// Custom fields by name.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldValue>,
    /// Personal occasions (birthday, anniversary, ...).
    #[serde(default)]
    pub occasions: Vec<Occasion>,
    /// Consent to be contacted, per channel. A channel without an entry has no consent.
    #[serde(default)]
    pub consent: BTreeMap<Channel, Consent>,
    /// Contact points, each with its canonical key.
    #[serde(default)]
    pub contacts: Vec<ContactPoint>,
    /// Set when this customer was merged into another.
    #[serde(default)]
    pub merged_into: Option<CustomerId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Customer {
    /// A customer `id` at version 1 and `stage`, created at `at`, with no owner, tags, fields,
    /// occasions, consent or contact points. Services create customers with
    /// `Session::create_customer`; this is for stores' tests and imports of stored records.
    pub fn new(id: CustomerId, party: Party, stage: LifecycleStage, at: DateTime<Utc>) -> Self {
        Self {
            id,
            version: 1,
            party,
            stage,
            owner: None,
            tags: BTreeSet::new(),
            fields: BTreeMap::new(),
            occasions: Vec::new(),
            consent: BTreeMap::new(),
            contacts: Vec::new(),
            merged_into: None,
            created_at: at,
            updated_at: at,
        }
    }

    /// The name to show.
    pub fn display_name(&self) -> String {
        self.party.display_name()
    }

    /// The normalised tokens search matches against: the [`name_tokens`] of the name and of
    /// the Latin spelling of the name (the text field [`LATIN_NAME_FIELD`]), so `ali` finds
    /// `علی رضایی` whose Latin name is `Ali Rezaei`, and `محمدرضا` finds `محمد رضا`.
    /// A merged customer has none.
    pub fn search_tokens(&self) -> Vec<String> {
        if self.merged_into.is_some() {
            return Vec::new();
        }
        let mut tokens = name_tokens(&self.display_name());
        if let Some(latin) = self.latin_name() {
            for t in name_tokens(latin) {
                if !tokens.contains(&t) {
                    tokens.push(t);
                }
            }
        }
        tokens
    }

    /// The Latin spelling of the name, when the customer has one (the text field
    /// [`LATIN_NAME_FIELD`]).
    pub fn latin_name(&self) -> Option<&str> {
        match self.fields.get(LATIN_NAME_FIELD) {
            Some(FieldValue::Text(t)) if !t.trim().is_empty() => Some(t.as_str()),
            _ => None,
        }
    }

    /// The unique keys this customer claims in its workspace: the canonical keys of its
    /// identifying contact points (see [`ContactKind::is_identifying`]).
    pub fn unique_keys(&self) -> impl Iterator<Item = &str> {
        self.contacts
            .iter()
            .filter(|c| c.kind.is_identifying())
            .map(|c| c.key.as_str())
    }

    /// True when this customer was merged into another.
    pub fn is_merged(&self) -> bool {
        self.merged_into.is_some()
    }

    /// Whether the customer consented to being contacted on `channel`.
    pub fn has_consent(&self, channel: Channel) -> bool {
        self.consent.get(&channel).is_some_and(|c| c.granted)
    }

    /// The first channel (email, then SMS) the customer consented on, with their address
    /// there (the email as written, the mobile number canonical): where a message that needs
    /// consent (a greeting, a club notice) goes.
    pub fn consented_address(&self) -> Option<(Channel, String)> {
        let email = self
            .contacts
            .iter()
            .find(|c| c.kind == ContactKind::Email)
            .map(|c| (Channel::Email, c.value.trim().to_owned()));
        let sms = self
            .contacts
            .iter()
            .find(|c| c.kind == ContactKind::Mobile)
            .map(|c| {
                let number = c.key.split_once(':').map_or(c.key.as_str(), |(_, n)| n);
                (Channel::Sms, number.to_owned())
            });
        [email, sms]
            .into_iter()
            .flatten()
            .find(|(channel, _)| self.has_consent(*channel))
    }
}

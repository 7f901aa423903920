//! Records: what a store keeps, one enum over every stored type.

use crate::audit::AuditEntry;
use crate::customer::Customer;
use crate::interaction::Interaction;
use crate::outbox::OutboxMessage;
use crate::request::{Request, RoutingRule};
use crate::staff::{Department, Staff};
use crate::workspace::Workspace;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kind of a stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordKind {
    /// [`Workspace`].
    Workspace,
    /// [`Customer`].
    Customer,
    /// [`Interaction`].
    Interaction,
    /// [`Staff`].
    Staff,
    /// [`Department`].
    Department,
    /// [`AuditEntry`].
    Audit,
    /// [`OutboxMessage`].
    Outbox,
    /// [`Request`].
    Request,
    /// [`RoutingRule`].
    RoutingRule,
    /// [`Counter`].
    Counter,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 10] = [
        Self::Workspace,
        Self::Customer,
        Self::Interaction,
        Self::Staff,
        Self::Department,
        Self::Audit,
        Self::Outbox,
        Self::Request,
        Self::RoutingRule,
        Self::Counter,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workspace => "workspace",
            Self::Customer => "customer",
            Self::Interaction => "interaction",
            Self::Staff => "staff",
            Self::Department => "department",
            Self::Audit => "audit",
            Self::Outbox => "outbox",
            Self::Request => "request",
            Self::RoutingRule => "routing_rule",
            Self::Counter => "counter",
        }
    }

    /// A stable one-byte tag (used in key-value layouts; never reused).
    pub fn tag(self) -> u8 {
        match self {
            Self::Workspace => 1,
            Self::Customer => 2,
            Self::Interaction => 3,
            Self::Staff => 4,
            Self::Department => 5,
            Self::Audit => 6,
            Self::Outbox => 7,
            Self::Request => 8,
            Self::RoutingRule => 9,
            Self::Counter => 10,
        }
    }

    /// The kind with this [`RecordKind::tag`].
    pub fn from_tag(tag: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reference to a record: its kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// The kind.
    pub kind: RecordKind,
    /// The id.
    pub id: Uuid,
}

/// Any stored record.
///
/// Its serde form (`{"kind": <RecordKind::as_str>, "record": {...}}`) is part of stored data
/// (the sled store keeps the inner struct and rebuilds the tag from the key): never rename a
/// variant or a field, and give every new optional field `#[serde(default)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // boxing would cost an allocation on every read
pub enum Record {
    /// A workspace.
    Workspace(Workspace),
    /// A customer.
    Customer(Customer),
    /// An interaction.
    Interaction(Interaction),
    /// A staff member.
    Staff(Staff),
    /// A department.
    Department(Department),
    /// An audit entry.
    Audit(AuditEntry),
    /// An outbox message.
    Outbox(OutboxMessage),
    /// A customer request.
    Request(Request),
    /// A routing rule.
    RoutingRule(RoutingRule),
    /// A counter.
    Counter(Counter),
}

impl Record {
    /// Its kind.
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Workspace(_) => RecordKind::Workspace,
            Record::Customer(_) => RecordKind::Customer,
            Record::Interaction(_) => RecordKind::Interaction,
            Record::Staff(_) => RecordKind::Staff,
            Record::Department(_) => RecordKind::Department,
            Record::Audit(_) => RecordKind::Audit,
            Record::Outbox(_) => RecordKind::Outbox,
            Record::Request(_) => RecordKind::Request,
            Record::RoutingRule(_) => RecordKind::RoutingRule,
            Record::Counter(_) => RecordKind::Counter,
        }
    }

    /// Its id.
    pub fn id(&self) -> Uuid {
        match self {
            Record::Workspace(r) => r.id.0,
            Record::Customer(r) => r.id.0,
            Record::Interaction(r) => r.id.0,
            Record::Staff(r) => r.id.0,
            Record::Department(r) => r.id.0,
            Record::Audit(r) => r.id.0,
            Record::Outbox(r) => r.id.0,
            Record::Request(r) => r.id.0,
            Record::RoutingRule(r) => r.id.0,
            Record::Counter(r) => r.id,
        }
    }

    /// Its version.
    pub fn version(&self) -> u64 {
        match self {
            Record::Workspace(r) => r.version,
            Record::Customer(r) => r.version,
            Record::Interaction(r) => r.version,
            Record::Staff(r) => r.version,
            Record::Department(r) => r.version,
            Record::Audit(r) => r.version,
            Record::Outbox(r) => r.version,
            Record::Request(r) => r.version,
            Record::RoutingRule(r) => r.version,
            Record::Counter(r) => r.version,
        }
    }

    /// Its kind and id.
    pub fn record_ref(&self) -> RecordRef {
        RecordRef {
            kind: self.kind(),
            id: self.id(),
        }
    }

    /// The unique keys the record claims in its workspace: a key belongs to at most one
    /// record. Customers claim their identifying contact keys; staff their work email;
    /// requests their number, their messages and their thread.
    pub fn unique_keys(&self) -> Vec<String> {
        match self {
            Record::Customer(c) => c.unique_keys().map(str::to_owned).collect(),
            Record::Staff(s) => s.email.iter().map(|e| staff_email_key(e)).collect(),
            Record::Request(r) => r.unique_keys(),
            _ => Vec::new(),
        }
    }
}

/// The unique key a staff member's work email claims.
pub fn staff_email_key(email: &str) -> String {
    format!("staff-email:{email}")
}

/// A stored type: one variant of [`Record`].
pub trait Entity: Sized + Send {
    /// Its kind.
    const KIND: RecordKind;
    /// The record as this type, if it is one.
    fn from_record(record: Record) -> Option<Self>;
    /// Wraps it into a [`Record`].
    fn into_record(self) -> Record;
}

macro_rules! entity {
    ($ty:ty, $variant:ident) => {
        impl Entity for $ty {
            const KIND: RecordKind = RecordKind::$variant;
            fn from_record(record: Record) -> Option<Self> {
                match record {
                    Record::$variant(r) => Some(r),
                    _ => None,
                }
            }
            fn into_record(self) -> Record {
                Record::$variant(self)
            }
        }

        impl From<$ty> for Record {
            fn from(r: $ty) -> Record {
                Record::$variant(r)
            }
        }
    };
}

entity!(Workspace, Workspace);
entity!(Customer, Customer);
entity!(Interaction, Interaction);
entity!(Staff, Staff);
entity!(Department, Department);
entity!(AuditEntry, Audit);
entity!(OutboxMessage, Outbox);
entity!(Request, Request);
entity!(RoutingRule, RoutingRule);
entity!(Counter, Counter);

/// A named counter of a workspace (request numbers). Updated in the commit that uses the
/// next value, so numbers are gap-free and a race for one number is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// A fixed id per counter (see [`Counter::REQUEST_NUMBERS`]).
    pub id: Uuid,
    /// Optimistic version.
    pub version: u64,
    /// The last value handed out (0: none yet).
    pub value: u64,
}

impl Counter {
    /// The counter of request numbers.
    pub const REQUEST_NUMBERS: Uuid = Uuid::from_u128(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_serde_tags_and_tags_round_trip() {
        let counter = Record::Counter(Counter {
            id: Counter::REQUEST_NUMBERS,
            version: 1,
            value: 3,
        });
        let json = serde_json::to_value(&counter).unwrap();
        assert_eq!(json["kind"], RecordKind::Counter.as_str());
        for kind in RecordKind::ALL {
            let tag = serde_json::to_value(kind).unwrap();
            assert_eq!(tag, kind.as_str(), "{kind:?}");
            assert_eq!(RecordKind::from_tag(kind.tag()), Some(kind));
        }
    }
}

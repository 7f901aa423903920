//! Rows to domain types: the columns each query selects, and how they decode.
//!
//! A row that does not decode (an unknown stage name, a negative version, jsonb of the wrong
//! shape) is [`crm_core::Error::Corrupted`], naming the table and the id.

use crate::error::corrupted;
use chrono::{DateTime, Utc};
use crm_core::audit::{Actor, AuditEntry};
use crm_core::customer::{ContactPoint, Customer, Party};
use crm_core::id::{CustomerId, DepartmentId, InteractionId, RequestId, RoutingRuleId, StaffId};
use crm_core::interaction::Interaction;
use crm_core::outbox::{Notification, OutboxMessage};
use crm_core::request::{Holder, Request, RoutingRule};
use crm_core::staff::{Department, Staff};
use crm_core::store::{Counter, RecordRef};
use crm_core::workspace::Workspace;
use crm_core::{BoxError, Result};
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Decode, Postgres, Row, Type};
use std::str::FromStr;
use uuid::Uuid;

/// The columns of a customer, its contact points aggregated in order (alias `c`).
macro_rules! customer_columns {
    () => {
        "c.id, c.version, c.party_type, c.given_name, c.family_name, c.org_name, \
         c.organisation_id, c.stage, c.owner_id, c.tags, c.fields, c.occasions, c.consent, \
         c.merged_into, c.created_at, c.updated_at, \
         COALESCE((SELECT jsonb_agg(jsonb_build_array(p.kind, p.value, p.key, p.label) \
                   ORDER BY p.ordinal) \
                   FROM contact_points p \
                   WHERE p.workspace_id = c.workspace_id AND p.customer_id = c.id), \
                  '[]'::jsonb) AS contacts"
    };
}
pub(crate) use customer_columns;

/// The columns of an interaction.
macro_rules! interaction_columns {
    () => {
        "id, version, customer_id, channel, direction, occurred_at, subject, body, staff_id, \
         external_id, attachments, recorded_at"
    };
}
pub(crate) use interaction_columns;

/// The columns of a staff member.
macro_rules! staff_columns {
    () => {
        "id, version, name, email, roles, department_id, active, created_at, updated_at"
    };
}
pub(crate) use staff_columns;

/// The columns of a department.
macro_rules! department_columns {
    () => {
        "id, version, name, manager_id, assignment, last_assigned, created_at, updated_at"
    };
}
pub(crate) use department_columns;

/// The columns of an audit entry.
macro_rules! audit_columns {
    () => {
        "id, version, at, actor_type, actor_staff, actor_name, action, record_kind, record_id, \
         detail"
    };
}
pub(crate) use audit_columns;

/// The columns of an outbox message.
macro_rules! outbox_columns {
    () => {
        "id, version, created_at, recipient, event, subject, body, record_kind, record_id, \
         status, attempts, next_attempt_at, last_error, delivered_at"
    };
}
pub(crate) use outbox_columns;

/// The columns of a workspace.
macro_rules! workspace_columns {
    () => {
        "id, version, name, default_region, created_at, settings"
    };
}
pub(crate) use workspace_columns;

/// The columns of a request (alias `r`).
macro_rules! request_columns {
    () => {
        "r.id, r.version, r.number, r.customer_id, r.candidates, r.channel, r.thread, \
         r.subject, r.category, r.priority, r.line, r.status, r.holder_kind, r.holder_id, \
         r.department_id, r.officer_id, r.followers, r.escalated, r.referrals, r.answer, \
         r.reviews, r.reply, r.satisfaction, r.messages, r.message_keys, r.pending, r.sla, \
         r.received_at, r.last_message_at, r.reopened, r.created_at, r.updated_at, r.closed_at"
    };
}
pub(crate) use request_columns;

/// The columns of a routing rule.
macro_rules! routing_rule_columns {
    () => {
        "id, version, name, position, enabled, conditions, actions, created_at, updated_at"
    };
}
pub(crate) use routing_rule_columns;

/// The columns of a counter.
macro_rules! counter_columns {
    () => {
        "id, version, value"
    };
}
pub(crate) use counter_columns;

/// Reads the columns of one row of `table`, naming the row in errors.
struct Reader<'r> {
    row: &'r PgRow,
    table: &'static str,
    id: Uuid,
}

impl<'r> Reader<'r> {
    fn new(row: &'r PgRow, table: &'static str) -> Result<Self> {
        let id: Uuid = row.try_get("id").map_err(|e| corrupted(table, "?", e))?;
        Ok(Self { row, table, id })
    }

    fn err(&self, source: impl Into<BoxError>) -> crm_core::Error {
        corrupted(self.table, self.id, source)
    }

    fn get<T: Decode<'r, Postgres> + Type<Postgres>>(&self, column: &str) -> Result<T> {
        self.row.try_get(column).map_err(|e| self.err(e))
    }

    fn time(&self, column: &str) -> Result<DateTime<Utc>> {
        self.get(column)
    }

    fn version(&self) -> Result<u64> {
        let v: i64 = self.get("version")?;
        u64::try_from(v).map_err(|e| self.err(e))
    }

    /// A column holding one of the stable names of a `FromStr` type.
    fn parsed<T>(&self, column: &str) -> Result<T>
    where
        T: FromStr,
        T::Err: Into<BoxError>,
    {
        let text: String = self.get(column)?;
        text.parse().map_err(|e: T::Err| self.err(e))
    }

    /// A column holding the serde name of a unit enum (snake_case).
    fn named<T: DeserializeOwned>(&self, column: &str) -> Result<T> {
        let text: String = self.get(column)?;
        from_name(&text).map_err(|e| self.err(e))
    }

    /// A nullable jsonb column.
    fn json_opt<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>> {
        let value: Option<Json<T>> = self.get(column)?;
        Ok(value.map(|v| v.0))
    }

    /// A jsonb column.
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T> {
        let value: Json<T> = self.get(column)?;
        Ok(value.0)
    }
}

/// A unit enum variant from its serde name.
fn from_name<T: DeserializeOwned>(name: &str) -> Result<T, serde::de::value::Error> {
    use serde::de::IntoDeserializer;
    T::deserialize(IntoDeserializer::<serde::de::value::Error>::into_deserializer(name))
}

/// A customer selected with [`customer_columns`].
pub(crate) fn customer(row: &PgRow) -> Result<Customer> {
    let r = Reader::new(row, "customers")?;
    let party_type: String = r.get("party_type")?;
    let party = match party_type.as_str() {
        "person" => Party::Person {
            given_name: r
                .get::<Option<String>>("given_name")?
                .ok_or_else(|| r.err("person without given_name"))?,
            family_name: r
                .get::<Option<String>>("family_name")?
                .ok_or_else(|| r.err("person without family_name"))?,
            organisation: r.get::<Option<Uuid>>("organisation_id")?.map(CustomerId),
        },
        "organisation" => Party::Organisation {
            name: r
                .get::<Option<String>>("org_name")?
                .ok_or_else(|| r.err("organisation without org_name"))?,
        },
        other => return Err(r.err(format!("unknown party_type {other:?}"))),
    };
    let contacts: Vec<(String, String, String, Option<String>)> = r.json("contacts")?;
    let contacts = contacts
        .into_iter()
        .map(|(kind, value, key, label)| {
            Ok(ContactPoint {
                kind: kind.parse().map_err(|e| r.err(e))?,
                value,
                key,
                label,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Customer {
        id: CustomerId(r.id),
        version: r.version()?,
        party,
        stage: r.parsed("stage")?,
        owner: r.get::<Option<Uuid>>("owner_id")?.map(StaffId),
        tags: r.get::<Vec<String>>("tags")?.into_iter().collect(),
        fields: r.json("fields")?,
        occasions: r.json("occasions")?,
        consent: r.json("consent")?,
        contacts,
        merged_into: r.get::<Option<Uuid>>("merged_into")?.map(CustomerId),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// An interaction selected with [`interaction_columns`].
pub(crate) fn interaction(row: &PgRow) -> Result<Interaction> {
    let r = Reader::new(row, "interactions")?;
    Ok(Interaction {
        id: r.id.into(),
        version: r.version()?,
        customer: CustomerId(r.get("customer_id")?),
        channel: r.parsed("channel")?,
        direction: r.named("direction")?,
        occurred_at: r.time("occurred_at")?,
        subject: r.get("subject")?,
        body: r.get("body")?,
        staff: r.get::<Option<Uuid>>("staff_id")?.map(StaffId),
        external_id: r.get("external_id")?,
        attachments: r.json("attachments")?,
        recorded_at: r.time("recorded_at")?,
    })
}

/// A staff member selected with [`staff_columns`].
pub(crate) fn staff(row: &PgRow) -> Result<Staff> {
    let r = Reader::new(row, "staff")?;
    let roles = r
        .get::<Vec<String>>("roles")?
        .iter()
        .map(|role| role.parse().map_err(|e| r.err(e)))
        .collect::<Result<_>>()?;
    Ok(Staff {
        id: r.id.into(),
        version: r.version()?,
        name: r.get("name")?,
        email: r.get("email")?,
        roles,
        department: r.get::<Option<Uuid>>("department_id")?.map(Into::into),
        active: r.get("active")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A department selected with [`department_columns`].
pub(crate) fn department(row: &PgRow) -> Result<Department> {
    let r = Reader::new(row, "departments")?;
    Ok(Department {
        id: r.id.into(),
        version: r.version()?,
        name: r.get("name")?,
        manager: r.get::<Option<Uuid>>("manager_id")?.map(StaffId),
        assignment: r.named("assignment")?,
        last_assigned: r.get::<Option<Uuid>>("last_assigned")?.map(StaffId),
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// An audit entry selected with [`audit_columns`].
pub(crate) fn audit(row: &PgRow) -> Result<AuditEntry> {
    let r = Reader::new(row, "audit_entries")?;
    let actor_type: String = r.get("actor_type")?;
    let actor = match actor_type.as_str() {
        "staff" => Actor::Staff(StaffId(
            r.get::<Option<Uuid>>("actor_staff")?
                .ok_or_else(|| r.err("staff actor without id"))?,
        )),
        "system" => Actor::System(
            r.get::<Option<String>>("actor_name")?
                .ok_or_else(|| r.err("system actor without name"))?,
        ),
        other => return Err(r.err(format!("unknown actor_type {other:?}"))),
    };
    Ok(AuditEntry {
        id: r.id.into(),
        version: r.version()?,
        at: r.time("at")?,
        actor,
        action: r.named("action")?,
        record: RecordRef {
            kind: r.named("record_kind")?,
            id: r.get("record_id")?,
        },
        detail: r.get("detail")?,
    })
}

/// An outbox message selected with [`outbox_columns`].
pub(crate) fn outbox(row: &PgRow) -> Result<OutboxMessage> {
    let r = Reader::new(row, "outbox")?;
    let record = match r.get::<Option<String>>("record_kind")? {
        Some(kind) => Some(RecordRef {
            kind: from_name(&kind).map_err(|e| r.err(e))?,
            id: r
                .get::<Option<Uuid>>("record_id")?
                .ok_or_else(|| r.err("record_kind without record_id"))?,
        }),
        None => None,
    };
    let attempts: i64 = r.get("attempts")?;
    Ok(OutboxMessage {
        id: r.id.into(),
        version: r.version()?,
        created_at: r.time("created_at")?,
        notification: Notification {
            recipient: r.json("recipient")?,
            event: r.get("event")?,
            subject: r.get("subject")?,
            body: r.get("body")?,
            record,
        },
        status: r.named("status")?,
        attempts: u32::try_from(attempts).map_err(|e| r.err(e))?,
        next_attempt_at: r.time("next_attempt_at")?,
        last_error: r.get("last_error")?,
        delivered_at: r.get("delivered_at")?,
    })
}

/// A workspace selected with [`workspace_columns`].
pub(crate) fn workspace(row: &PgRow) -> Result<Workspace> {
    let r = Reader::new(row, "workspaces")?;
    Ok(Workspace {
        id: r.id.into(),
        version: r.version()?,
        name: r.get("name")?,
        default_region: r.get("default_region")?,
        created_at: r.time("created_at")?,
        settings: r.json("settings")?,
    })
}

/// A request selected with [`request_columns`].
pub(crate) fn request(row: &PgRow) -> Result<Request> {
    let r = Reader::new(row, "requests")?;
    let holder_kind: String = r.get("holder_kind")?;
    let holder_id: Option<Uuid> = r.get("holder_id")?;
    let holder = match (holder_kind.as_str(), holder_id) {
        ("officers", None) => Holder::Officers,
        ("department", Some(id)) => Holder::Department(DepartmentId(id)),
        ("staff", Some(id)) => Holder::Staff(StaffId(id)),
        (kind, id) => return Err(r.err(format!("holder {kind:?} with id {id:?}"))),
    };
    let number: i64 = r.get("number")?;
    let reopened: i64 = r.get("reopened")?;
    Ok(Request {
        id: RequestId(r.id),
        version: r.version()?,
        number: u64::try_from(number).map_err(|e| r.err(e))?,
        customer: r.get::<Option<Uuid>>("customer_id")?.map(CustomerId),
        candidates: ids(r.get("candidates")?, CustomerId),
        channel: r.parsed("channel")?,
        thread: r.get("thread")?,
        subject: r.get("subject")?,
        category: r.get("category")?,
        priority: r.parsed("priority")?,
        line: r.named("line")?,
        status: r.named("status")?,
        holder,
        department: r.get::<Option<Uuid>>("department_id")?.map(DepartmentId),
        officer: r.get::<Option<Uuid>>("officer_id")?.map(StaffId),
        followers: ids(r.get("followers")?, StaffId),
        referrals: r.json("referrals")?,
        escalated: r.get("escalated")?,
        answer: r.json_opt("answer")?,
        reviews: r.json("reviews")?,
        reply: r.json_opt("reply")?,
        satisfaction: r.json_opt("satisfaction")?,
        messages: ids(r.get("messages")?, InteractionId),
        message_keys: r.get::<Vec<String>>("message_keys")?.into_iter().collect(),
        pending: r.json("pending")?,
        sla: r.json("sla")?,
        received_at: r.time("received_at")?,
        last_message_at: r.time("last_message_at")?,
        reopened: u32::try_from(reopened).map_err(|e| r.err(e))?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
        closed_at: r.get("closed_at")?,
    })
}

/// A routing rule selected with [`routing_rule_columns`].
pub(crate) fn routing_rule(row: &PgRow) -> Result<RoutingRule> {
    let r = Reader::new(row, "routing_rules")?;
    let position: i64 = r.get("position")?;
    Ok(RoutingRule {
        id: RoutingRuleId(r.id),
        version: r.version()?,
        name: r.get("name")?,
        position: u32::try_from(position).map_err(|e| r.err(e))?,
        enabled: r.get("enabled")?,
        conditions: r.json("conditions")?,
        actions: r.json("actions")?,
        created_at: r.time("created_at")?,
        updated_at: r.time("updated_at")?,
    })
}

/// A counter selected with [`counter_columns`].
pub(crate) fn counter(row: &PgRow) -> Result<Counter> {
    let r = Reader::new(row, "counters")?;
    let value: i64 = r.get("value")?;
    Ok(Counter {
        id: r.id,
        version: r.version()?,
        value: u64::try_from(value).map_err(|e| r.err(e))?,
    })
}

/// Typed ids from a uuid[] column, in order (a set when the target is one).
fn ids<T, C: FromIterator<T>>(ids: Vec<Uuid>, make: fn(Uuid) -> T) -> C {
    ids.into_iter().map(make).collect()
}

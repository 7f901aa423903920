//! Domain types to rows: the INSERT and UPDATE of each kind of record, and the rows a customer
//! owns in the side tables (contact points, search tokens, tags).

use crate::error::Failure;
use crm_core::audit::{Actor, AuditEntry};
use crm_core::customer::{Customer, Party};
use crm_core::id::WorkspaceId;
use crm_core::request::{Holder, Request};
use crm_core::store::Record;
use crm_core::{Error, Result};
use serde::Serialize;
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{Executor, Postgres};
use std::collections::HashSet;
use uuid::Uuid;

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// The INSERT of a customer row: `$1` workspace, `$2` id, `$3` version, `$4`..`$17` the
/// columns of [`bind_customer`].
macro_rules! customer_insert {
    () => {
        "INSERT INTO customers (workspace_id, id, version, party_type, given_name, \
         family_name, org_name, organisation_id, stage, owner_id, tags, fields, occasions, \
         consent, merged_into, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT DO NOTHING"
    };
}

/// CTEs inserting the side rows of a customer (workspace `$1`, id `$2`) from the eight
/// parameters of [`bind_sides`], whose numbers are given, when the condition `$when` holds.
macro_rules! customer_sides {
    ($when:literal, $o:literal, $k:literal, $v:literal, $key:literal, $l:literal,
     $c:literal, $t:literal, $g:literal) => {
        concat!(
            "contacts AS ( \
                 INSERT INTO contact_points \
                     (workspace_id, customer_id, ordinal, kind, value, key, label, claims_key) \
                 SELECT $1, $2, p.ordinal, p.kind, p.value, p.key, p.label, p.claims_key \
                 FROM unnest(",
            $o,
            "::int4[], ",
            $k,
            "::text[], ",
            $v,
            "::text[], ",
            $key,
            "::text[], ",
            $l,
            "::text[], ",
            $c,
            "::bool[]) \
                     AS p(ordinal, kind, value, key, label, claims_key) WHERE ",
            $when,
            "), \
             tokens AS ( \
                 INSERT INTO customer_tokens (workspace_id, token, customer_id) \
                 SELECT $1, t, $2 FROM unnest(",
            $t,
            "::text[]) AS t WHERE ",
            $when,
            "), \
             tags AS ( \
                 INSERT INTO customer_tags (workspace_id, tag, customer_id) \
                 SELECT $1, g, $2 FROM unnest(",
            $g,
            "::text[]) AS g WHERE ",
            $when,
            ")"
        )
    };
}

/// Whether a put creates the row or replaces the one at an expected version.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// `INSERT ... ON CONFLICT DO NOTHING`: nothing happens when the row (or, for staff, the
    /// email) exists.
    Insert,
    /// `UPDATE ... WHERE version = expected`: nothing happens when the row is not at it.
    Update {
        /// The stored version the put is based on.
        expected: i64,
    },
}

/// Writes the row of `record` as `mode` says. `false`: no row was written (see [`Mode`]).
pub(crate) async fn write_row(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    record: &Record,
    mode: Mode,
) -> Result<bool, Failure> {
    let version = i64::try_from(record.version())
        .map_err(|_| Error::invalid("version", "larger than this store keeps (2^63 - 1)"))?;
    let (insert, update) = statements(record)?;
    let query = match mode {
        Mode::Insert => sqlx::query(insert),
        Mode::Update { .. } => sqlx::query(update),
    };
    let query = bind_record(query.bind(ws.0).bind(record.id()).bind(version), record)?;
    let query = match mode {
        Mode::Insert => query,
        Mode::Update { expected } => query.bind(expected),
    };
    let done = conn.execute(query).await?;
    Ok(done.rows_affected() == 1)
}

/// The INSERT and UPDATE of a record's table. Parameters: `$1` workspace, `$2` id,
/// `$3` version, then the record's columns ([`bind_record`]), and for the UPDATE last the
/// expected version.
fn statements(record: &Record) -> Result<(&'static str, &'static str)> {
    Ok(match record {
        Record::Workspace(_) => (
            "INSERT INTO workspaces (workspace_id, id, version, name, default_region, created_at, \
             settings) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            "UPDATE workspaces SET version = $3, name = $4, default_region = $5, created_at = $6, \
             settings = $7 WHERE workspace_id = $1 AND id = $2 AND version = $8",
        ),
        Record::Customer(_) => (
            customer_insert!(),
            "UPDATE customers SET version = $3, party_type = $4, given_name = $5, \
             family_name = $6, org_name = $7, organisation_id = $8, stage = $9, owner_id = $10, \
             tags = $11, fields = $12, occasions = $13, consent = $14, merged_into = $15, \
             created_at = $16, updated_at = $17 \
             WHERE workspace_id = $1 AND id = $2 AND version = $18",
        ),
        Record::Interaction(_) => (
            "INSERT INTO interactions (workspace_id, id, version, customer_id, channel, \
             direction, occurred_at, subject, body, staff_id, external_id, attachments, \
             recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT DO NOTHING",
            "UPDATE interactions SET version = $3, customer_id = $4, channel = $5, \
             direction = $6, occurred_at = $7, subject = $8, body = $9, staff_id = $10, \
             external_id = $11, attachments = $12, recorded_at = $13 \
             WHERE workspace_id = $1 AND id = $2 AND version = $14",
        ),
        Record::Staff(_) => (
            "INSERT INTO staff (workspace_id, id, version, name, email, roles, department_id, \
             active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            "UPDATE staff SET version = $3, name = $4, email = $5, roles = $6, \
             department_id = $7, active = $8, created_at = $9, updated_at = $10 \
             WHERE workspace_id = $1 AND id = $2 AND version = $11",
        ),
        Record::Department(_) => (
            "INSERT INTO departments (workspace_id, id, version, name, manager_id, created_at, \
             updated_at, assignment, last_assigned) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            "UPDATE departments SET version = $3, name = $4, manager_id = $5, created_at = $6, \
             updated_at = $7, assignment = $8, last_assigned = $9 \
             WHERE workspace_id = $1 AND id = $2 AND version = $10",
        ),
        Record::Audit(_) => (
            "INSERT INTO audit_entries (workspace_id, id, version, at, actor_type, actor_staff, \
             actor_name, action, record_kind, record_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
            "UPDATE audit_entries SET version = $3, at = $4, actor_type = $5, actor_staff = $6, \
             actor_name = $7, action = $8, record_kind = $9, record_id = $10, detail = $11 \
             WHERE workspace_id = $1 AND id = $2 AND version = $12",
        ),
        Record::Outbox(_) => (
            "INSERT INTO outbox (workspace_id, id, version, created_at, recipient, event, \
             subject, body, record_kind, record_id, status, attempts, next_attempt_at, \
             last_error, delivered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT DO NOTHING",
            "UPDATE outbox SET version = $3, created_at = $4, recipient = $5, event = $6, \
             subject = $7, body = $8, record_kind = $9, record_id = $10, status = $11, \
             attempts = $12, next_attempt_at = $13, last_error = $14, delivered_at = $15 \
             WHERE workspace_id = $1 AND id = $2 AND version = $16",
        ),
        Record::Request(_) => (
            "INSERT INTO requests (workspace_id, id, version, number, customer_id, candidates, \
             channel, thread, subject, category, priority, priority_rank, line, status, \
             holder_kind, holder_id, department_id, officer_id, followers, escalated, hops, \
             due_at, is_active, is_possible_duplicate, referrals, answer, reviews, reply, \
             satisfaction, messages, message_keys, pending, sla, received_at, last_message_at, \
             reopened, created_at, updated_at, closed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, \
             $35, $36, $37, $38, $39) ON CONFLICT DO NOTHING",
            "UPDATE requests SET version = $3, number = $4, customer_id = $5, candidates = $6, \
             channel = $7, thread = $8, subject = $9, category = $10, priority = $11, \
             priority_rank = $12, line = $13, status = $14, holder_kind = $15, holder_id = $16, \
             department_id = $17, officer_id = $18, followers = $19, escalated = $20, \
             hops = $21, due_at = $22, is_active = $23, is_possible_duplicate = $24, \
             referrals = $25, answer = $26, reviews = $27, reply = $28, satisfaction = $29, \
             messages = $30, message_keys = $31, pending = $32, sla = $33, received_at = $34, \
             last_message_at = $35, reopened = $36, created_at = $37, updated_at = $38, \
             closed_at = $39 \
             WHERE workspace_id = $1 AND id = $2 AND version = $40",
        ),
        Record::RoutingRule(_) => (
            "INSERT INTO routing_rules (workspace_id, id, version, name, position, enabled, \
             conditions, actions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            "UPDATE routing_rules SET version = $3, name = $4, position = $5, enabled = $6, \
             conditions = $7, actions = $8, created_at = $9, updated_at = $10 \
             WHERE workspace_id = $1 AND id = $2 AND version = $11",
        ),
        Record::Counter(_) => (
            "INSERT INTO counters (workspace_id, id, version, value) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
            "UPDATE counters SET version = $3, value = $4 \
             WHERE workspace_id = $1 AND id = $2 AND version = $5",
        ),
        other => return Err(unsupported(other.kind())),
    })
}

/// Binds the columns of `record` after workspace, id and version.
fn bind_record<'q>(q: PgQuery<'q>, record: &Record) -> Result<PgQuery<'q>> {
    Ok(match record {
        Record::Workspace(w) => q
            .bind(w.name.clone())
            .bind(w.default_region.clone())
            .bind(w.created_at)
            .bind(json(&w.settings)?),
        Record::Customer(c) => bind_customer(q, c)?,
        Record::Interaction(i) => q
            .bind(i.customer.0)
            .bind(i.channel.to_string())
            .bind(i.direction.as_str())
            .bind(i.occurred_at)
            .bind(i.subject.clone())
            .bind(i.body.clone())
            .bind(i.staff.map(|s| s.0))
            .bind(i.external_id.clone())
            .bind(json(&i.attachments)?)
            .bind(i.recorded_at),
        Record::Staff(s) => q
            .bind(s.name.clone())
            .bind(s.email.clone())
            .bind(s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())
            .bind(s.department.map(|d| d.0))
            .bind(s.active)
            .bind(s.created_at)
            .bind(s.updated_at),
        Record::Department(d) => q
            .bind(d.name.clone())
            .bind(d.manager.map(|m| m.0))
            .bind(d.created_at)
            .bind(d.updated_at)
            .bind(name_of(&d.assignment)?)
            .bind(d.last_assigned.map(|s| s.0)),
        Record::Audit(a) => bind_audit(q, a),
        Record::Outbox(m) => {
            let n = &m.notification;
            q.bind(m.created_at)
                .bind(json(&n.recipient)?)
                .bind(n.event.clone())
                .bind(n.subject.clone())
                .bind(n.body.clone())
                .bind(n.record.map(|r| r.kind.as_str()))
                .bind(n.record.map(|r| r.id))
                .bind(m.status.as_str())
                .bind(i64::from(m.attempts))
                .bind(m.next_attempt_at)
                .bind(m.last_error.clone())
                .bind(m.delivered_at)
        }
        Record::Request(r) => bind_request(q, r)?,
        Record::RoutingRule(rule) => q
            .bind(rule.name.clone())
            .bind(i64::from(rule.position))
            .bind(rule.enabled)
            .bind(json(&rule.conditions)?)
            .bind(json(&rule.actions)?)
            .bind(rule.created_at)
            .bind(rule.updated_at),
        Record::Counter(c) => q.bind(
            i64::try_from(c.value)
                .map_err(|_| Error::invalid("value", "larger than this store keeps (2^63 - 1)"))?,
        ),
        other => return Err(unsupported(other.kind())),
    })
}

fn bind_request<'q>(q: PgQuery<'q>, r: &Request) -> Result<PgQuery<'q>> {
    let number = i64::try_from(r.number)
        .map_err(|_| Error::invalid("number", "larger than this store keeps (2^63 - 1)"))?;
    let (holder_kind, holder_id) = holder_columns(&r.holder);
    Ok(q.bind(number)
        .bind(r.customer.map(|c| c.0))
        .bind(r.candidates.iter().map(|c| c.0).collect::<Vec<_>>())
        .bind(r.channel.to_string())
        .bind(r.thread.clone())
        .bind(r.subject.clone())
        .bind(r.category.clone())
        .bind(r.priority.as_str())
        .bind(i16::from(r.priority.rank()))
        .bind(name_of(&r.line)?)
        .bind(r.status.as_str())
        .bind(holder_kind)
        .bind(holder_id)
        .bind(r.department.map(|d| d.0))
        .bind(r.officer.map(|o| o.0))
        .bind(r.followers.iter().map(|f| f.0).collect::<Vec<_>>())
        .bind(r.escalated)
        .bind(i32::try_from(r.hops()).unwrap_or(i32::MAX))
        .bind(r.sort_due())
        .bind(r.is_active())
        .bind(r.is_possible_duplicate())
        .bind(json(&r.referrals)?)
        .bind(r.answer.as_ref().map(json).transpose()?)
        .bind(json(&r.reviews)?)
        .bind(r.reply.as_ref().map(json).transpose()?)
        .bind(r.satisfaction.as_ref().map(json).transpose()?)
        .bind(r.messages.iter().map(|m| m.0).collect::<Vec<_>>())
        .bind(r.message_keys.iter().cloned().collect::<Vec<_>>())
        .bind(json(&r.pending)?)
        .bind(json(&r.sla)?)
        .bind(r.received_at)
        .bind(r.last_message_at)
        .bind(i64::from(r.reopened))
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.closed_at))
}

/// The `holder_kind` and `holder_id` columns of a holder.
pub(crate) fn holder_columns(holder: &Holder) -> (&'static str, Option<Uuid>) {
    match holder {
        Holder::Officers => ("officers", None),
        Holder::Department(d) => ("department", Some(d.0)),
        Holder::Staff(s) => ("staff", Some(s.0)),
    }
}

/// The first (in byte order) of the unique keys of request `id` that another request holds,
/// and its holder.
pub(crate) async fn taken_request_key(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    id: Uuid,
    keys: &[String],
) -> Result<Option<(String, Uuid)>, Failure> {
    let taken = sqlx::query_as::<_, (String, Uuid)>(
        "SELECT key, request_id FROM request_keys \
         WHERE workspace_id = $1 AND key = ANY($2) AND request_id <> $3 \
         ORDER BY key LIMIT 1",
    )
    .bind(ws.0)
    .bind(keys)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(taken)
}

/// Brings the side rows of `request` up to date: the unique keys it claims (keys it no longer
/// claims are released) and its followers with the request's sort columns.
///
/// The four changes touch disjoint rows, so one statement does them all. A key another
/// transaction claimed and has not committed yet makes the insert fail with a unique
/// violation once it commits: the commit runs again and sees the owner.
pub(crate) async fn sync_request_sides(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    request: &Request,
) -> Result<(), Failure> {
    sqlx::query(
        "WITH released AS ( \
             DELETE FROM request_keys \
             WHERE workspace_id = $1 AND request_id = $2 AND NOT (key = ANY($3))), \
         claimed AS ( \
             INSERT INTO request_keys (workspace_id, key, request_id) \
             SELECT $1, k.key, $2 FROM unnest($3::text[]) AS k(key) \
             WHERE NOT EXISTS (SELECT 1 FROM request_keys o \
                               WHERE o.workspace_id = $1 AND o.key = k.key \
                                 AND o.request_id = $2)), \
         unfollowed AS ( \
             DELETE FROM request_followers \
             WHERE workspace_id = $1 AND request_id = $2 AND NOT (staff_id = ANY($4))) \
         INSERT INTO request_followers \
             (workspace_id, request_id, staff_id, priority_rank, due_at, is_active) \
         SELECT $1, $2, f, $5, $6, $7 FROM unnest($4::uuid[]) AS f \
         ON CONFLICT (workspace_id, request_id, staff_id) DO UPDATE \
         SET priority_rank = EXCLUDED.priority_rank, due_at = EXCLUDED.due_at, \
             is_active = EXCLUDED.is_active",
    )
    .bind(ws.0)
    .bind(request.id.0)
    .bind(request.unique_keys())
    .bind(request.followers.iter().map(|f| f.0).collect::<Vec<_>>())
    .bind(i16::from(request.priority.rank()))
    .bind(request.sort_due())
    .bind(request.is_active())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn bind_customer<'q>(q: PgQuery<'q>, c: &Customer) -> Result<PgQuery<'q>> {
    let (party_type, given, family, org_name, organisation) = match &c.party {
        Party::Person {
            given_name,
            family_name,
            organisation,
        } => (
            "person",
            Some(given_name.clone()),
            Some(family_name.clone()),
            None,
            organisation.map(|o| o.0),
        ),
        Party::Organisation { name } => ("organisation", None, None, Some(name.clone()), None),
    };
    Ok(q.bind(party_type)
        .bind(given)
        .bind(family)
        .bind(org_name)
        .bind(organisation)
        .bind(c.stage.as_str())
        .bind(c.owner.map(|o| o.0))
        .bind(c.tags.iter().cloned().collect::<Vec<String>>())
        .bind(json(&c.fields)?)
        .bind(json(&c.occasions)?)
        .bind(json(&c.consent)?)
        .bind(c.merged_into.map(|m| m.0))
        .bind(c.created_at)
        .bind(c.updated_at))
}

/// The canonical keys `customer` claims, each once, with the flag each contact point gets
/// (`claims_key`: the first identifying point of each key).
pub(crate) fn claims(customer: &Customer) -> (Vec<String>, Vec<bool>) {
    let mut seen = HashSet::new();
    let flags: Vec<bool> = customer
        .contacts
        .iter()
        .map(|c| c.kind.is_identifying() && seen.insert(c.key.as_str()))
        .collect();
    let keys = customer
        .contacts
        .iter()
        .zip(&flags)
        .filter(|(_, claimed)| **claimed)
        .map(|(c, _)| c.key.clone())
        .collect();
    (keys, flags)
}

/// The first (in byte order) of `keys` that a customer other than `id` holds, and its holder.
pub(crate) async fn taken_contact_key(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    id: Uuid,
    keys: &[String],
) -> Result<Option<(String, Uuid)>, Failure> {
    if keys.is_empty() {
        return Ok(None);
    }
    let taken = sqlx::query_as::<_, (String, Uuid)>(
        "SELECT key, customer_id FROM contact_points \
         WHERE workspace_id = $1 AND claims_key AND key = ANY($2) AND customer_id <> $3 \
         ORDER BY key LIMIT 1",
    )
    .bind(ws.0)
    .bind(keys)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(taken)
}

/// The staff member other than `id` whose work email is `email`.
pub(crate) async fn staff_email_holder(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    id: Uuid,
    email: &str,
) -> Result<Option<Uuid>, Failure> {
    let holder = sqlx::query_scalar::<_, Uuid>(
        "SELECT id FROM staff WHERE workspace_id = $1 AND email = $2 AND id <> $3",
    )
    .bind(ws.0)
    .bind(email)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(holder)
}

/// Replaces the side rows of `customer` (contact points, tokens, tags) in one statement: the
/// old rows are deleted first (the inserts wait on the count of deleted rows, so the deletes
/// run to completion before them and free the keys and primary keys the new rows reuse).
pub(crate) async fn replace_customer_sides(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    customer: &Customer,
    claims_key: &[bool],
) -> Result<(), Failure> {
    let query = sqlx::query(concat!(
        "WITH gone_contacts AS ( \
             DELETE FROM contact_points WHERE workspace_id = $1 AND customer_id = $2 \
             RETURNING 1), \
         gone_tokens AS ( \
             DELETE FROM customer_tokens WHERE workspace_id = $1 AND customer_id = $2 \
             RETURNING 1), \
         gone_tags AS ( \
             DELETE FROM customer_tags WHERE workspace_id = $1 AND customer_id = $2 \
             RETURNING 1), \
         gone AS (SELECT (SELECT count(*) FROM gone_contacts) \
                       + (SELECT count(*) FROM gone_tokens) \
                       + (SELECT count(*) FROM gone_tags) AS n), ",
        customer_sides!(
            "(SELECT n FROM gone) >= 0",
            "$3",
            "$4",
            "$5",
            "$6",
            "$7",
            "$8",
            "$9",
            "$10"
        ),
        " SELECT (SELECT n FROM gone)"
    ))
    .bind(ws.0)
    .bind(customer.id.0);
    bind_sides(query, customer, claims_key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes the side rows of `customer`: its contact points in order, the search tokens of a
/// live customer, and its tags.
pub(crate) async fn insert_customer_sides(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    customer: &Customer,
    claims_key: &[bool],
) -> Result<(), Failure> {
    let query = sqlx::query(concat!(
        "WITH ",
        customer_sides!("TRUE", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10"),
        " SELECT 1"
    ))
    .bind(ws.0)
    .bind(customer.id.0);
    bind_sides(query, customer, claims_key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Creates `customer` (version 1) and its side rows in one statement, without looking for
/// taken contact keys (the unique index refuses them), and the new `audit` entry that follows
/// it in the commit, if any. Returns whether the customer was created (`false`: it exists,
/// and nothing was written) and whether the audit entry was (`false`: its id is taken).
pub(crate) async fn insert_customer_with_sides(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    customer: &Customer,
    claims_key: &[bool],
    audit: Option<&AuditEntry>,
) -> Result<(bool, bool), Failure> {
    let version = i64::try_from(customer.version)
        .map_err(|_| Error::invalid("version", "larger than this store keeps (2^63 - 1)"))?;
    let query = sqlx::query(concat!(
        "WITH created AS (",
        customer_insert!(),
        " RETURNING id), ",
        customer_sides!(
            "EXISTS (SELECT 1 FROM created)",
            "$18",
            "$19",
            "$20",
            "$21",
            "$22",
            "$23",
            "$24",
            "$25"
        ),
        ", audited AS ( \
             INSERT INTO audit_entries (workspace_id, id, version, at, actor_type, \
                 actor_staff, actor_name, action, record_kind, record_id, detail) \
             SELECT $1, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35 \
             WHERE $26::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM created) \
             ON CONFLICT DO NOTHING RETURNING id) \
         SELECT (SELECT count(*) FROM created), (SELECT count(*) FROM audited)"
    ));
    let query = bind_customer(query.bind(ws.0).bind(customer.id.0).bind(version), customer)?;
    let query = bind_sides(query, customer, claims_key);
    let query = match audit {
        Some(a) => {
            let version = i64::try_from(a.version)
                .map_err(|_| Error::invalid("version", "larger than this store keeps"))?;
            bind_audit(query.bind(Some(a.id.0)).bind(version), a)
        }
        None => bind_audit_none(query),
    };
    let row = conn.fetch_one(query).await?;
    let created: i64 = sqlx::Row::try_get(&row, 0)?;
    let audited: i64 = sqlx::Row::try_get(&row, 1)?;
    Ok((created == 1, audited == 1))
}

/// Binds the columns of an audit entry after its id and version.
fn bind_audit<'q>(q: PgQuery<'q>, a: &AuditEntry) -> PgQuery<'q> {
    let (actor_type, actor_staff, actor_name) = match &a.actor {
        Actor::Staff(id) => ("staff", Some(id.0), None),
        Actor::System(name) => ("system", None, Some(name.clone())),
    };
    q.bind(a.at)
        .bind(actor_type)
        .bind(actor_staff)
        .bind(actor_name)
        .bind(a.action.as_str())
        .bind(a.record.kind.as_str())
        .bind(a.record.id)
        .bind(a.detail.clone())
}

/// Binds no audit entry where [`bind_audit`] would bind one (with its id and version).
fn bind_audit_none(q: PgQuery<'_>) -> PgQuery<'_> {
    q.bind(None::<Uuid>)
        .bind(None::<i64>)
        .bind(None::<chrono::DateTime<chrono::Utc>>)
        .bind(None::<&str>)
        .bind(None::<Uuid>)
        .bind(None::<String>)
        .bind(None::<&str>)
        .bind(None::<&str>)
        .bind(None::<Uuid>)
        .bind(None::<String>)
}

/// Binds the side rows of `customer` (contact points, tokens, tags): eight parameters after
/// those already bound.
fn bind_sides<'q>(q: PgQuery<'q>, customer: &'q Customer, claims_key: &'q [bool]) -> PgQuery<'q> {
    let contacts = &customer.contacts;
    let ordinals: Vec<i32> = (0..contacts.len())
        .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
        .collect();
    q.bind(ordinals)
        .bind(
            contacts
                .iter()
                .map(|c| c.kind.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(
            contacts
                .iter()
                .map(|c| c.value.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(contacts.iter().map(|c| c.key.as_str()).collect::<Vec<_>>())
        .bind(
            contacts
                .iter()
                .map(|c| c.label.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(claims_key)
        .bind(customer.search_tokens())
        .bind(customer.tags.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The serde name of a unit enum variant (its snake_case name).
fn name_of(value: &impl Serialize) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(Error::invalid(
            "record",
            "a name that is not a plain string",
        )),
    }
}

/// A jsonb parameter.
fn json(value: &impl Serialize) -> Result<Json<serde_json::Value>> {
    serde_json::to_value(value)
        .map(Json)
        .map_err(|e| Error::invalid("record", format!("cannot be stored as JSON: {e}")))
}

/// The error for a kind of record this store does not know yet.
pub(crate) fn unsupported(kind: crm_core::store::RecordKind) -> Error {
    Error::storage(format!(
        "records of kind {kind} are not supported by this version of crm-store-postgres"
    ))
}

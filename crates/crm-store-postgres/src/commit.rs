//! A commit: one transaction, every write checked and applied in order, all or nothing.
//!
//! Each put writes the record's row with its version check in the statement itself
//! (`INSERT ... ON CONFLICT DO NOTHING` for version 1, `UPDATE ... WHERE version = n - 1`
//! otherwise); when nothing was written, the stored version is read to report the conflict.
//! Unique keys are unique indexes. The first attempt of a commit relies on them alone (the
//! common case, nothing taken, costs no extra query); when it fails with a unique violation
//! (or any race), it is rolled back and run again at once with checks: a query per record
//! that sees committed rows and this transaction's own writes reports, in the order the
//! contract gives (version first, then the smallest taken key), the conflict to return, and
//! the unique indexes stop whatever that query could not see yet: a unique violation, a
//! deadlock or a serialization failure rolls the attempt back and runs it again after a
//! pause, and the next attempt's checks see the winner and report the conflict.

use crate::error::{Failure, storage};
use crate::writes::{self, Mode};
use crm_core::audit::AuditEntry;
use crm_core::id::WorkspaceId;
use crm_core::store::{Commit, Record, RecordKind, Write, staff_email_key};
use crm_core::{Conflict, Error, Result};
use sqlx::PgPool;
use sqlx::postgres::PgConnection;
use std::time::Duration;
use uuid::Uuid;

/// Attempts at one commit before a race that keeps being lost is reported as a storage error.
const MAX_ATTEMPTS: u32 = 12;

/// Applies `commit` to `ws` (the contract of [`crm_core::store::Store::commit`]).
pub(crate) async fn commit(pool: &PgPool, ws: WorkspaceId, commit: &Commit) -> Result<()> {
    if commit.is_empty() {
        return Ok(());
    }
    let mut attempt = 1;
    let mut checked = false;
    loop {
        match attempt_commit(pool, ws, commit, checked).await {
            Ok(()) => return Ok(()),
            Err(Failure::Final(e)) => return Err(e),
            // A key was taken (or a race lost): run it again at once, with the checks that
            // name the conflict.
            Err(Failure::Retry(_)) if !checked => checked = true,
            Err(Failure::Retry(e)) if attempt >= MAX_ATTEMPTS => return Err(e),
            Err(Failure::Retry(_)) => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
        }
    }
}

/// A short, growing, jittered pause before attempt `attempt + 1`.
fn backoff(attempt: u32) -> Duration {
    let base = 1u64 << attempt.min(6); // 2 ms .. 64 ms
    let jitter = u64::from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos()),
    ) % (base * 1000);
    Duration::from_micros(base * 1000 + jitter)
}

/// One attempt at `commit`; `checked`: look for taken unique keys before claiming them (see
/// the module's documentation).
async fn attempt_commit(
    pool: &PgPool,
    ws: WorkspaceId,
    commit: &Commit,
    checked: bool,
) -> Result<(), Failure> {
    let deferred = deferred(commit);
    let mut tx = pool.begin().await.map_err(storage)?;
    let mut applied = Ok(());
    // New audit entries that may be written by the statement of the write before them.
    let audits = sole_writes(
        commit,
        |w| matches!(w, Write::Put(r @ Record::Audit(_)) if r.version() == 1),
    );
    let mut written_ahead = None;
    for (n, write) in commit.writes.iter().enumerate() {
        if deferred.contains(&n) || written_ahead == Some(n) {
            continue;
        }
        applied = match write {
            Write::Put(record) => {
                let next = match commit.writes.get(n + 1) {
                    Some(Write::Put(Record::Audit(a))) if audits.contains(&(n + 1)) => Some(a),
                    _ => None,
                };
                match put(&mut tx, ws, record, checked, next).await {
                    Ok(true) => {
                        written_ahead = Some(n + 1);
                        Ok(())
                    }
                    Ok(false) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Write::Delete { kind, id, version } => delete(&mut tx, ws, *kind, *id, *version).await,
        };
        // A deferred write before this one that would have failed is the one to report.
        // (Conflicts and invalid input leave the transaction usable; a failed statement
        // does not, and is reported as it is.)
        if let Err(Failure::Final(Error::Conflict(_) | Error::Invalid { .. })) = &applied {
            for &d in deferred.iter().filter(|&&d| d < n) {
                if let Write::Put(record) = &commit.writes[d] {
                    let Some(expected) = record.version().checked_sub(1) else {
                        applied = Err(Error::invalid(
                            "version",
                            "a stored record's version starts at 1",
                        )
                        .into());
                        break;
                    };
                    let found = version_of(&mut tx, ws, record.kind(), record.id()).await;
                    match found {
                        Ok(found) if found == expected => {}
                        Ok(found) => {
                            applied = Err(stale(record.kind(), record.id(), expected, found));
                            break;
                        }
                        Err(e) => {
                            applied = Err(e);
                            break;
                        }
                    }
                }
            }
        }
        if applied.is_err() {
            break;
        }
    }
    if applied.is_ok() {
        for &d in &deferred {
            if let Write::Put(record) = &commit.writes[d] {
                applied = put(&mut tx, ws, record, checked, None).await.map(|_| ());
                if applied.is_err() {
                    break;
                }
            }
        }
    }
    match applied {
        Ok(()) => {
            tx.commit().await?;
            Ok(())
        }
        Err(e) => {
            // Dropping the transaction would roll back too; doing it here returns a clean
            // connection to the pool before a retry.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Indexes of the writes that pass `pick` and are the only write of the commit on their
/// record.
fn sole_writes(commit: &Commit, pick: impl Fn(&Write) -> bool) -> Vec<usize> {
    let target = |w: &Write| match w {
        Write::Put(r) => (r.kind(), r.id()),
        Write::Delete { kind, id, .. } => (*kind, *id),
    };
    commit
        .writes
        .iter()
        .enumerate()
        .filter(|(_, w)| pick(w))
        .filter(|(_, w)| {
            let t = target(w);
            commit.writes.iter().filter(|o| target(o) == t).count() == 1
        })
        .map(|(n, _)| n)
        .collect()
}

/// The writes applied last, just before `COMMIT`, in their order: puts of counters and
/// departments (the bookkeeping records every intake updates: the request number, the
/// department's round-robin turn) that no other write of the commit touches. They have no
/// unique keys and no side rows, so the order changes nothing but when their row lock is
/// taken: after every other write of the commit, so that a commit never holds the hot
/// counter while it waits on another transaction (a request key that a racing intake has
/// claimed but not committed yet), which would make every intake queue behind that one.
/// Should an earlier-placed write fail, the deferred writes before it are checked first, so
/// the error reported is still the first in the commit's order.
fn deferred(commit: &Commit) -> Vec<usize> {
    sole_writes(commit, |w| {
        matches!(
            w,
            Write::Put(Record::Counter(_)) | Write::Put(Record::Department(_))
        )
    })
}

/// Puts `record`. `audit`: the new audit entry that follows it in the commit, which the
/// statement creating a new customer writes too; `Ok(true)` when it did.
async fn put(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    record: &Record,
    checked: bool,
    audit: Option<&AuditEntry>,
) -> Result<bool, Failure> {
    let (kind, id, version) = (record.kind(), record.id(), record.version());
    let Some(expected) = version.checked_sub(1) else {
        return Err(Error::invalid("version", "a stored record's version starts at 1").into());
    };
    if let (Record::Staff(staff), true) = (record, expected > 0) {
        return update_staff(conn, ws, record, staff.email.as_deref(), expected)
            .await
            .map(|()| false);
    }
    let mode = match i64::try_from(expected) {
        Ok(0) => Mode::Insert,
        Ok(expected) => Mode::Update { expected },
        // No stored version is that large: the check fails.
        Err(_) => {
            return Err(stale(
                kind,
                id,
                expected,
                version_of(conn, ws, kind, id).await?,
            ));
        }
    };
    let written = match record {
        // The common case of a new customer: the row and its side rows in one statement.
        Record::Customer(customer) if !checked && matches!(mode, Mode::Insert) => {
            let (_, claims_key) = writes::claims(customer);
            let (created, audited) =
                writes::insert_customer_with_sides(conn, ws, customer, &claims_key, audit).await?;
            match (created, audit) {
                (true, None) => return Ok(false),
                (true, Some(_)) if audited => return Ok(true),
                (true, Some(a)) => {
                    // The audit entry's id is taken: the put after the customer's fails.
                    let found = version_of(conn, ws, RecordKind::Audit, a.id.0).await?;
                    if found == 0 {
                        return Err(race(RecordKind::Audit, a.id.0));
                    }
                    return Err(stale(RecordKind::Audit, a.id.0, 0, found));
                }
                (false, _) => false,
            }
        }
        _ => writes::write_row(conn, ws, record, mode).await?,
    };
    if !written {
        let found = version_of(conn, ws, kind, id).await?;
        if found != expected {
            return Err(stale(kind, id, expected, found));
        }
        if let Record::Staff(staff) = record {
            // A new staff member whose email another one holds.
            if let Some(email) = &staff.email
                && let Some(owner) = writes::staff_email_holder(conn, ws, id, email).await?
            {
                return Err(key_taken(staff_email_key(email), owner));
            }
        }
        // The row changed between the write and the read: run the commit again.
        return Err(race(kind, id));
    }
    if let Record::Customer(customer) = record {
        let (keys, claims_key) = writes::claims(customer);
        if checked
            && let Some((key, owner)) = writes::taken_contact_key(conn, ws, id, &keys).await?
        {
            return Err(key_taken(key, owner));
        }
        match mode {
            Mode::Insert => writes::insert_customer_sides(conn, ws, customer, &claims_key).await?,
            Mode::Update { .. } => {
                writes::replace_customer_sides(conn, ws, customer, &claims_key).await?;
            }
        }
    }
    if let Record::Request(request) = record {
        if checked
            && let Some((key, owner)) =
                writes::taken_request_key(conn, ws, id, &request.unique_keys()).await?
        {
            return Err(key_taken(key, owner));
        }
        writes::sync_request_sides(conn, ws, request).await?;
    }
    Ok(false)
}

/// A staff member's update: the row is locked and its version checked before the email, so
/// a stale version is reported before a taken email, as the contract orders them.
async fn update_staff(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    record: &Record,
    email: Option<&str>,
    expected: u64,
) -> Result<(), Failure> {
    let (kind, id) = (record.kind(), record.id());
    let found = sqlx::query_scalar::<_, i64>(
        "SELECT version FROM staff WHERE workspace_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(ws.0)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let found = stored(kind, id, found)?;
    if found != expected {
        return Err(stale(kind, id, expected, found));
    }
    if let Some(email) = email
        && let Some(owner) = writes::staff_email_holder(conn, ws, id, email).await?
    {
        return Err(key_taken(staff_email_key(email), owner));
    }
    let expected = i64::try_from(expected).map_err(|_| race(kind, id))?;
    if writes::write_row(conn, ws, record, Mode::Update { expected }).await? {
        Ok(())
    } else {
        Err(race(kind, id))
    }
}

async fn delete(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
    version: u64,
) -> Result<(), Failure> {
    let sql = match kind {
        RecordKind::Workspace => {
            "DELETE FROM workspaces WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Customer => {
            "WITH deleted AS ( \
                 DELETE FROM customers WHERE workspace_id = $1 AND id = $2 AND version = $3 \
                 RETURNING id), \
             contacts AS (DELETE FROM contact_points \
                 WHERE workspace_id = $1 AND customer_id IN (SELECT id FROM deleted)), \
             tokens AS (DELETE FROM customer_tokens \
                 WHERE workspace_id = $1 AND customer_id IN (SELECT id FROM deleted)), \
             tags AS (DELETE FROM customer_tags \
                 WHERE workspace_id = $1 AND customer_id IN (SELECT id FROM deleted)) \
             SELECT count(*) FROM deleted"
        }
        RecordKind::Interaction => {
            "DELETE FROM interactions WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Staff => {
            "DELETE FROM staff WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Department => {
            "DELETE FROM departments WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Audit => {
            "DELETE FROM audit_entries WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Outbox => {
            "DELETE FROM outbox WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Request => {
            "WITH deleted AS ( \
                 DELETE FROM requests WHERE workspace_id = $1 AND id = $2 AND version = $3 \
                 RETURNING id), \
             request_keys AS (DELETE FROM request_keys \
                 WHERE workspace_id = $1 AND request_id IN (SELECT id FROM deleted)), \
             followers AS (DELETE FROM request_followers \
                 WHERE workspace_id = $1 AND request_id IN (SELECT id FROM deleted)) \
             SELECT count(*) FROM deleted"
        }
        RecordKind::RoutingRule => {
            "DELETE FROM routing_rules WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        RecordKind::Counter => {
            "DELETE FROM counters WHERE workspace_id = $1 AND id = $2 AND version = $3"
        }
        other => return Err(writes::unsupported(other).into()),
    };
    let deleted = match i64::try_from(version) {
        Ok(v) if matches!(kind, RecordKind::Customer | RecordKind::Request) => {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(ws.0)
                .bind(id)
                .bind(v)
                .fetch_one(&mut *conn)
                .await?
                == 1
        }
        Ok(v) => {
            sqlx::query(sql)
                .bind(ws.0)
                .bind(id)
                .bind(v)
                .execute(&mut *conn)
                .await?
                .rows_affected()
                == 1
        }
        Err(_) => false,
    };
    if deleted {
        return Ok(());
    }
    let found = version_of(conn, ws, kind, id).await?;
    if found == version && version > 0 {
        return Err(race(kind, id));
    }
    Err(stale(kind, id, version, found))
}

/// The stored version of `kind`/`id` (0: absent), as this transaction sees it.
async fn version_of(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
) -> Result<u64, Failure> {
    let sql = match kind {
        RecordKind::Workspace => {
            "SELECT version FROM workspaces WHERE workspace_id = $1 AND id = $2"
        }
        RecordKind::Customer => "SELECT version FROM customers WHERE workspace_id = $1 AND id = $2",
        RecordKind::Interaction => {
            "SELECT version FROM interactions WHERE workspace_id = $1 AND id = $2"
        }
        RecordKind::Staff => "SELECT version FROM staff WHERE workspace_id = $1 AND id = $2",
        RecordKind::Department => {
            "SELECT version FROM departments WHERE workspace_id = $1 AND id = $2"
        }
        RecordKind::Audit => {
            "SELECT version FROM audit_entries WHERE workspace_id = $1 AND id = $2"
        }
        RecordKind::Outbox => "SELECT version FROM outbox WHERE workspace_id = $1 AND id = $2",
        RecordKind::Request => "SELECT version FROM requests WHERE workspace_id = $1 AND id = $2",
        RecordKind::RoutingRule => {
            "SELECT version FROM routing_rules WHERE workspace_id = $1 AND id = $2"
        }
        RecordKind::Counter => "SELECT version FROM counters WHERE workspace_id = $1 AND id = $2",
        other => return Err(writes::unsupported(other).into()),
    };
    let found = sqlx::query_scalar::<_, i64>(sql)
        .bind(ws.0)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    stored(kind, id, found)
}

fn stored(kind: RecordKind, id: Uuid, found: Option<i64>) -> Result<u64, Failure> {
    match found {
        None => Ok(0),
        Some(v) => {
            u64::try_from(v).map_err(|e| crate::error::corrupted(kind.as_str(), id, e).into())
        }
    }
}

fn stale(kind: RecordKind, id: Uuid, expected: u64, found: u64) -> Failure {
    Failure::Final(Error::Conflict(Conflict::StaleVersion {
        kind,
        id,
        expected,
        found,
    }))
}

fn key_taken(key: String, owner: Uuid) -> Failure {
    Failure::Final(Error::Conflict(Conflict::KeyTaken { key, owner }))
}

/// A row that changed between two statements of this transaction: run the commit again.
fn race(kind: RecordKind, id: Uuid) -> Failure {
    Failure::Retry(Error::storage(format!(
        "{kind} {id} kept changing while the commit was applied"
    )))
}

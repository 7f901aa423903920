//! A commit: one call of the `crm_commit` function (migration `0003_generic.sql`, replaced by
//! `0004_commit_entries.sql`, bodies as `json` since `0005_json_bodies.sql`), one round trip,
//! retried when it lost a race.
//!
//! The writes go as parallel arrays: kind tags, ids, versions and JSON bodies (`NULL` for a
//! delete), and, flattened, the unique keys and stored index keys ([`IndexEntry::stored_key`])
//! each put claims, with the end of each write's run. The function applies them in order with
//! the rules of crm-core's `store::kv::stage` and raises SQLSTATE `CRM01` (stale version) or
//! `CRM02` (taken key) with a JSON detail, which [`crate::error::conflict`] reads.
//!
//! It is written for `READ COMMITTED` (the connection's default level), so a commit racing
//! another one waits for it and then sees its outcome as a conflict. Deadlocks (`40P01`),
//! serialization failures (`40001`, also how a race shows at a stricter default level) and
//! unique violations (`23505`) are retried (up to [`ATTEMPTS`] times, with a short jittered
//! pause); the retry, a new statement with a new snapshot, then sees the winner.
//!
//! [`IndexEntry::stored_key`]: crm_core::record::IndexEntry::stored_key

use crate::error::{conflict, is_retryable, storage};
use crate::escape::{json_to_sql, text_to_sql};
use crate::kinds::{Kinds, to_sql};
use crm_core::id::WorkspaceId;
use crm_core::record::Body;
use crm_core::store::{Commit, Write};
use crm_core::{Error, Result};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Attempts at a commit that keeps losing races before its error is reported.
const ATTEMPTS: u32 = 12;

const COMMIT: &str = "SELECT crm_commit($1, $2, $3, $4, $5::text[]::json[], $6, $7, $8, $9)";

/// The arguments of `crm_commit` for one commit.
#[derive(Debug, Default)]
struct Writes {
    kinds: Vec<i16>,
    ids: Vec<Uuid>,
    versions: Vec<i64>,
    bodies: Vec<Option<String>>,
    unique_ends: Vec<i32>,
    unique: Vec<String>,
    index_ends: Vec<i32>,
    index: Vec<Vec<u8>>,
}

impl Writes {
    /// The arguments for `commit`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a version of 0 or one too large for PostgreSQL's `bigint`;
    /// [`Error::Storage`] for a record that does not encode.
    fn of(commit: &Commit) -> Result<Self> {
        let mut w = Writes::default();
        for write in &commit.writes {
            match write {
                Write::Put(record) => {
                    if record.version() == 0 {
                        return Err(Error::invalid(
                            "version",
                            "a stored record's version starts at 1",
                        ));
                    }
                    let Body::Json(body) = record.json()? else {
                        return Err(Error::storage("a JSON body was not JSON"));
                    };
                    w.push(
                        record.kind().tag(),
                        record.id(),
                        record.version(),
                        Some(json_to_sql(body)),
                    )?;
                    let keys = record.keys();
                    w.unique.extend(keys.unique.iter().map(|k| text_to_sql(k)));
                    w.index
                        .extend(keys.entries.iter().map(|e| e.stored_key(record.id())));
                }
                Write::Delete { kind, id, version } => {
                    w.push(kind.tag(), *id, *version, None)?;
                }
            }
            w.unique_ends.push(end(w.unique.len())?);
            w.index_ends.push(end(w.index.len())?);
        }
        Ok(w)
    }

    fn push(&mut self, tag: u16, id: Uuid, version: u64, body: Option<String>) -> Result<()> {
        let version = i64::try_from(version)
            .map_err(|_| Error::invalid("version", "more than PostgreSQL's bigint holds"))?;
        self.kinds.push(to_sql(tag));
        self.ids.push(id);
        self.versions.push(version);
        self.bodies.push(body);
        Ok(())
    }
}

fn end(len: usize) -> Result<i32> {
    i32::try_from(len).map_err(|_| Error::invalid("commit", "too many keys in one commit"))
}

/// Applies `commit` to `ws` (see the [module](self) docs).
///
/// # Errors
/// [`Error::Conflict`] for a stale version or a taken key, [`Error::Invalid`] for version 0,
/// [`Error::Storage`] for anything the server or the network does wrong (nothing applied,
/// except when the connection is lost during `COMMIT`: then the outcome is unknown).
pub(crate) async fn commit(
    pool: &PgPool,
    kinds: &Kinds,
    ws: WorkspaceId,
    commit: &Commit,
) -> Result<()> {
    if commit.is_empty() {
        return Ok(());
    }
    let writes = Writes::of(commit)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let done = sqlx::query(COMMIT)
            .bind(ws.0)
            .bind(&writes.kinds)
            .bind(&writes.ids)
            .bind(&writes.versions)
            .bind(&writes.bodies)
            .bind(&writes.unique_ends)
            .bind(&writes.unique)
            .bind(&writes.index_ends)
            .bind(&writes.index)
            .execute(pool)
            .await;
        let e = match done {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if let Some(conflict) = conflict(&e, kinds) {
            return Err(conflict);
        }
        if attempt >= ATTEMPTS || !is_retryable(&e) {
            return Err(storage(e));
        }
        tokio::time::sleep(backoff(attempt)).await;
    }
}

/// A pause of up to 2^attempt milliseconds (at most 200), jittered so that two racing
/// commits do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let cap = (1u64 << attempt.min(8)).min(200);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let jitter = nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    Duration::from_micros(200 + jitter % (cap * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::counter::Counter;
    use crm_core::record::RecordKind;

    #[test]
    fn writes_flatten_keys_with_the_end_of_each_run() {
        let mut commit = Commit::new();
        commit.put(Counter {
            id: Counter::REQUEST_NUMBERS,
            version: 2,
            value: 5,
        });
        commit.delete(RecordKind::CUSTOMER, Uuid::from_u128(9), 3);
        let w = Writes::of(&commit).unwrap();
        assert_eq!(w.kinds, vec![10, 2]);
        assert_eq!(w.versions, vec![2, 3]);
        assert!(w.bodies[0].as_deref().unwrap().contains("\"value\":5"));
        assert_eq!(w.bodies[1], None);
        assert_eq!(w.unique_ends, vec![0, 0]);
        assert_eq!(w.index_ends, vec![0, 0]);
    }

    #[test]
    fn version_zero_is_invalid() {
        let mut commit = Commit::new();
        commit.put(Counter {
            id: Counter::REQUEST_NUMBERS,
            version: 0,
            value: 5,
        });
        assert!(matches!(Writes::of(&commit), Err(Error::Invalid { .. })));
    }

    #[test]
    fn backoff_stays_short() {
        for attempt in 1..=ATTEMPTS {
            assert!(backoff(attempt) <= Duration::from_millis(201));
        }
    }
}

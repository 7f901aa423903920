//! Re-indexing: the unique keys and index entries of a kind rebuilt from its records, when the
//! keys the kind declares changed since they were written ([`RecordKind::index_version`]), or
//! were never written (data migrated from version 2 of the schema).
//!
//! `crm_kinds` keeps the index version each kind's stored keys were made with. On connect,
//! under the schema lock, every known kind whose stored version differs (or is missing) is
//! rebuilt, workspace by workspace, as crm-core's key-value stores do (`store::kv::rebuild`):
//!
//! 1. every unique key and index entry that a record of the kind claims (its `unique_keys`
//!    and `index_keys` arrays) is removed, and the arrays emptied;
//! 2. every record of the kind claims its keys as declared now ([`RecordKind::keys`] of its
//!    body): unique keys, index entries, and the arrays;
//! 3. the kind's version is written to `crm_kinds`.
//!
//! Each step works in batches of [`BATCH`] records by id, each batch a transaction of its
//! own; a crash in between leaves the old version (written last) in place, so the next
//! connect starts over, and every step is safe to repeat. Two records claiming one unique key
//! (possible only when a new version declares new unique keys) cannot both have it: the first
//! by id keeps it, the other is reported with `tracing::warn!`.

use crate::error::{corrupted, storage};
use crate::escape::{json_from_sql, text_to_sql};
use crate::kinds::{Kinds, to_sql};
use crm_core::Result;
use crm_core::record::{Body, RecordKind};
use sqlx::{Connection, PgConnection, PgExecutor, Row};
use std::collections::{BTreeSet, HashMap, HashSet};
use uuid::Uuid;

/// Records per re-indexing batch.
pub(crate) const BATCH: i64 = 1000;

const VERSIONS: &str = "SELECT kind, index_version FROM crm_kinds";

/// Every workspace with records of the kind (a plain `DISTINCT`, which Citus runs on every
/// shard; re-indexing is rare and reads every record of the kind anyway).
const WORKSPACES: &str = "SELECT DISTINCT workspace_id FROM records WHERE kind = $1";

/// Step 1 for the batch of records after `$3`: returns how many and the last id.
const RELEASE: &str = "\
WITH batch AS (
    SELECT id, unique_keys, index_keys FROM records
    WHERE workspace_id = $1 AND kind = $2 AND id > $3
    ORDER BY id LIMIT $4 FOR UPDATE),
keys AS (
    DELETE FROM unique_keys u USING batch b
    WHERE u.workspace_id = $1 AND u.key = ANY (b.unique_keys) AND u.holder = b.id),
entries AS (
    DELETE FROM index_entries e USING batch b, unnest(b.index_keys) AS k(stored)
    WHERE e.workspace_id = $1 AND e.index_id = crm_index_tag(k.stored)
      AND e.position = substring(k.stored FROM 3)),
cleared AS (
    UPDATE records r SET unique_keys = '{}', index_keys = '{}' FROM batch b
    WHERE r.workspace_id = $1 AND r.kind = $2 AND r.id = b.id)
SELECT count(*), (array_agg(id ORDER BY id DESC))[1] FROM batch";

/// Step 2, reading: the batch of records after `$3`.
const READ: &str = "SELECT id, body::text FROM records \
                    WHERE workspace_id = $1 AND kind = $2 AND id > $3 \
                    ORDER BY id LIMIT $4 FOR UPDATE";

/// Step 2, writing: the claims of a batch. `$3` are the records' ids; `$4`/`$5` and `$6`/`$7`
/// their unique keys and stored index keys, each with the (1-based) place of its record in
/// `$3`. Returns the unique keys claimed.
const CLAIM: &str = "\
WITH ids AS (SELECT * FROM unnest($3::uuid[]) WITH ORDINALITY AS t(id, n)),
claims AS (SELECT * FROM unnest($4::bigint[], $5::text[]) WITH ORDINALITY AS t(o, key, n)),
entries AS (SELECT * FROM unnest($6::bigint[], $7::bytea[]) WITH ORDINALITY AS t(o, stored, n)),
claimed AS (
    INSERT INTO unique_keys (workspace_id, key, kind, holder)
    SELECT $1, c.key, $2, i.id FROM claims c JOIN ids i ON i.n = c.o ORDER BY c.n
    ON CONFLICT (workspace_id, key) DO NOTHING
    RETURNING key, holder),
indexed AS (
    INSERT INTO index_entries (workspace_id, index_id, position, kind, record_id)
    SELECT $1, crm_index_tag(x.stored), substring(x.stored FROM 3), $2, i.id
    FROM entries x JOIN ids i ON i.n = x.o
    ON CONFLICT (workspace_id, index_id, position)
    DO UPDATE SET kind = EXCLUDED.kind, record_id = EXCLUDED.record_id),
arrays AS (
    UPDATE records r SET
        unique_keys = coalesce(
            (SELECT array_agg(c.key ORDER BY c.n) FROM claims c WHERE c.o = i.n), '{}'),
        index_keys = coalesce(
            (SELECT array_agg(x.stored ORDER BY x.n) FROM entries x WHERE x.o = i.n), '{}')
    FROM ids i
    WHERE r.workspace_id = $1 AND r.kind = $2 AND r.id = i.id)
SELECT key, holder FROM claimed";

const HOLDERS: &str =
    "SELECT key, holder FROM unique_keys WHERE workspace_id = $1 AND key = ANY ($2)";

const WRITE_VERSION: &str = "\
INSERT INTO crm_kinds (kind, name, index_version) VALUES ($1, $2, $3)
ON CONFLICT (kind) DO UPDATE SET name = EXCLUDED.name, index_version = EXCLUDED.index_version";

/// The known kinds whose stored keys are not those they declare now.
///
/// # Errors
/// [`crm_core::Error::Storage`] when `crm_kinds` cannot be read.
pub(crate) async fn outdated<'e>(
    db: impl PgExecutor<'e>,
    kinds: &Kinds,
) -> Result<Vec<RecordKind>> {
    let rows = sqlx::query(VERSIONS).fetch_all(db).await.map_err(storage)?;
    let mut stored = HashMap::with_capacity(rows.len());
    for row in rows {
        let kind: i16 = row.try_get(0).map_err(storage)?;
        let version: i32 = row.try_get(1).map_err(storage)?;
        stored.insert(kind, version);
    }
    Ok(kinds
        .all()
        .iter()
        .copied()
        .filter(|k| {
            let declared = i32::try_from(k.index_version()).unwrap_or(i32::MAX);
            stored.get(&to_sql(k.tag())) != Some(&declared)
        })
        .collect())
}

/// Rebuilds the keys of every outdated kind (see the [module](self) docs); returns the kinds
/// rebuilt. Run it under the schema lock.
///
/// # Errors
/// [`crm_core::Error::Storage`] when the database fails; [`crm_core::Error::Corrupted`] for a
/// record whose body does not decode as its kind.
pub(crate) async fn run(conn: &mut PgConnection, kinds: &Kinds) -> Result<Vec<RecordKind>> {
    let outdated = outdated(&mut *conn, kinds).await?;
    if outdated.is_empty() {
        return Ok(outdated);
    }
    for kind in &outdated {
        tracing::info!(
            kind = kind.as_str(),
            version = kind.index_version(),
            "re-indexing the records of a kind"
        );
        let workspaces: Vec<Uuid> = sqlx::query_scalar(WORKSPACES)
            .bind(to_sql(kind.tag()))
            .fetch_all(&mut *conn)
            .await
            .map_err(storage)?;
        for ws in &workspaces {
            release(conn, *ws, *kind).await?;
            claim(conn, *ws, *kind).await?;
        }
        let version = i32::try_from(kind.index_version()).unwrap_or(i32::MAX);
        sqlx::query(WRITE_VERSION)
            .bind(to_sql(kind.tag()))
            .bind(kind.as_str())
            .bind(version)
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
    }
    Ok(outdated)
}

/// Step 1 for the records of `kind` in `ws`.
async fn release(conn: &mut PgConnection, ws: Uuid, kind: RecordKind) -> Result<()> {
    let mut after = Uuid::nil();
    loop {
        let row = sqlx::query(RELEASE)
            .bind(ws)
            .bind(to_sql(kind.tag()))
            .bind(after)
            .bind(BATCH)
            .fetch_one(&mut *conn)
            .await
            .map_err(storage)?;
        let count: i64 = row.try_get(0).map_err(storage)?;
        let last: Option<Uuid> = row.try_get(1).map_err(storage)?;
        match last {
            Some(last) if count == BATCH => after = last,
            _ => return Ok(()),
        }
    }
}

/// What one batch of records claims: each record's unique keys and stored index keys, with
/// the place of the record in the batch.
#[derive(Default)]
struct Claims {
    ids: Vec<Uuid>,
    unique_of: Vec<i64>,
    unique: Vec<String>,
    index_of: Vec<i64>,
    index: Vec<Vec<u8>>,
}

/// Step 2 for the records of `kind` in `ws`.
async fn claim(conn: &mut PgConnection, ws: Uuid, kind: RecordKind) -> Result<()> {
    let mut after = Uuid::nil();
    loop {
        let mut tx = conn.begin().await.map_err(storage)?;
        let rows = sqlx::query(READ)
            .bind(ws)
            .bind(to_sql(kind.tag()))
            .bind(after)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await
            .map_err(storage)?;
        let mut claims = Claims::default();
        for row in &rows {
            let id: Uuid = row.try_get(0).map_err(storage)?;
            let body: String = row
                .try_get(1)
                .map_err(|e| corrupted(format!("{kind}/{id}"), e))?;
            let keys = kind
                .keys(&Body::Json(json_from_sql(body)))
                .map_err(|e| match e {
                    crm_core::Error::Corrupted { source, .. } => {
                        corrupted(format!("{kind}/{id} (workspace {ws})"), source)
                    }
                    other => other,
                })?;
            claims.ids.push(id);
            let place = i64::try_from(claims.ids.len()).unwrap_or(i64::MAX);
            let unique: BTreeSet<String> = keys.unique.iter().map(|k| text_to_sql(k)).collect();
            claims
                .unique_of
                .extend(std::iter::repeat_n(place, unique.len()));
            claims.unique.extend(unique);
            let index: BTreeSet<Vec<u8>> = keys.entries.iter().map(|e| e.stored_key(id)).collect();
            claims
                .index_of
                .extend(std::iter::repeat_n(place, index.len()));
            claims.index.extend(index);
        }
        if let Some(last) = claims.ids.last() {
            after = *last;
            let claimed: Vec<(String, Uuid)> = sqlx::query_as(CLAIM)
                .bind(ws)
                .bind(to_sql(kind.tag()))
                .bind(&claims.ids)
                .bind(&claims.unique_of)
                .bind(&claims.unique)
                .bind(&claims.index_of)
                .bind(&claims.index)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage)?;
            if claimed.len() < claims.unique.len() {
                warn_unclaimed(&mut tx, ws, kind, &claims, &claimed).await?;
            }
        }
        tx.commit().await.map_err(storage)?;
        if i64::try_from(rows.len()).unwrap_or(i64::MAX) < BATCH {
            return Ok(());
        }
    }
}

/// Reports the unique keys of a batch that records before them had already claimed.
async fn warn_unclaimed(
    conn: &mut PgConnection,
    ws: Uuid,
    kind: RecordKind,
    claims: &Claims,
    claimed: &[(String, Uuid)],
) -> Result<()> {
    let got: HashSet<(&str, Uuid)> = claimed.iter().map(|(k, h)| (k.as_str(), *h)).collect();
    let mut lost = Vec::new();
    for (key, place) in claims.unique.iter().zip(&claims.unique_of) {
        let record = usize::try_from(*place - 1)
            .ok()
            .and_then(|i| claims.ids.get(i))
            .copied()
            .unwrap_or_default();
        if !got.contains(&(key.as_str(), record)) {
            lost.push((key.clone(), record));
        }
    }
    let keys: Vec<&str> = lost.iter().map(|(k, _)| k.as_str()).collect();
    let holders: Vec<(String, Uuid)> = sqlx::query_as(HOLDERS)
        .bind(ws)
        .bind(&keys)
        .fetch_all(&mut *conn)
        .await
        .map_err(storage)?;
    let holders: HashMap<String, Uuid> = holders.into_iter().collect();
    for (key, record) in lost {
        let holder = holders.get(&key).copied().unwrap_or_default();
        if holder != record {
            tracing::warn!(
                key = key.as_str(),
                %holder,
                %record,
                "re-indexing {kind}: the unique key is held by another record already"
            );
        }
    }
    Ok(())
}

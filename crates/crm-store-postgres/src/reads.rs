//! Point reads: a record by kind and id, several by id, the holder of a unique key. Each is
//! one statement, on the pool (one statement sees one snapshot) or in a snapshot's
//! transaction.

use crate::error::{corrupted, storage};
use crate::escape::{json_from_sql, text_to_sql};
use crate::kinds::{Kinds, to_sql};
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::record::{Body, RecordKind};
use crm_core::store::Stored;
use sqlx::postgres::PgRow;
use sqlx::{PgExecutor, Row};
use std::collections::HashMap;
use uuid::Uuid;

const GET: &str = "SELECT body::text FROM records \
                   WHERE workspace_id = $1 AND kind = $2 AND id = $3";

const GET_MANY: &str = "SELECT id, body::text FROM records \
                        WHERE workspace_id = $1 AND kind = $2 AND id = ANY ($3)";

const HOLDER: &str = "SELECT u.kind, u.holder, r.body::text FROM unique_keys u \
                      LEFT JOIN records r ON r.workspace_id = u.workspace_id \
                          AND r.kind = u.kind AND r.id = u.holder \
                      WHERE u.workspace_id = $1 AND u.key = $2";

/// The record `kind`/`id` of `ws`, if stored.
///
/// # Errors
/// [`crm_core::Error::Storage`] when the query fails.
pub(crate) async fn get<'e>(
    db: impl PgExecutor<'e>,
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
) -> Result<Option<Stored>> {
    let row = sqlx::query(GET)
        .bind(ws.0)
        .bind(to_sql(kind.tag()))
        .bind(id)
        .fetch_optional(db)
        .await
        .map_err(storage)?;
    row.map(|row| Ok(stored(kind, id, column(&row, 0, kind, id)?)))
        .transpose()
}

/// The records `kind`/`ids` of `ws`, in the order of `ids` (`None` where absent).
///
/// # Errors
/// [`crm_core::Error::Storage`] when the query fails.
pub(crate) async fn get_many<'e>(
    db: impl PgExecutor<'e>,
    ws: WorkspaceId,
    kind: RecordKind,
    ids: &[Uuid],
) -> Result<Vec<Option<Stored>>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(GET_MANY)
        .bind(ws.0)
        .bind(to_sql(kind.tag()))
        .bind(ids)
        .fetch_all(db)
        .await
        .map_err(storage)?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: Uuid = column(row, 0, kind, Uuid::nil())?;
        found.insert(id, column::<String>(row, 1, kind, id)?);
    }
    Ok(ids
        .iter()
        .map(|id| found.get(id).map(|body| stored(kind, *id, body.clone())))
        .collect())
}

/// The record holding unique key `key` in `ws`, if any.
///
/// # Errors
/// [`crm_core::Error::Storage`] when the query fails; [`crm_core::Error::Corrupted`] when the
/// key names a record that is not there.
pub(crate) async fn holder<'e>(
    db: impl PgExecutor<'e>,
    kinds: &Kinds,
    ws: WorkspaceId,
    key: &str,
) -> Result<Option<Stored>> {
    let Some(row) = sqlx::query(HOLDER)
        .bind(ws.0)
        .bind(text_to_sql(key))
        .fetch_optional(db)
        .await
        .map_err(storage)?
    else {
        return Ok(None);
    };
    let location = || format!("unique key {key}");
    let tag: i16 = row.try_get(0).map_err(|e| corrupted(location(), e))?;
    let id: Uuid = row.try_get(1).map_err(|e| corrupted(location(), e))?;
    let kind = kinds.find(tag);
    match row.try_get::<Option<String>, _>(2) {
        Ok(Some(body)) => Ok(Some(stored(kind, id, body))),
        Ok(None) => Err(missing(kind, id, &location())),
        Err(e) => Err(corrupted(location(), e)),
    }
}

/// A stored record with its JSON body, from the body as stored (see [`crate::escape`]).
pub(crate) fn stored(kind: RecordKind, id: Uuid, body: String) -> Stored {
    Stored {
        kind,
        id,
        body: Body::Json(json_from_sql(body)),
    }
}

/// Column `index` of a row of record `kind`/`id`, or [`crm_core::Error::Corrupted`].
pub(crate) fn column<'r, T>(row: &'r PgRow, index: usize, kind: RecordKind, id: Uuid) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(index)
        .map_err(|e| corrupted(format!("{kind}/{id}"), e))
}

/// A record that a key or an entry of the same snapshot names is missing: damage.
pub(crate) fn missing(kind: RecordKind, id: Uuid, what: &str) -> crm_core::Error {
    corrupted(
        format!("{kind}/{id}"),
        format!("{what} names a record that is not there"),
    )
}

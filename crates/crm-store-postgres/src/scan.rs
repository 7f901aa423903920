//! Range scans, each one statement.
//!
//! - An index: `index_entries` of the index from `start` (included) to `end` (excluded),
//!   ordered by `position` (bytewise), each entry's body read from `records` by a subquery
//!   on its primary key (see [`index_sql`] for why not a join). The position of
//!   a hit is the entry's key and the record's id, without the index's tag. A keys-only scan
//!   reads the positions alone (the id is their last 16 bytes), which the primary key's
//!   index holds: PostgreSQL answers it from the index, without visiting the table, for
//!   every page vacuum has marked all-visible.
//! - [`Target::Records`]: `records` of the kind by id; the position of a hit is the 16-byte
//!   id. Byte bounds become inclusive id bounds ([`id_range`]).
//!
//! Each shape (bounded or not, forwards or backwards, with bodies or not) is a statement of
//! its own, so that every prepared plan bounds the btree scan on both sides.

use crate::error::{corrupted, storage};
use crate::kinds::{Kinds, to_sql};
use crate::reads::{column, missing, stored};
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::record::{Index, RecordKind};
use crm_core::store::kv::layout::index_target;
use crm_core::store::{Hit, Scan, Target};
use sqlx::PgExecutor;
use sqlx::postgres::PgRow;
use std::sync::LazyLock;
use uuid::Uuid;

/// The statements of every shape: `[bounded][reverse][bodies]` for indexes,
/// `[reverse][bodies]` for records.
struct Statements {
    index: [[[String; 2]; 2]; 2],
    records: [[String; 2]; 2],
}

static STATEMENTS: LazyLock<Statements> = LazyLock::new(|| Statements {
    index: [false, true].map(|bounded| {
        [false, true].map(|reverse| [false, true].map(|bodies| index_sql(bounded, reverse, bodies)))
    }),
    records: [false, true].map(|reverse| [false, true].map(|bodies| records_sql(reverse, bodies))),
});

fn direction(reverse: bool) -> &'static str {
    if reverse { " DESC" } else { "" }
}

fn index_sql(bounded: bool, reverse: bool, bodies: bool) -> String {
    // The record of each entry by a subquery, not a join: the planner costs a join of a
    // page of entries with the workspace's records as a hash join over all of them (a
    // sequential scan of `records`, measured 35 ms for 1,000 entries among 100,000 records),
    // while the subquery runs once per entry the `LIMIT` lets through, by primary key.
    let columns = if bodies {
        "e.position, e.record_id, e.kind, (SELECT r.body::text FROM records r \
         WHERE r.workspace_id = e.workspace_id AND r.kind = e.kind AND r.id = e.record_id)"
    } else {
        "e.position"
    };
    let (end, limit) = if bounded {
        (" AND e.position < $4", "$5")
    } else {
        ("", "$4")
    };
    format!(
        "SELECT {columns} FROM index_entries e \
         WHERE e.workspace_id = $1 AND e.index_id = $2 AND e.position >= $3{end} \
         ORDER BY e.position{} LIMIT {limit}",
        direction(reverse)
    )
}

fn records_sql(reverse: bool, bodies: bool) -> String {
    let body = if bodies { "body::text" } else { "NULL::text" };
    format!(
        "SELECT id, {body} FROM records \
         WHERE workspace_id = $1 AND kind = $2 AND id >= $3 AND id <= $4 \
         ORDER BY id{} LIMIT $5",
        direction(reverse)
    )
}

/// The hits of `scan` in `ws`.
///
/// # Errors
/// [`crm_core::Error::Storage`] when the query fails; [`crm_core::Error::Corrupted`] for an
/// entry of another kind or one whose record is missing.
pub(crate) async fn scan<'e>(
    db: impl PgExecutor<'e>,
    kinds: &Kinds,
    ws: WorkspaceId,
    scan: &Scan,
) -> Result<Vec<Hit>> {
    if scan.is_empty() {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(scan.max()).unwrap_or(i64::MAX);
    match scan.target() {
        Target::Index(index) => index_scan(db, kinds, ws, index, scan, limit).await,
        Target::Records(kind) => records_scan(db, ws, kind, scan, limit).await,
    }
}

async fn index_scan<'e>(
    db: impl PgExecutor<'e>,
    kinds: &Kinds,
    ws: WorkspaceId,
    index: Index,
    scan: &Scan,
    limit: i64,
) -> Result<Vec<Hit>> {
    let bodies = scan.with_bodies();
    let sql = &STATEMENTS.index[usize::from(scan.end().is_some())][usize::from(scan.is_reverse())]
        [usize::from(bodies)];
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(ws.0)
        .bind(to_sql(index.tag()))
        .bind(scan.start());
    if let Some(end) = scan.end() {
        query = query.bind(end);
    }
    let rows = query.bind(limit).fetch_all(db).await.map_err(storage)?;
    let kind = index.kind();
    rows.iter()
        .map(|row| index_hit(row, kinds, index, kind, bodies))
        .collect()
}

fn index_hit(
    row: &PgRow,
    kinds: &Kinds,
    index: Index,
    kind: RecordKind,
    bodies: bool,
) -> Result<Hit> {
    let position: Vec<u8> = column(row, 0, kind, Uuid::nil())?;
    if !bodies {
        let id = index_target(&position).ok_or_else(|| {
            corrupted(
                format!("{} entry of {kind}", index.name()),
                "a position shorter than a record id",
            )
        })?;
        return Ok(Hit {
            position,
            id,
            record: None,
        });
    }
    let id: Uuid = column(row, 1, kind, Uuid::nil())?;
    let tag: i16 = column(row, 2, kind, id)?;
    if kinds.find(tag) != kind {
        return Err(corrupted(
            format!("{} entry of {kind}/{id}", index.name()),
            format!("the entry names a record of {}", kinds.find(tag)),
        ));
    }
    let record = match column::<Option<String>>(row, 3, kind, id)? {
        Some(body) => stored(kind, id, body),
        None => return Err(missing(kind, id, &format!("an entry of {}", index.name()))),
    };
    Ok(Hit {
        position,
        id,
        record: Some(record),
    })
}

async fn records_scan<'e>(
    db: impl PgExecutor<'e>,
    ws: WorkspaceId,
    kind: RecordKind,
    scan: &Scan,
    limit: i64,
) -> Result<Vec<Hit>> {
    let Some((low, high)) = id_range(scan.start(), scan.end()) else {
        return Ok(Vec::new());
    };
    let bodies = scan.with_bodies();
    let sql = &STATEMENTS.records[usize::from(scan.is_reverse())][usize::from(bodies)];
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(ws.0)
        .bind(to_sql(kind.tag()))
        .bind(low)
        .bind(high)
        .bind(limit)
        .fetch_all(db)
        .await
        .map_err(storage)?;
    rows.iter()
        .map(|row| {
            let id: Uuid = column(row, 0, kind, Uuid::nil())?;
            let record = if bodies {
                Some(stored(kind, id, column(row, 1, kind, id)?))
            } else {
                None
            };
            Ok(Hit {
                position: id.as_bytes().to_vec(),
                id,
                record,
            })
        })
        .collect()
}

/// The ids (16 bytes, compared bytewise) in `[start, end)`, as inclusive bounds; `None` when
/// there are none.
///
/// A shorter bound is a prefix (padded with zero bytes it bounds the same ids); a longer
/// one lies just after the id it starts with.
fn id_range(start: &[u8], end: Option<&[u8]>) -> Option<(Uuid, Uuid)> {
    let low = if start.len() > 16 {
        as_u128(&start[..16]).checked_add(1)?
    } else {
        as_u128(start)
    };
    let high = match end {
        None => u128::MAX,
        Some(end) if end.len() > 16 => as_u128(&end[..16]),
        Some(end) => as_u128(end).checked_sub(1)?,
    };
    (low <= high).then(|| (Uuid::from_u128(low), Uuid::from_u128(high)))
}

/// Up to 16 bytes as the big-endian number of the 16 bytes they start (zeros after them).
fn as_u128(bytes: &[u8]) -> u128 {
    let mut full = [0u8; 16];
    let n = bytes.len().min(16);
    full[..n].copy_from_slice(&bytes[..n]);
    u128::from_be_bytes(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(start: &[u8], end: Option<&[u8]>) -> Option<(u128, u128)> {
        id_range(start, end).map(|(a, b)| (a.as_u128(), b.as_u128()))
    }

    #[test]
    fn byte_bounds_become_id_bounds() {
        assert_eq!(ids(&[], None), Some((0, u128::MAX)));
        let id = 0x0102u128 << 112;
        let bytes = id.to_be_bytes();
        // From an id, after it (the id and a zero byte), before it.
        assert_eq!(ids(&bytes, None), Some((id, u128::MAX)));
        assert_eq!(
            ids(&[&bytes[..], &[0]].concat(), None),
            Some((id + 1, u128::MAX))
        );
        assert_eq!(ids(&[], Some(&bytes)), Some((0, id - 1)));
        assert_eq!(ids(&[], Some(&[&bytes[..], &[0]].concat())), Some((0, id)));
        // A prefix: every id that starts with 01 02.
        assert_eq!(
            ids(&[1, 2], Some(&[1, 3])),
            Some((id, (0x0103u128 << 112) - 1))
        );
        // Nothing below the smallest id, nothing after the largest.
        assert_eq!(ids(&[], Some(&[0; 16])), None);
        assert_eq!(ids(&[&[0xff; 16][..], &[0]].concat(), None), None);
        assert_eq!(ids(&[5], Some(&[5])), None);
    }

    #[test]
    fn every_shape_has_its_statement() {
        let s = &*STATEMENTS;
        assert!(s.index[1][1][1].contains("position < $4") && s.index[1][1][1].contains("DESC"));
        assert!(
            s.index[0][0][0].starts_with("SELECT e.position FROM")
                && s.index[0][0][0].contains("LIMIT $4")
        );
        assert!(!s.index[0][0][1].contains("JOIN") && s.index[0][0][1].contains("(SELECT r.body"));
        assert!(s.records[1][0].contains("NULL::text") && s.records[1][0].contains("DESC"));
    }
}

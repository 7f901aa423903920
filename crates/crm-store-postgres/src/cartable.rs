//! The cartable views ([`crm_core::store::Store::requests`]), one SQL statement each.
//!
//! The ranked views (holder, review, followed, overdue, possible duplicates) read an index in
//! the views' order `(priority_rank, due_at, id)`, where `due_at` is the stored
//! [`Request::sort_due`]; a cursor becomes the row comparison `(...) > (rank, due, id)`, and
//! the first page compares with rank -1 (before every rank). Overdue requests are read rank by
//! rank (four index ranges of `due_at < now`), as the key-value stores do. A customer's
//! requests read newest first by `(created_at, id)`; requests created in a window read oldest
//! first. Orders, page boundaries and cursors are those of the key-value stores.

use crate::error::storage;
use crate::queries::overfetch;
use crate::rows::{self, request_columns};
use crate::writes::holder_columns;
use chrono::{DateTime, Utc};
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::request::{Request, RequestView};
use crm_core::store::{Cursor, Page, PageRequest};
use sqlx::PgPool;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{Postgres, postgres::PgRow};
use uuid::Uuid;

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

/// The tail of a ranked view over `requests r`: after the cursor (`$2`, `$3`, `$4`), in the
/// views' order, `$5` rows.
macro_rules! ranked_tail {
    () => {
        " AND (r.priority_rank, r.due_at, r.id) > ($2, $3, $4) \
         ORDER BY r.priority_rank, r.due_at, r.id LIMIT $5"
    };
}

const HOLDER_OFFICERS: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.is_active \
       AND r.holder_kind = 'officers' AND r.holder_id IS NULL",
    ranked_tail!()
);

const HOLDER: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.is_active \
       AND r.holder_kind = $6 AND r.holder_id = $7",
    ranked_tail!()
);

const AWAITING_REVIEW: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.status = 'resolved' \
       AND (r.officer_id IS NULL OR r.officer_id = $6)",
    ranked_tail!()
);

const POSSIBLE_DUPLICATES: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.is_active AND r.is_possible_duplicate",
    ranked_tail!()
);

/// Followed requests, read from the followers' index (which carries the sort columns).
const FOLLOWED_BY: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM request_followers f JOIN requests r \
       ON r.workspace_id = f.workspace_id AND r.id = f.request_id \
     WHERE f.workspace_id = $1 AND f.staff_id = $6 AND f.is_active \
       AND (f.priority_rank, f.due_at, f.request_id) > ($2, $3, $4) \
     ORDER BY f.priority_rank, f.due_at, f.request_id LIMIT $5"
);

/// Overdue requests, rank by rank: for each rank, the index range of `due_at < $6`.
const OVERDUE: &str = concat!(
    "SELECT o.* FROM unnest('{0,1,2,3}'::smallint[]) AS k(rank) CROSS JOIN LATERAL ( \
       SELECT r.priority_rank AS sort_rank, r.due_at AS sort_due, ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.is_active \
         AND r.priority_rank = k.rank AND r.due_at < $6",
    ranked_tail!(),
    ") AS o ORDER BY o.sort_rank, o.sort_due, o.id LIMIT $5"
);

const CUSTOMER_FIRST: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.customer_id = $2 \
     ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
);

const CUSTOMER_AFTER: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.customer_id = $2 \
       AND (r.created_at, r.id) < ($4, $5) \
     ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
);

const CREATED_FIRST: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND r.created_at >= $2 AND r.created_at < $3 \
     ORDER BY r.created_at, r.id LIMIT $4"
);

const CREATED_AFTER: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests r WHERE r.workspace_id = $1 AND (r.created_at, r.id) > ($2, $5) \
       AND r.created_at < $3 \
     ORDER BY r.created_at, r.id LIMIT $4"
);

/// [`crm_core::store::Store::requests`].
pub(crate) async fn requests(
    pool: &PgPool,
    ws: WorkspaceId,
    view: &RequestView,
    page: &PageRequest,
) -> Result<Page<Request>> {
    let limit = overfetch(page);
    let by_time = |q: &Request| Cursor::from_time_id(q.created_at, q.id.0);
    let query = match view {
        RequestView::Customer(customer) => {
            let q = match page.cursor() {
                None => sqlx::query(CUSTOMER_FIRST)
                    .bind(ws.0)
                    .bind(customer.0)
                    .bind(limit),
                Some(c) => {
                    let (at, id) = c.time_id()?;
                    let at = micros(at);
                    sqlx::query(CUSTOMER_AFTER)
                        .bind(ws.0)
                        .bind(customer.0)
                        .bind(limit)
                        .bind(at)
                        .bind(id)
                }
            };
            return fetch(pool, q, page, by_time).await;
        }
        RequestView::Created { from, to } => {
            let (from, to) = (micros(*from), micros(*to));
            let q = match page.cursor() {
                None => sqlx::query(CREATED_FIRST)
                    .bind(ws.0)
                    .bind(from)
                    .bind(to)
                    .bind(limit),
                Some(c) => {
                    let (at, id) = c.time_id()?;
                    let at = micros(at);
                    sqlx::query(CREATED_AFTER)
                        .bind(ws.0)
                        .bind(at)
                        .bind(to)
                        .bind(limit)
                        .bind(id)
                }
            };
            return fetch(pool, q, page, by_time).await;
        }
        RequestView::Holder(holder) => match holder_columns(holder) {
            (_, None) => ranked(sqlx::query(HOLDER_OFFICERS), ws, page)?,
            (kind, Some(id)) => ranked(sqlx::query(HOLDER), ws, page)?.bind(kind).bind(id),
        },
        RequestView::AwaitingReview(staff) => {
            ranked(sqlx::query(AWAITING_REVIEW), ws, page)?.bind(staff.0)
        }
        RequestView::FollowedBy(staff) => ranked(sqlx::query(FOLLOWED_BY), ws, page)?.bind(staff.0),
        RequestView::Overdue(now) => ranked(sqlx::query(OVERDUE), ws, page)?.bind(micros(*now)),
        RequestView::PossibleDuplicates => ranked(sqlx::query(POSSIBLE_DUPLICATES), ws, page)?,
        other => {
            return Err(crm_core::Error::storage(format!(
                "the cartable view {other:?} is not supported by this version of \
                 crm-store-postgres"
            )));
        }
    };
    fetch(pool, query, page, |q| {
        Cursor::from_rank_time_id(q.priority.rank(), q.sort_due(), q.id.0)
    })
    .await
}

/// Binds the workspace, the cursor (rank -1 before the first page) and the limit of a ranked
/// view: `$1` to `$5`.
fn ranked<'q>(query: PgQuery<'q>, ws: WorkspaceId, page: &PageRequest) -> Result<PgQuery<'q>> {
    let (rank, at, id) = match page.cursor() {
        Some(c) => {
            let (rank, at, id) = c.rank_time_id()?;
            (i16::from(rank), micros(at), id)
        }
        None => (-1, DateTime::UNIX_EPOCH, Uuid::nil()),
    };
    Ok(query
        .bind(ws.0)
        .bind(rank)
        .bind(at)
        .bind(id)
        .bind(overfetch(page)))
}

async fn fetch(
    pool: &PgPool,
    query: PgQuery<'_>,
    page: &PageRequest,
    cursor_of: impl Fn(&Request) -> Cursor,
) -> Result<Page<Request>> {
    let found: Vec<PgRow> = query.fetch_all(pool).await.map_err(storage)?;
    let items = found
        .iter()
        .map(rows::request)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit(), cursor_of))
}

/// `at` as a bound on a `timestamptz` column: at the microsecond precision of the columns
/// (rounded down, as the key-value stores do when they order by time), and no earlier than
/// the earliest time PostgreSQL keeps (4714-11-24 BC), before which nothing can be stored.
pub(crate) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    let at = DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    match DateTime::from_timestamp(EARLIEST_POSTGRES_TIME, 0) {
        Some(earliest) => at.max(earliest),
        None => at,
    }
}

/// 4714-11-24 00:00:00 BC (Julian day 0), in seconds since the epoch: the earliest
/// `timestamptz`.
const EARLIEST_POSTGRES_TIME: i64 = -210_866_803_200;

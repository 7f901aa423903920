//! The reads of the [`crm_core::store::Store`] contract, one SQL statement each (one snapshot).
//!
//! Orders and cursors are those of the contract, made exactly as the key-value stores make
//! them, so pages and cursors are identical across backends. Paged queries fetch one row more
//! than the page to know whether more follow ([`Page::from_overfetch`]). A cursor of a query
//! ordered by id becomes the lower bound `id >= cursor + 1`, which the primary key's index
//! serves directly.

use crate::error::storage;
use crate::rows::{self, *};
use chrono::{DateTime, Utc};
use crm_core::audit::AuditEntry;
use crm_core::customer::Customer;
use crm_core::id::{CustomerId, WorkspaceId};
use crm_core::interaction::Interaction;
use crm_core::outbox::{OutboxMessage, OutboxStatus};
use crm_core::request::{Request, RoutingRule};
use crm_core::staff::{Department, Staff};
use crm_core::store::{Cursor, CustomerFilter, Page, PageRequest, Record, RecordKind};
use crm_core::{Result, store::Entity};
use sqlx::PgPool;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// [`crm_core::store::Store::get`].
pub(crate) async fn get(
    pool: &PgPool,
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
) -> Result<Option<Record>> {
    let (sql, decode): (&'static str, fn(&PgRow) -> Result<Record>) = match kind {
        RecordKind::Workspace => (
            concat!(
                "SELECT ",
                workspace_columns!(),
                " FROM workspaces WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::workspace(r).map(Entity::into_record),
        ),
        RecordKind::Customer => (
            concat!(
                "SELECT ",
                customer_columns!(),
                " FROM customers c WHERE c.workspace_id = $1 AND c.id = $2"
            ),
            |r| rows::customer(r).map(Entity::into_record),
        ),
        RecordKind::Interaction => (
            concat!(
                "SELECT ",
                interaction_columns!(),
                " FROM interactions WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::interaction(r).map(Entity::into_record),
        ),
        RecordKind::Staff => (
            concat!(
                "SELECT ",
                staff_columns!(),
                " FROM staff WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::staff(r).map(Entity::into_record),
        ),
        RecordKind::Department => (
            concat!(
                "SELECT ",
                department_columns!(),
                " FROM departments WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::department(r).map(Entity::into_record),
        ),
        RecordKind::Audit => (
            concat!(
                "SELECT ",
                audit_columns!(),
                " FROM audit_entries WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::audit(r).map(Entity::into_record),
        ),
        RecordKind::Outbox => (
            concat!(
                "SELECT ",
                outbox_columns!(),
                " FROM outbox WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::outbox(r).map(Entity::into_record),
        ),
        RecordKind::Request => (
            concat!(
                "SELECT ",
                request_columns!(),
                " FROM requests r WHERE r.workspace_id = $1 AND r.id = $2"
            ),
            |r| rows::request(r).map(Entity::into_record),
        ),
        RecordKind::RoutingRule => (
            concat!(
                "SELECT ",
                routing_rule_columns!(),
                " FROM routing_rules WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::routing_rule(r).map(Entity::into_record),
        ),
        RecordKind::Counter => (
            concat!(
                "SELECT ",
                counter_columns!(),
                " FROM counters WHERE workspace_id = $1 AND id = $2"
            ),
            |r| rows::counter(r).map(Entity::into_record),
        ),
        // A kind this version does not store cannot have been stored.
        _ => return Ok(None),
    };
    let row = sqlx::query(sql)
        .bind(ws.0)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(storage)?;
    row.as_ref().map(decode).transpose()
}

/// [`crm_core::store::Store::customer_by_contact`].
pub(crate) async fn customer_by_contact(
    pool: &PgPool,
    ws: WorkspaceId,
    key: &str,
) -> Result<Option<Customer>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        customer_columns!(),
        " FROM contact_points k JOIN customers c \
           ON c.workspace_id = k.workspace_id AND c.id = k.customer_id \
         WHERE k.workspace_id = $1 AND k.key = $2 AND k.claims_key"
    ))
    .bind(ws.0)
    .bind(key)
    .fetch_optional(pool)
    .await
    .map_err(storage)?;
    row.as_ref().map(rows::customer).transpose()
}

/// [`crm_core::store::Store::staff_by_email`].
pub(crate) async fn staff_by_email(
    pool: &PgPool,
    ws: WorkspaceId,
    email: &str,
) -> Result<Option<Staff>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        staff_columns!(),
        " FROM staff WHERE workspace_id = $1 AND email = $2"
    ))
    .bind(ws.0)
    .bind(email)
    .fetch_optional(pool)
    .await
    .map_err(storage)?;
    row.as_ref().map(rows::staff).transpose()
}

/// [`crm_core::store::Store::search_customers`]: the customers found by a btree range over the
/// longest token's prefix, kept when every token prefixes one of their tokens.
pub(crate) async fn search_customers(
    pool: &PgPool,
    ws: WorkspaceId,
    tokens: &[String],
    page: &PageRequest,
) -> Result<Page<Customer>> {
    let Some(longest) = tokens.iter().max_by_key(|t| t.len()) else {
        return Ok(empty());
    };
    let Some(from) = lower_bound(page)? else {
        return Ok(empty());
    };
    let rows = sqlx::query(concat!(
        "SELECT ",
        customer_columns!(),
        " FROM customers c \
         WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND c.id >= $2 \
           AND c.id IN (SELECT t.customer_id FROM customer_tokens t \
                        WHERE t.workspace_id = $1 AND t.token >= $3 \
                          AND ($4::text IS NULL OR t.token < $4)) \
           AND NOT EXISTS ( \
                 SELECT 1 FROM unnest($5::text[]) AS q(token) \
                 WHERE NOT EXISTS ( \
                     SELECT 1 FROM customer_tokens t \
                     WHERE t.workspace_id = $1 AND t.customer_id = c.id \
                       AND starts_with(t.token, q.token))) \
         ORDER BY c.id LIMIT $6"
    ))
    .bind(ws.0)
    .bind(from)
    .bind(longest.as_str())
    .bind(prefix_end(longest))
    .bind(tokens)
    .bind(overfetch(page))
    .fetch_all(pool)
    .await
    .map_err(storage)?;
    by_id(&rows, rows::customer, page, |c| c.id.0)
}

/// [`crm_core::store::Store::list_customers`]: driven by the most selective index the filter
/// allows (tag, then owner, then stage), the other conditions checked on the way.
pub(crate) async fn list_customers(
    pool: &PgPool,
    ws: WorkspaceId,
    filter: &CustomerFilter,
    page: &PageRequest,
) -> Result<Page<Customer>> {
    let Some(from) = lower_bound(page)? else {
        return Ok(empty());
    };
    let stage = filter.stage.map(|s| s.as_str());
    let owner = filter.owner.map(|o| o.0);
    let limit = overfetch(page);
    let query = match (&filter.tag, owner, stage) {
        (Some(tag), _, _) => sqlx::query(concat!(
            "SELECT ",
            customer_columns!(),
            " FROM customer_tags g JOIN customers c \
               ON c.workspace_id = g.workspace_id AND c.id = g.customer_id \
             WHERE g.workspace_id = $1 AND g.tag = $2 AND g.customer_id >= $3 \
               AND c.merged_into IS NULL \
               AND ($4::text IS NULL OR c.stage = $4) \
               AND ($5::uuid IS NULL OR c.owner_id = $5) \
             ORDER BY g.customer_id LIMIT $6"
        ))
        .bind(ws.0)
        .bind(tag.as_str())
        .bind(from)
        .bind(stage)
        .bind(owner)
        .bind(limit),
        (None, Some(owner), _) => sqlx::query(concat!(
            "SELECT ",
            customer_columns!(),
            " FROM customers c \
             WHERE c.workspace_id = $1 AND c.owner_id = $2 AND c.id >= $3 \
               AND c.merged_into IS NULL AND ($4::text IS NULL OR c.stage = $4) \
             ORDER BY c.id LIMIT $5"
        ))
        .bind(ws.0)
        .bind(owner)
        .bind(from)
        .bind(stage)
        .bind(limit),
        (None, None, Some(stage)) => sqlx::query(concat!(
            "SELECT ",
            customer_columns!(),
            " FROM customers c \
             WHERE c.workspace_id = $1 AND c.stage = $2 AND c.id >= $3 \
               AND c.merged_into IS NULL \
             ORDER BY c.id LIMIT $4"
        ))
        .bind(ws.0)
        .bind(stage)
        .bind(from)
        .bind(limit),
        (None, None, None) => sqlx::query(concat!(
            "SELECT ",
            customer_columns!(),
            " FROM customers c \
             WHERE c.workspace_id = $1 AND c.id >= $2 AND c.merged_into IS NULL \
             ORDER BY c.id LIMIT $3"
        ))
        .bind(ws.0)
        .bind(from)
        .bind(limit),
    };
    let rows = query.fetch_all(pool).await.map_err(storage)?;
    by_id(&rows, rows::customer, page, |c| c.id.0)
}

/// [`crm_core::store::Store::interactions`]: newest first, by `(occurred_at, id)` descending.
pub(crate) async fn interactions(
    pool: &PgPool,
    ws: WorkspaceId,
    customer: CustomerId,
    page: &PageRequest,
) -> Result<Page<Interaction>> {
    let query = match page.cursor() {
        Some(cursor) => {
            let (at, id) = cursor.time_id()?;
            let at = crate::cartable::micros(at);
            sqlx::query(concat!(
                "SELECT ",
                interaction_columns!(),
                " FROM interactions \
                 WHERE workspace_id = $1 AND customer_id = $2 AND (occurred_at, id) < ($4, $5) \
                 ORDER BY occurred_at DESC, id DESC LIMIT $3"
            ))
            .bind(ws.0)
            .bind(customer.0)
            .bind(overfetch(page))
            .bind(at)
            .bind(id)
        }
        None => sqlx::query(concat!(
            "SELECT ",
            interaction_columns!(),
            " FROM interactions WHERE workspace_id = $1 AND customer_id = $2 \
             ORDER BY occurred_at DESC, id DESC LIMIT $3"
        ))
        .bind(ws.0)
        .bind(customer.0)
        .bind(overfetch(page)),
    };
    let rows = query.fetch_all(pool).await.map_err(storage)?;
    let items = rows
        .iter()
        .map(rows::interaction)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit(), |i| {
        Cursor::from_time_id(i.occurred_at, i.id.0)
    }))
}

/// [`crm_core::store::Store::list_staff`].
pub(crate) async fn list_staff(
    pool: &PgPool,
    ws: WorkspaceId,
    page: &PageRequest,
) -> Result<Page<Staff>> {
    let sql = concat!(
        "SELECT ",
        staff_columns!(),
        " FROM staff WHERE workspace_id = $1 AND id >= $2 ORDER BY id LIMIT $3"
    );
    list_by_id(pool, ws, page, sql, rows::staff, |s| s.id.0).await
}

/// [`crm_core::store::Store::list_departments`].
pub(crate) async fn list_departments(
    pool: &PgPool,
    ws: WorkspaceId,
    page: &PageRequest,
) -> Result<Page<Department>> {
    let sql = concat!(
        "SELECT ",
        department_columns!(),
        " FROM departments WHERE workspace_id = $1 AND id >= $2 ORDER BY id LIMIT $3"
    );
    list_by_id(pool, ws, page, sql, rows::department, |d| d.id.0).await
}

/// [`crm_core::store::Store::outbox_due`].
pub(crate) async fn outbox_due(
    pool: &PgPool,
    ws: WorkspaceId,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OutboxMessage>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE workspace_id = $1 AND status = 'pending' AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $3"
    ))
    .bind(ws.0)
    .bind(crate::cartable::micros(now))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(storage)?;
    rows.iter().map(rows::outbox).collect()
}

/// [`crm_core::store::Store::list_outbox`].
pub(crate) async fn list_outbox(
    pool: &PgPool,
    ws: WorkspaceId,
    status: OutboxStatus,
    page: &PageRequest,
) -> Result<Page<OutboxMessage>> {
    let Some(from) = lower_bound(page)? else {
        return Ok(empty());
    };
    let rows = sqlx::query(concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE workspace_id = $1 AND status = $2 AND id >= $3 ORDER BY id LIMIT $4"
    ))
    .bind(ws.0)
    .bind(status.as_str())
    .bind(from)
    .bind(overfetch(page))
    .fetch_all(pool)
    .await
    .map_err(storage)?;
    by_id(&rows, rows::outbox, page, |m| m.id.0)
}

/// [`crm_core::store::Store::audit`].
pub(crate) async fn audit(
    pool: &PgPool,
    ws: WorkspaceId,
    record: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<AuditEntry>> {
    let Some(record) = record else {
        let sql = concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_entries WHERE workspace_id = $1 AND id >= $2 ORDER BY id LIMIT $3"
        );
        return list_by_id(pool, ws, page, sql, rows::audit, |a| a.id.0).await;
    };
    let Some(from) = lower_bound(page)? else {
        return Ok(empty());
    };
    let rows = sqlx::query(concat!(
        "SELECT ",
        audit_columns!(),
        " FROM audit_entries WHERE workspace_id = $1 AND record_id = $2 AND id >= $3 \
         ORDER BY id LIMIT $4"
    ))
    .bind(ws.0)
    .bind(record)
    .bind(from)
    .bind(overfetch(page))
    .fetch_all(pool)
    .await
    .map_err(storage)?;
    by_id(&rows, rows::audit, page, |a| a.id.0)
}

/// [`crm_core::store::Store::request_by_key`].
pub(crate) async fn request_by_key(
    pool: &PgPool,
    ws: WorkspaceId,
    key: &str,
) -> Result<Option<Request>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        request_columns!(),
        " FROM request_keys k JOIN requests r \
           ON r.workspace_id = k.workspace_id AND r.id = k.request_id \
         WHERE k.workspace_id = $1 AND k.key = $2"
    ))
    .bind(ws.0)
    .bind(key)
    .fetch_optional(pool)
    .await
    .map_err(storage)?;
    row.as_ref().map(rows::request).transpose()
}

/// [`crm_core::store::Store::list_routing_rules`].
pub(crate) async fn list_routing_rules(
    pool: &PgPool,
    ws: WorkspaceId,
    page: &PageRequest,
) -> Result<Page<RoutingRule>> {
    let sql = concat!(
        "SELECT ",
        routing_rule_columns!(),
        " FROM routing_rules WHERE workspace_id = $1 AND id >= $2 ORDER BY id LIMIT $3"
    );
    list_by_id(pool, ws, page, sql, rows::routing_rule, |r| r.id.0).await
}

/// A page of a table ordered by id: `sql` takes the workspace, the lower bound and the limit.
async fn list_by_id<T>(
    pool: &PgPool,
    ws: WorkspaceId,
    page: &PageRequest,
    sql: &'static str,
    decode: fn(&PgRow) -> Result<T>,
    id_of: fn(&T) -> Uuid,
) -> Result<Page<T>> {
    let Some(from) = lower_bound(page)? else {
        return Ok(empty());
    };
    let rows = sqlx::query(sql)
        .bind(ws.0)
        .bind(from)
        .bind(overfetch(page))
        .fetch_all(pool)
        .await
        .map_err(storage)?;
    by_id(&rows, decode, page, id_of)
}

fn by_id<T>(
    rows: &[PgRow],
    decode: fn(&PgRow) -> Result<T>,
    page: &PageRequest,
    id_of: fn(&T) -> Uuid,
) -> Result<Page<T>> {
    let items = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
    Ok(Page::from_overfetch(items, page.limit(), |t| {
        Cursor::from_id(id_of(t))
    }))
}

/// The smallest id a page ordered by id may start at: the nil id for the first page, the
/// cursor's id plus one after it; `None` when nothing can follow the cursor.
fn lower_bound(page: &PageRequest) -> Result<Option<Uuid>> {
    match page.cursor() {
        None => Ok(Some(Uuid::nil())),
        Some(cursor) => {
            let after = cursor.id()?.as_u128();
            Ok(after.checked_add(1).map(Uuid::from_u128))
        }
    }
}

/// The page length plus one, as a SQL limit.
pub(crate) fn overfetch(page: &PageRequest) -> i64 {
    i64::try_from(page.limit()).map_or(i64::MAX, |l| l + 1)
}

fn empty<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        next: None,
    }
}

/// The smallest string after every string that starts with `prefix`, in code point (and so
/// UTF-8 byte, `COLLATE "C"`) order; `None` when there is none (or `prefix` is empty).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_bounds_every_extension() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end("").as_deref(), None);
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{D7FF}").as_deref(), Some("\u{E000}"));
        let end = prefix_end("علی").unwrap_or_default();
        assert!("علی".as_bytes() < end.as_bytes());
        assert!("علیرضا".as_bytes() < end.as_bytes());
    }
}

//! The outbox as a queue: what is due, and the messages by status.

use super::{BY_RECORD, BY_STATUS, DUE, OutboxMessage, OutboxStatus, REPORTS_DUE, status_rank};
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::record::Key;
use crate::store::{Page, PageRequest, Scan, Store, StoreExt};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Up to `limit` pending messages whose next attempt is at or before `now`, by that time, then
/// id.
///
/// # Errors
/// [`crate::Error::Storage`] or [`crate::Error::Corrupted`] from the store.
pub async fn due<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OutboxMessage>> {
    up_to(store, ws, DUE, now, limit).await
}

/// Up to `limit` messages of a time-keyed `index` whose time is at or before `now`.
async fn up_to<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    index: crate::record::Index,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OutboxMessage>> {
    let mut scan = Scan::index(index).limit(limit);
    if let Some(end) = Key::new().time(now).prefix_end() {
        scan = scan.until(&end);
    }
    let page = store.page(ws, scan, &PageRequest::first(limit)).await?;
    Ok(page.items)
}

/// Messages with `status`, by id.
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another list.
pub async fn by_status<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    status: OutboxStatus,
    page: &PageRequest,
) -> Result<Page<OutboxMessage>> {
    let scan = Scan::index(BY_STATUS).prefix(&Key::new().u8(status_rank(status)));
    store.page(ws, scan, page).await
}

/// Up to `limit` sent messages awaiting a delivery report whose time to ask is at or before
/// `now`.
///
/// # Errors
/// [`crate::Error::Storage`] or [`crate::Error::Corrupted`] from the store.
pub async fn reports_due<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OutboxMessage>> {
    up_to(store, ws, REPORTS_DUE, now, limit).await
}

/// The messages about record `id` (a request, a customer), oldest first: what was sent to
/// whom on which channel, and what became of it.
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another list.
pub async fn about<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    id: Uuid,
    page: &PageRequest,
) -> Result<Page<OutboxMessage>> {
    let scan = Scan::index(BY_RECORD).prefix(&Key::new().id(id));
    store.page(ws, scan, page).await
}

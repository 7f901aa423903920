//! The outbox as a queue: what is due, and the messages by status.

use super::{BY_STATUS, DUE, OutboxMessage, OutboxStatus, status_rank};
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::record::Key;
use crate::store::{Page, PageRequest, Scan, Store, StoreExt};
use chrono::{DateTime, Utc};

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
    let mut scan = Scan::index(DUE).limit(limit);
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

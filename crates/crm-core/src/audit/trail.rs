//! Reading the audit trail.

use super::{AuditEntry, BY_RECORD};
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::record::{Entity, Key};
use crate::store::{Page, PageRequest, Scan, Store, StoreExt};
use uuid::Uuid;

/// Audit entries of `ws`, oldest first (by id); only those about `record` when given.
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another list.
pub async fn trail<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    record: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<AuditEntry>> {
    let scan = match record {
        Some(record) => Scan::index(BY_RECORD).prefix(&Key::new().id(record)),
        None => Scan::records(AuditEntry::KIND),
    };
    store.page(ws, scan, page).await
}

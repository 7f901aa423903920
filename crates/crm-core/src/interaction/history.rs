//! A customer's history of interactions.

use super::{BY_CUSTOMER, Interaction};
use crate::error::Result;
use crate::id::{CustomerId, WorkspaceId};
use crate::record::Key;
use crate::store::{Page, PageRequest, Scan, Store, StoreExt};

/// The interactions of `customer`, newest first (by `occurred_at`, then id, descending).
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another list.
pub async fn history<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    customer: CustomerId,
    page: &PageRequest,
) -> Result<Page<Interaction>> {
    let scan = Scan::index(BY_CUSTOMER)
        .prefix(&Key::new().id(customer.0))
        .reverse();
    store.page(ws, scan, page).await
}

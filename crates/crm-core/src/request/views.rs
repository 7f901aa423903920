//! The cartable's views: which requests each list shows, in which order.

use super::indexes::{
    AWAITING_REVIEW, BY_CREATED, BY_CUSTOMER, BY_DUE, BY_FOLLOWER, BY_HOLDER, POSSIBLE_DUPLICATES,
    holder_key,
};
use super::{Holder, Request};
use crate::error::Result;
use crate::id::{CustomerId, StaffId, WorkspaceId};
use crate::record::Key;
use crate::store::{Page, PageRequest, Scan, SnapshotExt, Store, StoreExt};
use chrono::{DateTime, Utc};

/// Which requests [`view`] returns, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestView {
    /// Active requests held by the holder, by priority (urgent first), then due time (none
    /// last), then id.
    Holder(Holder),
    /// Resolved requests whose reviewing officer is this staff member or nobody; order as
    /// [`RequestView::Holder`].
    AwaitingReview(StaffId),
    /// Active requests this staff member follows; order as [`RequestView::Holder`].
    FollowedBy(StaffId),
    /// Active requests whose current deadline is before this time; order as
    /// [`RequestView::Holder`].
    Overdue(DateTime<Utc>),
    /// Active possible duplicates; order as [`RequestView::Holder`].
    PossibleDuplicates,
    /// Every request of the customer, newest first by creation time, then id descending.
    Customer(CustomerId),
    /// Every request created in `[from, to)`, by creation time, then id.
    Created {
        /// First instant included.
        from: DateTime<Utc>,
        /// First instant excluded.
        to: DateTime<Utc>,
    },
}

/// The requests of `view` in `ws`, in the order the view states.
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another view.
pub async fn view<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    view: &RequestView,
    page: &PageRequest,
) -> Result<Page<Request>> {
    let scan = match view {
        RequestView::Holder(holder) => Scan::index(BY_HOLDER).prefix(&holder_key(holder)),
        RequestView::FollowedBy(staff) => Scan::index(BY_FOLLOWER).prefix(&Key::new().id(staff.0)),
        RequestView::PossibleDuplicates => Scan::index(POSSIBLE_DUPLICATES),
        RequestView::Customer(customer) => Scan::index(BY_CUSTOMER)
            .prefix(&Key::new().id(customer.0))
            .reverse(),
        RequestView::Created { from, to } => Scan::index(BY_CREATED)
            .from(&Key::new().time(*from))
            .until(&Key::new().time(*to)),
        RequestView::AwaitingReview(staff) => {
            let staff = *staff;
            let mut snapshot = store.snapshot(ws).await?;
            return snapshot
                .page_where(Scan::index(AWAITING_REVIEW), page, move |r: &Request| {
                    r.officer.is_none_or(|o| o == staff)
                })
                .await;
        }
        RequestView::Overdue(now) => {
            // One range per priority: rank, then a due time before `now`.
            let ranges = (0..=3u8)
                .map(|rank| {
                    Scan::index(BY_DUE)
                        .from(&Key::new().u8(rank))
                        .until(&Key::new().u8(rank).time(*now))
                })
                .collect();
            let mut snapshot = store.snapshot(ws).await?;
            return snapshot.page_across(ranges, page).await;
        }
    };
    store.page(ws, scan, page).await
}

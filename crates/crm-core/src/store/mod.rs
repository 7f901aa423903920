//! The storage contract: one atomic commit of a whole change, and the reads the services need.
//!
//! A backend stores and indexes; it decides no business rule. Every method takes the
//! [`WorkspaceId`] it works in, and nothing of one workspace is visible from another.
//!
//! # Implementing your own store
//!
//! Implement [`Store`] for your type and run the conformance suite of `crm-testkit`
//! against it (`crm_testkit::store_conformance_tests!`). The key-value layout in [`kv`]
//! (index keys and their order) is there for backends that keep ordered keys.
//!
//! ```
//! use crm_core::store::{Store, Capabilities};
//! use std::sync::Arc;
//! // Any store can be used as `Arc<dyn Store>`:
//! fn describe(store: Arc<dyn Store>) -> Capabilities { store.capabilities() }
//! ```

mod commit;
pub mod kv;
mod page;
mod record;

pub use commit::{Commit, Write};
pub use page::{Cursor, MAX_PAGE, Page, PageRequest};
pub use record::{Counter, Entity, Record, RecordKind, RecordRef, staff_email_key};

use crate::audit::AuditEntry;
use crate::customer::{Customer, LifecycleStage};
use crate::error::{Error, Result};
use crate::id::{CustomerId, StaffId, WorkspaceId};
use crate::interaction::Interaction;
use crate::outbox::{OutboxMessage, OutboxStatus};
use crate::request::{Holder, Request, RoutingRule};
use crate::staff::{Department, Staff};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Which customers [`Store::list_customers`] returns. Empty filter: every live (not merged)
/// customer. Each set field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    /// Only customers at this stage.
    pub stage: Option<LifecycleStage>,
    /// Only customers owned by this staff member.
    pub owner: Option<StaffId>,
    /// Only customers with this tag (normalised form).
    pub tag: Option<String>,
}

impl CustomerFilter {
    /// True when `customer` passes the filter (merged customers never do).
    pub fn matches(&self, customer: &Customer) -> bool {
        customer.merged_into.is_none()
            && self.stage.is_none_or(|s| customer.stage == s)
            && self.owner.is_none_or(|o| customer.owner == Some(o))
            && self.tag.as_ref().is_none_or(|t| customer.tags.contains(t))
    }
}

/// Which requests [`Store::requests`] returns, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestView {
    /// Active requests held by the holder, by priority (urgent first), then due time (none
    /// last), then id. Cursor: [`Cursor::from_rank_time_id`].
    Holder(Holder),
    /// Resolved requests whose reviewing officer is this staff member or nobody; order and
    /// cursor as [`RequestView::Holder`].
    AwaitingReview(StaffId),
    /// Active requests this staff member follows; order and cursor as [`RequestView::Holder`].
    FollowedBy(StaffId),
    /// Active requests whose current deadline is before this time; order and cursor as
    /// [`RequestView::Holder`].
    Overdue(DateTime<Utc>),
    /// Active possible duplicates; order and cursor as [`RequestView::Holder`].
    PossibleDuplicates,
    /// Every request of the customer, newest first by creation time, then id descending.
    /// Cursor: [`Cursor::from_time_id`].
    Customer(CustomerId),
    /// Every request created in `[from, to)`, by creation time, then id.
    /// Cursor: [`Cursor::from_time_id`].
    Created {
        /// First instant included.
        from: DateTime<Utc>,
        /// First instant excluded.
        to: DateTime<Utc>,
    },
}

/// What a backend provides beyond the common contract, for callers and the test suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// An acknowledged commit survives a crash of the process (and, where the backend says
    /// so, of the machine).
    pub durable: bool,
    /// Several processes may use the same data at once.
    pub multi_process: bool,
}

impl Capabilities {
    /// Capabilities with the given flags.
    pub fn new(durable: bool, multi_process: bool) -> Self {
        Self {
            durable,
            multi_process,
        }
    }
}

/// A backend that keeps workspaces' records and indexes.
///
/// Contract shared by every method:
/// - Reads and writes are scoped to `ws`; ids of another workspace are "not found".
/// - A failure of the backend is [`Error::Storage`] (or [`Error::Corrupted`] for undecodable
///   bytes); it never leaves a commit half-applied.
/// - Pages follow the order each method states; [`Page::next`] is set exactly when more
///   items follow, and is the [`Cursor`] of the last item, made as the method states.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// What this backend provides beyond the common contract.
    fn capabilities(&self) -> Capabilities;

    /// Applies every write of `commit` in order, atomically: all or nothing.
    ///
    /// - A put of a record at version `n` requires the stored version to be `n - 1`
    ///   (absent counts as 0); a delete at version `v` requires exactly `v`. Otherwise:
    ///   [`Error::Conflict`] with [`crate::Conflict::StaleVersion`].
    /// - Every unique key a record claims ([`Record::unique_keys`]) must be free or held by
    ///   the same record once the write is applied; keys a record no longer claims are
    ///   released. A key held by another record: [`crate::Conflict::KeyTaken`].
    /// - Indexes are updated in the same commit.
    /// - When this returns `Ok`, the commit is durable as far as [`Capabilities::durable`]
    ///   and the backend's configuration say.
    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()>;

    /// The record of `kind` with `id`, if stored.
    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>>;

    /// The customer holding the canonical contact `key` (e.g. `tel:+989121234567`).
    async fn customer_by_contact(&self, ws: WorkspaceId, key: &str) -> Result<Option<Customer>>;

    /// The staff member with this normalised work email.
    async fn staff_by_email(&self, ws: WorkspaceId, email: &str) -> Result<Option<Staff>>;

    /// Live customers of whom every one of `tokens` (normalised, non-empty) is a prefix of at
    /// least one of [`Customer::search_tokens`]. Ordered by id; cursor: [`Cursor::from_id`].
    /// An empty `tokens` matches nothing.
    async fn search_customers(
        &self,
        ws: WorkspaceId,
        tokens: &[String],
        page: &PageRequest,
    ) -> Result<Page<Customer>>;

    /// Customers passing `filter`, ordered by id; cursor: [`Cursor::from_id`].
    async fn list_customers(
        &self,
        ws: WorkspaceId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>>;

    /// A customer's interactions, newest first: by `occurred_at` descending, then id
    /// descending; cursor: [`Cursor::from_time_id`] of `occurred_at` and id.
    async fn interactions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>>;

    /// Staff members, ordered by id; cursor: [`Cursor::from_id`].
    async fn list_staff(&self, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>>;

    /// Departments, ordered by id; cursor: [`Cursor::from_id`].
    async fn list_departments(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<Department>>;

    /// Up to `limit` pending outbox messages whose `next_attempt_at` is at or before `now`,
    /// ordered by `next_attempt_at`, then id.
    async fn outbox_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>>;

    /// Outbox messages with `status`, ordered by id; cursor: [`Cursor::from_id`].
    async fn list_outbox(
        &self,
        ws: WorkspaceId,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>>;

    /// Requests in `view`, in the order and with the cursor the view states.
    async fn requests(
        &self,
        ws: WorkspaceId,
        view: &RequestView,
        page: &PageRequest,
    ) -> Result<Page<Request>>;

    /// The request holding unique `key` (see [`Request::unique_keys`]: a number, a message,
    /// a thread).
    async fn request_by_key(&self, ws: WorkspaceId, key: &str) -> Result<Option<Request>>;

    /// Routing rules, ordered by id; cursor: [`Cursor::from_id`].
    async fn list_routing_rules(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<RoutingRule>>;

    /// Audit entries, oldest first (by id); only those about `record` when given.
    /// Cursor: [`Cursor::from_id`].
    async fn audit(
        &self,
        ws: WorkspaceId,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>>;
}

/// Typed reads over any [`Store`].
#[async_trait]
pub trait StoreExt: Store {
    /// The record of type `T` with `id`, if stored.
    async fn load<T: Entity>(&self, ws: WorkspaceId, id: Uuid) -> Result<Option<T>> {
        Ok(self.get(ws, T::KIND, id).await?.and_then(T::from_record))
    }

    /// The record of type `T` with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    async fn fetch<T: Entity>(&self, ws: WorkspaceId, id: Uuid) -> Result<T> {
        self.load(ws, id)
            .await?
            .ok_or(Error::NotFound { kind: T::KIND, id })
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

//! crm-store-memory: the in-memory [`Store`] of crm-rs.
//!
//! Everything lives in ordered maps behind one lock; a commit stages its writes on top of the
//! current state and applies them only when every check passed, so a failed commit changes
//! nothing. Nothing survives the process ([`Capabilities::durable`] is false): use it for
//! tests, prototypes, and as the reference the other stores are compared with.
//!
//! ```
//! use crm_core::{Crm, service::NewStaff, staff::Role};
//! use crm_store_memory::MemoryStore;
//! use std::sync::Arc;
//!
//! # tokio_test();
//! # fn tokio_test() { tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let crm = Crm::new(Arc::new(MemoryStore::new()));
//! let (ws, admin) = crm.create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin)).await?;
//! let session = crm.session(ws.id, admin.id).await?;
//! assert!(session.list_staff(&crm_core::store::PageRequest::first(10)).await?.items.len() == 1);
//! # Ok::<(), crm_core::Error>(()) }).unwrap() }
//! ```

mod staged;

use async_trait::async_trait;
use crm_core::Result;
use crm_core::audit::AuditEntry;
use crm_core::customer::Customer;
use crm_core::id::{CustomerId, WorkspaceId};
use crm_core::interaction::Interaction;
use crm_core::outbox::{OutboxMessage, OutboxStatus};
use crm_core::staff::{Department, Staff};
use crm_core::store::kv::{self, KeyRange, KvRead};
use crm_core::store::{
    Capabilities, Commit, CustomerFilter, Page, PageRequest, Record, RecordKind, Store,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::RwLock;
use uuid::Uuid;

type RecordKey = (Uuid, u8, Uuid);

/// The whole state: records, unique keys and index entries of every workspace.
#[derive(Debug, Default)]
struct Data {
    records: BTreeMap<RecordKey, Record>,
    unique: HashMap<Vec<u8>, Uuid>,
    index: BTreeSet<Vec<u8>>,
}

/// The in-memory store. Cheap to create; share it as `Arc<MemoryStore>` or `Arc<dyn Store>`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    data: RwLock<Data>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read<T>(&self, f: impl FnOnce(&Data) -> Result<T>) -> Result<T> {
        // A poisoned lock means a panic mid-read elsewhere; commits apply only after every
        // check passed, so the data itself is consistent.
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        f(&data)
    }
}

fn record_key(ws: WorkspaceId, kind: RecordKind, id: Uuid) -> RecordKey {
    (ws.0, kind.tag(), id)
}

impl KvRead for Data {
    fn record(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        Ok(self.records.get(&record_key(ws, kind, id)).cloned())
    }

    fn unique_owner(&self, key: &[u8]) -> Result<Option<Uuid>> {
        Ok(self.unique.get(key).copied())
    }

    fn index_scan(
        &self,
        range: KeyRange,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>>> + '_> {
        if range.start >= range.end {
            return Box::new(std::iter::empty());
        }
        let keys = self.index.range(range.start..range.end).cloned().map(Ok);
        if reverse {
            Box::new(keys.rev())
        } else {
            Box::new(keys)
        }
    }

    fn record_ids(
        &self,
        ws: WorkspaceId,
        kind: RecordKind,
        after: Option<Uuid>,
    ) -> Box<dyn Iterator<Item = Result<Uuid>> + '_> {
        let start = record_key(ws, kind, after.unwrap_or(Uuid::nil()));
        let end = record_key(ws, kind, Uuid::max());
        let ids = self
            .records
            .range(start..=end)
            .map(|((_, _, id), _)| *id)
            .filter(move |id| after.is_none_or(|a| *id > a))
            .map(Ok);
        Box::new(ids)
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(false, false)
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        let changes = staged::stage(&data, ws, &commit)?;
        changes.apply_to(&mut data);
        Ok(())
    }

    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        self.read(|d| kv::get(d, ws, kind, id))
    }

    async fn customer_by_contact(&self, ws: WorkspaceId, key: &str) -> Result<Option<Customer>> {
        self.read(|d| kv::customer_by_contact(d, ws, key))
    }

    async fn staff_by_email(&self, ws: WorkspaceId, email: &str) -> Result<Option<Staff>> {
        self.read(|d| kv::staff_by_email(d, ws, email))
    }

    async fn search_customers(
        &self,
        ws: WorkspaceId,
        tokens: &[String],
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        self.read(|d| kv::search_customers(d, ws, tokens, page))
    }

    async fn list_customers(
        &self,
        ws: WorkspaceId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        self.read(|d| kv::list_customers(d, ws, filter, page))
    }

    async fn interactions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>> {
        self.read(|d| kv::interactions(d, ws, customer, page))
    }

    async fn list_staff(&self, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>> {
        self.read(|d| kv::list_staff(d, ws, page))
    }

    async fn list_departments(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<Department>> {
        self.read(|d| kv::list_departments(d, ws, page))
    }

    async fn outbox_due(
        &self,
        ws: WorkspaceId,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        self.read(|d| kv::outbox_due(d, ws, now, limit))
    }

    async fn list_outbox(
        &self,
        ws: WorkspaceId,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>> {
        self.read(|d| kv::list_outbox(d, ws, status, page))
    }

    async fn requests(
        &self,
        ws: WorkspaceId,
        view: &crm_core::store::RequestView,
        page: &PageRequest,
    ) -> Result<Page<crm_core::request::Request>> {
        self.read(|d| kv::requests(d, ws, view, page))
    }

    async fn request_by_key(
        &self,
        ws: WorkspaceId,
        key: &str,
    ) -> Result<Option<crm_core::request::Request>> {
        self.read(|d| kv::request_by_key(d, ws, key))
    }

    async fn list_routing_rules(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<crm_core::request::RoutingRule>> {
        self.read(|d| kv::list_routing_rules(d, ws, page))
    }

    async fn audit(
        &self,
        ws: WorkspaceId,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        self.read(|d| kv::audit(d, ws, record, page))
    }
}

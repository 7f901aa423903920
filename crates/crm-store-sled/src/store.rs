//! [`SledStore`]: opening, flushing, and the [`Store`] contract over the key-value engine.

use crate::config::{Durability, SledConfig};
use crate::error::{open_error, storage};
use crate::flush::GroupCommit;
use crate::read::Trees;
use crate::{schema, txn};
use async_trait::async_trait;
use crm_core::Result;
use crm_core::audit::AuditEntry;
use crm_core::customer::Customer;
use crm_core::id::{CustomerId, WorkspaceId};
use crm_core::interaction::Interaction;
use crm_core::outbox::{OutboxMessage, OutboxStatus};
use crm_core::staff::{Department, Staff};
use crm_core::store::kv;
use crm_core::store::{
    Capabilities, Commit, CustomerFilter, Page, PageRequest, Record, RecordKind, Store,
};
use uuid::Uuid;

/// The sled store: durable, embedded, one process at a time. See the [crate] docs.
///
/// Share it as `Arc<SledStore>` or `Arc<dyn Store>`. Dropping the last handle closes the
/// database (sled then writes out whatever is still in memory, blocking) and releases the
/// lock on its directory.
#[derive(Debug)]
pub struct SledStore {
    db: sled::Db,
    trees: Trees,
    durability: Durability,
    group: GroupCommit,
}

impl SledStore {
    /// Opens (or creates) the store at `config.path`.
    ///
    /// This blocks: sled reads its log and recovers what a crash left. In async code, open
    /// at start-up or inside `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    /// - [`crm_core::Error::Locked`] when the directory is open already, in another process
    ///   or in this one (sled holds an exclusive lock on its `db` file while open).
    /// - [`crm_core::Error::SchemaTooNew`] when a newer crm-rs wrote the data; nothing is
    ///   changed.
    /// - [`crm_core::Error::Corrupted`] for an unreadable schema version or log.
    /// - [`crm_core::Error::Storage`] for any other failure (permissions, disk, ...).
    pub fn open(config: SledConfig) -> Result<SledStore> {
        let db = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_capacity)
            .mode(sled::Mode::LowSpace)
            .flush_every_ms(config.flush_every_ms)
            .open()
            .map_err(|e| open_error(&config.path, e))?;
        let tree = |name: &str| db.open_tree(name).map_err(storage);
        let trees = Trees {
            records: tree("records")?,
            unique: tree("unique")?,
            index: tree("index")?,
        };
        let meta = tree("meta")?;
        if schema::check_or_init(&meta, &trees.records)? {
            // Once, on creation: make the version durable before anything is written.
            db.flush().map_err(storage)?;
        }
        Ok(SledStore {
            db,
            trees,
            durability: config.durability,
            group: GroupCommit::default(),
        })
    }

    /// Writes every commit applied so far to disk (what [`Durability::Flush`] does after
    /// each commit; useful with [`Durability::Buffered`] before a planned shutdown).
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when the flush fails.
    pub async fn flush(&self) -> Result<()> {
        self.group.flush_all(&self.db).await
    }

    /// The bytes the store takes on disk (sled's estimate).
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when sled cannot tell.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.db.size_on_disk().map_err(storage)
    }

    /// The durability mode the store was opened with.
    pub fn durability(&self) -> Durability {
        self.durability
    }
}

#[async_trait]
impl Store for SledStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.durability == Durability::Flush, false)
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        if commit.is_empty() {
            return Ok(());
        }
        txn::commit(&self.trees, ws, &commit)?;
        let seq = self.group.committed();
        match self.durability {
            Durability::Flush => self.group.wait_durable(&self.db, seq).await,
            Durability::Buffered => Ok(()),
        }
    }

    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        kv::get(&self.trees, ws, kind, id)
    }

    async fn customer_by_contact(&self, ws: WorkspaceId, key: &str) -> Result<Option<Customer>> {
        kv::customer_by_contact(&self.trees, ws, key)
    }

    async fn staff_by_email(&self, ws: WorkspaceId, email: &str) -> Result<Option<Staff>> {
        kv::staff_by_email(&self.trees, ws, email)
    }

    async fn search_customers(
        &self,
        ws: WorkspaceId,
        tokens: &[String],
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        kv::search_customers(&self.trees, ws, tokens, page)
    }

    async fn list_customers(
        &self,
        ws: WorkspaceId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        kv::list_customers(&self.trees, ws, filter, page)
    }

    async fn interactions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>> {
        kv::interactions(&self.trees, ws, customer, page)
    }

    async fn list_staff(&self, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>> {
        kv::list_staff(&self.trees, ws, page)
    }

    async fn list_departments(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<Department>> {
        kv::list_departments(&self.trees, ws, page)
    }

    async fn outbox_due(
        &self,
        ws: WorkspaceId,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        kv::outbox_due(&self.trees, ws, now, limit)
    }

    async fn list_outbox(
        &self,
        ws: WorkspaceId,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>> {
        kv::list_outbox(&self.trees, ws, status, page)
    }

    async fn requests(
        &self,
        ws: WorkspaceId,
        view: &crm_core::store::RequestView,
        page: &PageRequest,
    ) -> Result<Page<crm_core::request::Request>> {
        kv::requests(&self.trees, ws, view, page)
    }

    async fn request_by_key(
        &self,
        ws: WorkspaceId,
        key: &str,
    ) -> Result<Option<crm_core::request::Request>> {
        kv::request_by_key(&self.trees, ws, key)
    }

    async fn list_routing_rules(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<crm_core::request::RoutingRule>> {
        kv::list_routing_rules(&self.trees, ws, page)
    }

    async fn audit(
        &self,
        ws: WorkspaceId,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        kv::audit(&self.trees, ws, record, page)
    }
}

//! [`SledStore`]: opening, flushing, closing, and the [`Store`] contract over the engine.

use crate::applier;
use crate::config::{Durability, SledConfig};
use crate::engine::Engine;
use async_trait::async_trait;
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
use crm_core::{Error, Result};
use std::sync::Arc;
use std::thread::JoinHandle;
use uuid::Uuid;

/// The sled store: durable, embedded, one process at a time. See the [crate] docs.
///
/// Share it as `Arc<SledStore>` or `Arc<dyn Store>`. Dropping the last handle closes the
/// store: it blocks while the commits not yet in sled are written to it and flushed, then
/// releases the lock on the directory.
#[derive(Debug)]
pub struct SledStore {
    engine: Arc<Engine>,
    applier: Option<JoinHandle<()>>,
}

impl SledStore {
    /// Opens (or creates) the store at `config.path`.
    ///
    /// This blocks: sled reads its log and recovers what a crash left, then the commits the
    /// journal holds and sled does not are written to sled. In async code, open at start-up
    /// or inside `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    /// - [`crm_core::Error::Locked`] when the directory is open already, in another process
    ///   or in this one (sled holds an exclusive lock on its `db` file while open).
    /// - [`crm_core::Error::SchemaTooNew`] when a newer crm-rs wrote the data; nothing is
    ///   changed.
    /// - [`crm_core::Error::Corrupted`] for an unreadable schema version, log or journal.
    /// - [`crm_core::Error::Storage`] for any other failure (permissions, disk, ...).
    pub fn open(config: SledConfig) -> Result<SledStore> {
        let engine = Arc::new(Engine::open(&config)?);
        let for_applier = engine.clone();
        let applier = std::thread::Builder::new()
            .name("crm-sled-applier".to_owned())
            .spawn(move || applier::run(for_applier))
            .map_err(|e| Error::storage(format!("starting the applier thread: {e}")))?;
        Ok(SledStore {
            engine,
            applier: Some(applier),
        })
    }

    /// Makes every commit acknowledged so far durable (what [`Durability::Flush`] does
    /// before acknowledging each commit; useful with [`Durability::Buffered`] before a
    /// planned shutdown).
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when the journal cannot be written.
    pub async fn flush(&self) -> Result<()> {
        self.engine.flush().await
    }

    /// The bytes the store takes on disk (sled's estimate and the journal's files).
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when sled cannot tell.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.engine.size_on_disk()
    }

    /// The durability mode the store was opened with.
    pub fn durability(&self) -> Durability {
        self.engine.durability
    }

    fn view(&self) -> crate::read::View<'_> {
        self.engine.view()
    }
}

impl Drop for SledStore {
    fn drop(&mut self) {
        self.engine.doorbell.stop();
        if let Some(applier) = self.applier.take() {
            // A panic of the applier has been reported on its thread already; the journal
            // keeps what it did not write.
            let _ = applier.join();
        }
        // The engine goes with the last handle, here; it waits until sled has let go of
        // the directory's lock.
    }
}

#[async_trait]
impl Store for SledStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.engine.durability == Durability::Flush, false)
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        if commit.is_empty() {
            return Ok(());
        }
        self.engine.commit(ws, &commit).await
    }

    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        kv::get(&self.view(), ws, kind, id)
    }

    async fn customer_by_contact(&self, ws: WorkspaceId, key: &str) -> Result<Option<Customer>> {
        kv::customer_by_contact(&self.view(), ws, key)
    }

    async fn staff_by_email(&self, ws: WorkspaceId, email: &str) -> Result<Option<Staff>> {
        kv::staff_by_email(&self.view(), ws, email)
    }

    async fn search_customers(
        &self,
        ws: WorkspaceId,
        tokens: &[String],
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        kv::search_customers(&self.view(), ws, tokens, page)
    }

    async fn list_customers(
        &self,
        ws: WorkspaceId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        kv::list_customers(&self.view(), ws, filter, page)
    }

    async fn interactions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>> {
        kv::interactions(&self.view(), ws, customer, page)
    }

    async fn list_staff(&self, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>> {
        kv::list_staff(&self.view(), ws, page)
    }

    async fn list_departments(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<Department>> {
        kv::list_departments(&self.view(), ws, page)
    }

    async fn outbox_due(
        &self,
        ws: WorkspaceId,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        kv::outbox_due(&self.view(), ws, now, limit)
    }

    async fn list_outbox(
        &self,
        ws: WorkspaceId,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>> {
        kv::list_outbox(&self.view(), ws, status, page)
    }

    async fn requests(
        &self,
        ws: WorkspaceId,
        view: &crm_core::store::RequestView,
        page: &PageRequest,
    ) -> Result<Page<crm_core::request::Request>> {
        kv::requests(&self.view(), ws, view, page)
    }

    async fn request_by_key(
        &self,
        ws: WorkspaceId,
        key: &str,
    ) -> Result<Option<crm_core::request::Request>> {
        kv::request_by_key(&self.view(), ws, key)
    }

    async fn list_routing_rules(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<crm_core::request::RoutingRule>> {
        kv::list_routing_rules(&self.view(), ws, page)
    }

    async fn audit(
        &self,
        ws: WorkspaceId,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        kv::audit(&self.view(), ws, record, page)
    }
}

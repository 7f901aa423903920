//! crm-store-postgres: the PostgreSQL [`Store`] of crm-rs — a shared server, and the path past
//! one machine.
//!
//! Records live in real tables with real columns (customers, contact points, interactions,
//! staff, departments, the audit trail, the outbox, and the cartable's requests, routing rules
//! and counters), each keyed by `workspace_id` first; the parts nobody queries by (custom
//! fields, occasions, consent, attachments, a request's history and service-level clock,
//! workspace settings) are `jsonb`. Every cartable view reads an index in its own order, and
//! pages and cursors are those of the key-value stores.
//! A [`Store::commit`] is one transaction: versions are checked in the `UPDATE` itself, claimed
//! contact keys, request keys and staff emails are unique indexes, and a conflict rolls
//! everything back.
//! Several processes may share one database ([`Capabilities::multi_process`]), and an
//! acknowledged commit is committed by PostgreSQL ([`Capabilities::durable`]).
//!
//! The schema is created and upgraded on connect by the migrations embedded in this crate.
//! Queries are plain runtime SQL (no database is needed to build). See `docs/postgres.md` for
//! running it, pool sizing and scaling past one machine.
//!
//! ```no_run
//! use crm_core::{Crm, service::NewStaff, staff::Role};
//! use crm_store_postgres::PostgresStore;
//! use std::sync::Arc;
//!
//! # async fn run() -> crm_core::Result<()> {
//! let store = PostgresStore::connect("postgres://crm@127.0.0.1:5432/crm").await?;
//! let crm = Crm::new(Arc::new(store));
//! let (ws, admin) = crm.create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin)).await?;
//! let session = crm.session(ws.id, admin.id).await?;
//! # let _ = session; Ok(()) }
//! ```

mod cartable;
mod commit;
mod connect;
mod error;
mod queries;
mod rows;
pub mod test_schema;
mod writes;

pub use connect::{DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, PostgresConfig};
pub use test_schema::TestSchema;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crm_core::Result;
use crm_core::audit::AuditEntry;
use crm_core::customer::Customer;
use crm_core::id::{CustomerId, WorkspaceId};
use crm_core::interaction::Interaction;
use crm_core::outbox::{OutboxMessage, OutboxStatus};
use crm_core::request::{Request, RoutingRule};
use crm_core::staff::{Department, Staff};
use crm_core::store::{
    Capabilities, Commit, CustomerFilter, Page, PageRequest, Record, RecordKind, RequestView, Store,
};
use sqlx::PgPool;
use uuid::Uuid;

/// The PostgreSQL store: a connection pool over a migrated schema. Cheap to clone (the pool is
/// shared); use it as `Arc<dyn Store>`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

#[async_trait]
impl Store for PostgresStore {
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true, true)
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        commit::commit(&self.pool, ws, &commit).await
    }

    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        queries::get(&self.pool, ws, kind, id).await
    }

    async fn customer_by_contact(&self, ws: WorkspaceId, key: &str) -> Result<Option<Customer>> {
        queries::customer_by_contact(&self.pool, ws, key).await
    }

    async fn staff_by_email(&self, ws: WorkspaceId, email: &str) -> Result<Option<Staff>> {
        queries::staff_by_email(&self.pool, ws, email).await
    }

    async fn search_customers(
        &self,
        ws: WorkspaceId,
        tokens: &[String],
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        queries::search_customers(&self.pool, ws, tokens, page).await
    }

    async fn list_customers(
        &self,
        ws: WorkspaceId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        queries::list_customers(&self.pool, ws, filter, page).await
    }

    async fn interactions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>> {
        queries::interactions(&self.pool, ws, customer, page).await
    }

    async fn list_staff(&self, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>> {
        queries::list_staff(&self.pool, ws, page).await
    }

    async fn list_departments(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<Department>> {
        queries::list_departments(&self.pool, ws, page).await
    }

    async fn outbox_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        queries::outbox_due(&self.pool, ws, now, limit).await
    }

    async fn list_outbox(
        &self,
        ws: WorkspaceId,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>> {
        queries::list_outbox(&self.pool, ws, status, page).await
    }

    async fn requests(
        &self,
        ws: WorkspaceId,
        view: &RequestView,
        page: &PageRequest,
    ) -> Result<Page<Request>> {
        cartable::requests(&self.pool, ws, view, page).await
    }

    async fn request_by_key(&self, ws: WorkspaceId, key: &str) -> Result<Option<Request>> {
        queries::request_by_key(&self.pool, ws, key).await
    }

    async fn list_routing_rules(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<RoutingRule>> {
        queries::list_routing_rules(&self.pool, ws, page).await
    }

    async fn audit(
        &self,
        ws: WorkspaceId,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        queries::audit(&self.pool, ws, record, page).await
    }
}

//! crm-store-postgres: the PostgreSQL [`Store`] of crm-rs — a shared server, and the path past
//! one machine.
//!
//! The store implements crm-core's generic storage contract with three tables, each keyed by
//! `workspace_id` first: `records` (every record of every kind: its kind's tag, id, version,
//! its JSON body, and the unique keys and index entries it claims), `unique_keys` (one holder
//! per key and workspace) and `index_entries` (per index, positions in byte order). A new
//! record kind needs no code and no migration here.
//!
//! - [`Store::commit`] is one call of the `crm_commit` PL/pgSQL function (one round trip, one
//!   transaction): it applies the writes in order, checks versions, claims and releases
//!   unique keys and keeps index entries with their records, and reports a stale version or
//!   a taken key as [`crm_core::Error::Conflict`]. Commits that lose a race to another one
//!   are retried.
//! - [`Store::snapshot`] is a `REPEATABLE READ READ ONLY` transaction; the one-shot
//!   [`Store::get`], [`Store::holder`] and [`Store::scan`] are single statements on the pool.
//!   A scan is one range of one index (joined to the records) or of one kind's records by id,
//!   in byte order, so pages and cursors are those of every other store.
//! - On connect the schema is migrated, kinds whose declared keys changed are re-indexed
//!   from their records, and each kind with a [`crm_core::record::Table`] gets SQL views
//!   (`customers`, `contact_points`, `interactions`, `requests`, ...) with real columns for
//!   reporting tools.
//!
//! Several processes may share one database ([`Capabilities::multi_process`]), and an
//! acknowledged commit is committed by PostgreSQL ([`Capabilities::durable`]). Queries are
//! plain runtime SQL (no database is needed to build). See `docs/postgres.md` for the
//! schema, running it, pool sizing and scaling past one machine.
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

mod commit;
mod connect;
mod error;
mod escape;
mod kinds;
mod lock;
mod reads;
mod rebuild;
mod scan;
mod setup;
mod snapshot;
pub mod test_schema;
mod views;

pub use connect::{
    DEFAULT_ACQUIRE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, PING_AFTER_IDLE, PostgresConfig,
};
pub use test_schema::TestSchema;

use async_trait::async_trait;
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::record::RecordKind;
use crm_core::store::{Capabilities, Commit, Hit, Scan, Snapshot, Store, Stored};
use kinds::Kinds;
use snapshot::PgSnapshot;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

/// The PostgreSQL store: a connection pool over a migrated schema, and the record kinds it
/// knows. Cheap to clone (the pool is shared); use it as `Arc<dyn Store>`.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    kinds: Arc<Kinds>,
}

#[async_trait]
impl Store for PostgresStore {
    /// Durable (committed by PostgreSQL) and shared by several processes.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new(true, true)
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        commit::commit(&self.pool, &self.kinds, ws, &commit).await
    }

    async fn snapshot(&self, ws: WorkspaceId) -> Result<Box<dyn Snapshot + '_>> {
        Ok(Box::new(
            PgSnapshot::begin(&self.pool, &self.kinds, ws).await?,
        ))
    }

    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
        reads::get(&self.pool, ws, kind, id).await
    }

    async fn holder(&self, ws: WorkspaceId, key: &str) -> Result<Option<Stored>> {
        reads::holder(&self.pool, &self.kinds, ws, key).await
    }

    async fn scan(&self, ws: WorkspaceId, scan: &Scan) -> Result<Vec<Hit>> {
        scan::scan(&self.pool, &self.kinds, ws, scan).await
    }
}

//! [`Snapshot`]: a `REPEATABLE READ READ ONLY` transaction on a pooled connection, so that
//! every read of it sees the same commits.

use crate::error::storage;
use crate::kinds::Kinds;
use crate::{reads, scan};
use async_trait::async_trait;
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::record::RecordKind;
use crm_core::store::{Hit, Scan, Snapshot, Stored};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The reads of one workspace in one transaction. Dropping it rolls the transaction back
/// and returns the connection to the pool.
pub(crate) struct PgSnapshot<'a> {
    tx: Transaction<'static, Postgres>,
    kinds: &'a Kinds,
    ws: WorkspaceId,
}

impl<'a> PgSnapshot<'a> {
    /// Begins the transaction (its snapshot is taken by its first read).
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when no connection can be had or `BEGIN` fails.
    pub(crate) async fn begin(pool: &PgPool, kinds: &'a Kinds, ws: WorkspaceId) -> Result<Self> {
        let tx = pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(storage)?;
        Ok(Self { tx, kinds, ws })
    }
}

#[async_trait]
impl Snapshot for PgSnapshot<'_> {
    async fn get(&mut self, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
        reads::get(&mut *self.tx, self.ws, kind, id).await
    }

    async fn holder(&mut self, key: &str) -> Result<Option<Stored>> {
        reads::holder(&mut *self.tx, self.kinds, self.ws, key).await
    }

    async fn scan(&mut self, scan: &Scan) -> Result<Vec<Hit>> {
        scan::scan(&mut *self.tx, self.kinds, self.ws, scan).await
    }

    async fn get_many(&mut self, kind: RecordKind, ids: &[Uuid]) -> Result<Vec<Option<Stored>>> {
        reads::get_many(&mut *self.tx, self.ws, kind, ids).await
    }
}

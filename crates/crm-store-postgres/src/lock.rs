//! The schema lock: a session advisory lock, one per schema, held on a connection of its own
//! while a store sets its schema up on connect (re-indexing, views), so that several
//! processes connecting at once do that work once and never trip over each other's DDL.

use crate::error::storage;
use crm_core::Result;
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres};

/// The first key of the lock (`crm` in ASCII); the second is the hash of the schema's name.
const LOCK_CLASS: i32 = 0x0063_726d;

const LOCK: &str = "SELECT pg_advisory_lock($1, hashtext(coalesce(current_schema(), '')))";
const UNLOCK: &str = "SELECT pg_advisory_unlock($1, hashtext(coalesce(current_schema(), '')))";

/// The held lock and its connection. [`SchemaLock::release`] unlocks and returns the
/// connection to the pool; dropping it without releasing (a failure half-way) closes the
/// connection instead, which ends the session and so the lock.
pub(crate) struct SchemaLock {
    conn: Option<PoolConnection<Postgres>>,
}

impl SchemaLock {
    /// Waits for the lock of the pool's schema.
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when no connection can be had or the lock fails.
    pub(crate) async fn acquire(pool: &PgPool) -> Result<Self> {
        let mut conn = pool.acquire().await.map_err(storage)?;
        sqlx::query(LOCK)
            .bind(LOCK_CLASS)
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
        Ok(Self { conn: Some(conn) })
    }

    /// The connection that holds the lock.
    ///
    /// # Errors
    /// Never in practice: the connection is there until the lock is released or dropped.
    pub(crate) fn conn(&mut self) -> Result<&mut PgConnection> {
        self.conn
            .as_deref_mut()
            .ok_or_else(|| crm_core::Error::storage("the schema lock was already released"))
    }

    /// Unlocks and gives the connection back to the pool.
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when unlocking fails (the connection is then closed,
    /// which unlocks too).
    pub(crate) async fn release(mut self) -> Result<()> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        match sqlx::query(UNLOCK)
            .bind(LOCK_CLASS)
            .execute(&mut *conn)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                drop(conn.detach());
                Err(storage(e))
            }
        }
    }
}

impl Drop for SchemaLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Closing the session is what releases a lock that could not be released.
            drop(conn.detach());
        }
    }
}

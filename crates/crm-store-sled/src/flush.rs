//! Group commit: one flush covers every commit applied before it started.
//!
//! Each successful transaction takes the next number of a commit sequence. A committer with
//! number `n` waits until the `flushed` mark reaches `n`: when no one has flushed that far,
//! it takes the flush lock, checks again (the holder before it may have flushed its commit
//! too), notes the newest number `m` applied so far, flushes, and moves the mark to `m`.
//! Every commit numbered up to `m` was applied before that flush began, so the flush
//! covers it; committers that queued on the lock meanwhile usually find their work done.

use crate::error::storage;
use crm_core::Result;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Mutex;

/// The commit sequence and how far it is flushed.
#[derive(Debug, Default)]
pub(crate) struct GroupCommit {
    committed: AtomicU64,
    flushed: AtomicU64,
    lock: Mutex<()>,
}

impl GroupCommit {
    /// Numbers a commit whose transaction just succeeded.
    pub(crate) fn committed(&self) -> u64 {
        self.committed.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Returns once commit `seq` is on disk.
    pub(crate) async fn wait_durable(&self, db: &sled::Db, seq: u64) -> Result<()> {
        if self.flushed.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        let _guard = self.lock.lock().await;
        if self.flushed.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        self.flush_locked(db).await
    }

    /// Flushes everything applied so far.
    pub(crate) async fn flush_all(&self, db: &sled::Db) -> Result<()> {
        let _guard = self.lock.lock().await;
        self.flush_locked(db).await
    }

    async fn flush_locked(&self, db: &sled::Db) -> Result<()> {
        let upto = self.committed.load(Ordering::SeqCst);
        db.flush_async().await.map_err(storage)?;
        self.flushed.fetch_max(upto, Ordering::SeqCst);
        Ok(())
    }
}

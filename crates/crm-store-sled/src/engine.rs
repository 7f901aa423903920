//! [`SledEngine`]: crm-core's key-value [`Engine`] over sled, its journal and its memtable.
//!
//! The write path: a batch (checked by crm-core under its commit lock) is numbered, published
//! to the memtable (readable at once by new snapshots), queued in the journal, and settled
//! once the journal has it on disk; the applier writes it to sled later.

use crate::applier::{self, Doorbell};
use crate::batch::Batch;
use crate::config::{Durability, SledConfig};
use crate::durable;
use crate::error::storage;
use crate::journal::Journal;
use crate::lock::LockRelease;
use crate::memtable::Memtable;
use crate::open;
use crate::snapshot::{SledSnapshot, Snapshots};
use crate::trees::Trees;
use async_trait::async_trait;
use crm_core::store::Capabilities;
use crm_core::store::kv::{self, Engine, Ticket};
use crm_core::{Error, Result};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Pending commits take at most this many bytes of keys and values before a new commit
/// waits for the applier (sled) to catch up: a bound on the memory the memtable takes.
pub(crate) const MAX_PENDING_BYTES: usize = 32 * 1024 * 1024;

/// Pending commits of at least this many bytes wake the applier at once (otherwise it
/// gathers commits for [`crate::applier::APPLY_DELAY`]).
pub(crate) const APPLY_SOON_BYTES: usize = 1024 * 1024;

/// The name of the journal's directory inside the store's directory.
pub(crate) const JOURNAL_DIR: &str = "journal";

/// The sled engine: sled's trees, the journal in front of them, the memtable of commits
/// sled does not have yet, and the applier thread that writes them to sled. See the
/// [crate] docs.
///
/// Dropping it closes the store: it blocks while the commits not yet in sled are written to
/// it and made durable, then releases the lock on the directory.
#[derive(Debug)]
pub struct SledEngine {
    shared: Arc<Shared>,
    applier: Option<JoinHandle<()>>,
}

/// Everything the engine and its applier thread share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) db: sled::Db,
    pub(crate) dir: PathBuf,
    pub(crate) trees: Trees,
    pub(crate) memtable: Memtable,
    pub(crate) journal: Journal,
    pub(crate) snapshots: Snapshots,
    pub(crate) durability: Durability,
    /// How often the applier syncs the journal by itself.
    pub(crate) sync_every: Duration,
    /// Wakes the applier.
    pub(crate) doorbell: Doorbell,
    /// Wakes commits waiting for room in the memtable.
    pub(crate) progress: tokio::sync::Notify,
    /// Blob files of sled already made durable.
    pub(crate) synced_blobs: Mutex<HashSet<PathBuf>>,
    failure: Mutex<Option<String>>,
    /// See [`Shared::make_room`].
    pending_limit: usize,
    /// Last: waits for sled's lock to go once everything above is dropped.
    _lock: LockRelease,
}

impl SledEngine {
    /// The durability mode the store was opened with.
    pub fn durability(&self) -> Durability {
        self.shared.durability
    }

    /// The bytes the store takes on disk (sled's estimate and the journal's files).
    ///
    /// # Errors
    /// [`Error::Storage`] when sled cannot tell.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.shared.db.size_on_disk().map_err(storage)? + self.shared.journal.size_on_disk())
    }
}

#[async_trait]
impl Engine for SledEngine {
    type Config = SledConfig;
    type Snapshot<'a> = SledSnapshot<'a>;

    /// Opens (or creates) the store at `config.path`.
    ///
    /// This blocks: sled reads its log and recovers what a crash left, data of an older
    /// schema is brought up to date, and the commits the journal holds and sled does not are
    /// written to sled. In async code, open at start-up or inside
    /// `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    /// - [`Error::Locked`] when the directory is open already, in another process or in this
    ///   one (sled holds an exclusive lock on its `db` file while open).
    /// - [`Error::SchemaTooNew`] when a newer crm-rs wrote the data; nothing is changed.
    /// - [`Error::Corrupted`] for an unreadable schema version, log or journal.
    /// - [`Error::Storage`] for any other failure (permissions, disk, ...).
    fn open(config: SledConfig) -> Result<Self> {
        let opened = open::open(&config)?;
        let shared = Arc::new(Shared {
            db: opened.db,
            dir: config.path.clone(),
            trees: opened.trees,
            memtable: Memtable::after(opened.last_seq),
            journal: opened.journal,
            snapshots: Snapshots::default(),
            durability: config.durability,
            sync_every: Duration::from_millis(config.flush_every_ms.unwrap_or(1000).max(1)),
            doorbell: Doorbell::default(),
            progress: tokio::sync::Notify::new(),
            synced_blobs: Mutex::new(HashSet::new()),
            failure: Mutex::new(None),
            pending_limit: config.tuning.pending_limit,
            _lock: opened.lock,
        });
        let for_applier = shared.clone();
        let applier = std::thread::Builder::new()
            .name("crm-sled-applier".to_owned())
            .spawn(move || applier::run(for_applier))
            .map_err(|e| Error::storage(format!("starting the applier thread: {e}")))?;
        Ok(SledEngine {
            shared,
            applier: Some(applier),
        })
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.shared.durability == Durability::Flush, false)
    }

    fn snapshot(&self) -> Result<SledSnapshot<'_>> {
        Ok(SledSnapshot::new(&self.shared))
    }

    fn write(&self, batch: kv::Batch) -> Result<Ticket> {
        self.shared.healthy()?;
        let seq = self.shared.memtable.published() + 1;
        let batch = Arc::new(Batch {
            seq,
            changes: batch.changes,
        });
        self.shared.journal.enqueue(&batch);
        self.shared.memtable.publish(batch);
        self.shared.doorbell.nudge();
        Ok(seq)
    }

    async fn settle(&self, ticket: Ticket) -> Result<()> {
        match self.shared.durability {
            Durability::Flush if self.shared.journal.durable() < ticket => {
                let shared = self.shared.clone();
                run_blocking(move || shared.sync_through(ticket)).await
            }
            _ => Ok(()),
        }
    }

    async fn sync(&self) -> Result<()> {
        let shared = self.shared.clone();
        run_blocking(move || shared.sync_through(u64::MAX)).await
    }

    async fn room(&self) -> Result<()> {
        self.shared.healthy()?;
        let s = &self.shared;
        while s.memtable.queued_bytes() > s.pending_limit {
            let progress = s.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            if s.memtable.queued_bytes() <= s.pending_limit {
                break;
            }
            // The applier takes only durable commits: make them so, and wake it.
            let shared = s.clone();
            run_blocking(move || shared.sync_through(u64::MAX)).await?;
            s.doorbell.ring();
            progress.await;
            s.healthy()?;
        }
        Ok(())
    }

    fn room_blocking(&self) -> Result<()> {
        let s = &self.shared;
        while s.memtable.queued_bytes() > s.pending_limit {
            s.healthy()?;
            s.sync_through(u64::MAX)?;
            s.doorbell.ring();
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }
}

impl Drop for SledEngine {
    fn drop(&mut self) {
        self.shared.doorbell.stop();
        if let Some(applier) = self.applier.take() {
            // A panic of the applier has been reported on its thread already; the journal
            // keeps what it did not write.
            let _ = applier.join();
        }
        // The shared state goes with the last handle, here; it waits until sled has let go
        // of the directory's lock.
    }
}

impl Shared {
    /// Makes commit `seq` durable, with every commit queued when this caller's turn to
    /// write comes (blocking), and lets the applier know.
    pub(crate) fn sync_through(&self, seq: u64) -> Result<()> {
        let before = self.journal.durable();
        let result = self.journal.sync_through(seq);
        match result {
            Ok(now) if now > before && self.memtable.queued_bytes() >= APPLY_SOON_BYTES => {
                self.doorbell.ring();
            }
            Ok(_) => {}
            Err(ref e) => self.fail(e),
        }
        result.map(|_| ())
    }

    /// Flushes sled and makes its files durable (see [`crate::durable`]).
    pub(crate) fn make_sled_durable(&self) -> Result<()> {
        self.db.flush().map_err(storage)?;
        durable::sync_sled(&self.dir, &self.synced_blobs)
            .map_err(|e| Error::storage(format!("syncing sled's files: {e}")))
    }

    /// An error when the store has failed (see [`Shared::fail`]).
    pub(crate) fn healthy(&self) -> Result<()> {
        match &*lock(&self.failure) {
            None => Ok(()),
            Some(why) => Err(Error::storage(format!(
                "the store failed and takes no more commits ({why}); reopen it to recover \
                 from its journal"
            ))),
        }
    }

    /// Marks the store failed: no more commits; reads go on. Reopening recovers what the
    /// journal holds.
    pub(crate) fn fail(&self, error: &Error) {
        lock(&self.failure).get_or_insert_with(|| error.to_string());
        self.progress.notify_waiters();
    }

    /// True once [`Shared::fail`] was called.
    pub(crate) fn failed(&self) -> bool {
        lock(&self.failure).is_some()
    }
}

/// Runs blocking `work` from async code without stalling the runtime's other tasks: on this
/// thread on a multi-threaded tokio runtime (`block_in_place`: tokio moves the worker's
/// other tasks to another thread; the work itself is not handed over, which is the
/// cheapest for a short `fdatasync`), on the blocking pool of a current-thread runtime, and
/// directly outside tokio.
async fn run_blocking(work: impl FnOnce() -> Result<()> + Send + 'static) -> Result<()> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        Ok(handle) => match handle.spawn_blocking(work).await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(Error::storage(format!(
                "the journal sync was cancelled: {e}"
            ))),
        },
        Err(_) => work(),
    }
}

/// The engine's locks guard plain data that stays consistent whatever panicked while
/// holding them.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

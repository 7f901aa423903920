//! The write path: a commit is checked, published to the memtable, queued in the journal,
//! and acknowledged once the journal has it on disk; the applier writes it to sled later.
//!
//! Opening replays what the journal holds into sled before anything else happens.

use crate::applier::Doorbell;
use crate::batch::Batch;
use crate::config::{Durability, SledConfig};
use crate::error::{open_error, storage};
use crate::highest::Highest;
use crate::journal::{self, Journal};
use crate::lock::LockRelease;
use crate::memtable::Memtable;
use crate::read::{Trees, View};
use crate::{schema, staged};
use crm_core::id::WorkspaceId;
use crm_core::store::Commit;
use crm_core::{Error, Result};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Pending commits take at most this many bytes of keys and values before a new commit
/// waits for the applier (sled) to catch up: a bound on the memory the memtable takes.
pub(crate) const MAX_PENDING_BYTES: usize = 32 * 1024 * 1024;

/// Pending commits of at least this many bytes wake the applier at once (otherwise it
/// gathers commits for [`crate::applier::APPLY_DELAY`]).
pub(crate) const APPLY_SOON_BYTES: usize = 1024 * 1024;

/// The name of the journal's directory inside the store's directory.
pub(crate) const JOURNAL_DIR: &str = "journal";

/// Everything the store and its applier thread share.
#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) db: sled::Db,
    pub(crate) trees: Trees,
    pub(crate) memtable: Memtable,
    pub(crate) journal: Journal,
    pub(crate) durability: Durability,
    /// How often the applier syncs the journal by itself.
    pub(crate) sync_every: Duration,
    /// Serialises checking and publishing.
    committer: Mutex<Committer>,
    /// Wakes the applier.
    pub(crate) doorbell: Doorbell,
    /// Wakes commits waiting for room in the memtable.
    pub(crate) progress: tokio::sync::Notify,
    failure: Mutex<Option<String>>,
    /// See [`Engine::make_room`].
    pending_limit: usize,
    /// Last: waits for sled's lock to go once everything above is dropped.
    _lock: LockRelease,
}

impl Engine {
    /// Opens sled at `config.path`, checks the schema version, replays the journal into
    /// sled, and starts a new journal.
    pub(crate) fn open(config: &SledConfig) -> Result<Engine> {
        let db = sled::Config::new()
            .path(&config.path)
            .cache_capacity(config.cache_capacity)
            .mode(sled::Mode::LowSpace)
            .flush_every_ms(config.flush_every_ms)
            .open()
            .map_err(|e| open_error(&config.path, e))?;
        // sled holds the directory's lock now. Should what follows fail, `recover` drops
        // sled, then `lock` waits for the lock's release.
        let lock = LockRelease(config.path.join("db"));
        let (db, trees, journal, next_seq) = recover(db, config)?;
        Ok(Engine {
            db,
            trees,
            memtable: Memtable::default(),
            journal,
            durability: config.durability,
            sync_every: Duration::from_millis(config.flush_every_ms.unwrap_or(1000).max(1)),
            pending_limit: config.tuning.pending_limit,
            committer: Mutex::new(Committer {
                last_seq: next_seq - 1,
                highest: Highest::default(),
            }),
            doorbell: Doorbell::default(),
            progress: tokio::sync::Notify::new(),
            failure: Mutex::new(None),
            _lock: lock,
        })
    }

    /// What readers see.
    pub(crate) fn view(&self) -> View<'_> {
        View {
            trees: &self.trees,
            memtable: &self.memtable,
        }
    }

    /// Commits: checks, publishes, and (in [`Durability::Flush`]) waits until durable.
    pub(crate) async fn commit(self: &Arc<Self>, ws: WorkspaceId, commit: &Commit) -> Result<()> {
        self.healthy()?;
        self.make_room().await?;
        let seq = self.publish(ws, commit)?;
        match self.durability {
            Durability::Flush if self.journal.durable() < seq => {
                let engine = self.clone();
                run_blocking(move || engine.sync_through(seq)).await
            }
            _ => Ok(()),
        }
    }

    /// Checks `commit` and publishes its changes (readable at once, queued for the
    /// journal); returns its sequence number (0 for a commit that changes nothing).
    fn publish(&self, ws: WorkspaceId, commit: &Commit) -> Result<u64> {
        let mut committer = lock(&self.committer);
        let Committer { last_seq, highest } = &mut *committer;
        let changes = staged::stage(&self.view(), highest, ws, commit)?;
        if changes.is_empty() {
            return Ok(0);
        }
        highest.note(&changes);
        *last_seq += 1;
        let batch = Arc::new(Batch {
            seq: *last_seq,
            changes,
        });
        self.journal.enqueue(&batch);
        self.memtable.publish(batch);
        self.doorbell.nudge();
        Ok(*last_seq)
    }

    /// Makes every commit published so far durable.
    pub(crate) async fn flush(self: &Arc<Self>) -> Result<()> {
        let engine = self.clone();
        run_blocking(move || engine.sync()).await
    }

    /// Makes every queued commit durable (blocking), and lets the applier know.
    pub(crate) fn sync(&self) -> Result<()> {
        self.sync_through(u64::MAX)
    }

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

    /// Waits while the pending commits take more than the limit ([`MAX_PENDING_BYTES`]).
    async fn make_room(self: &Arc<Self>) -> Result<()> {
        while self.memtable.queued_bytes() > self.pending_limit {
            let progress = self.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            if self.memtable.queued_bytes() <= self.pending_limit {
                break;
            }
            // The applier takes only durable commits: make them so, and wake it.
            let engine = self.clone();
            run_blocking(move || engine.sync()).await?;
            self.doorbell.ring();
            progress.await;
            self.healthy()?;
        }
        Ok(())
    }

    /// An error when the store has failed (see [`Engine::fail`]).
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

    /// True once [`Engine::fail`] was called.
    pub(crate) fn failed(&self) -> bool {
        lock(&self.failure).is_some()
    }

    /// The bytes sled and the journal take on disk.
    pub(crate) fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk().map_err(storage)? + self.journal.size_on_disk())
    }
}

/// What the commit lock guards.
#[derive(Debug)]
struct Committer {
    /// The last sequence number given out.
    last_seq: u64,
    highest: Highest,
}

/// Checks the schema version, replays the journal into sled and starts a new journal; gives
/// back sled, its trees, the journal and the next sequence number.
fn recover(db: sled::Db, config: &SledConfig) -> Result<(sled::Db, Trees, Journal, u64)> {
    let tree = |name: &str| db.open_tree(name).map_err(storage);
    let trees = Trees {
        records: tree("records")?,
        unique: tree("unique")?,
        index: tree("index")?,
    };
    if schema::check_or_write(&tree("meta")?, &trees.records)? {
        db.flush().map_err(storage)?;
    }
    let dir = config.path.join(JOURNAL_DIR);
    let recovered = Journal::recover(&dir)?;
    for batch in &recovered.batches {
        apply(&trees, batch)?;
    }
    if !recovered.batches.is_empty() {
        db.flush().map_err(storage)?;
    }
    journal::remove_recovered(&recovered)?;
    let next_seq = recovered.batches.last().map_or(1, |b| b.seq + 1);
    let journal = Journal::start(&dir, next_seq, config.tuning.journal)?;
    Ok((db, trees, journal, next_seq))
}

/// Writes `batch` to sled's trees, one key after another (the journal, not sled, makes it
/// atomic: after a crash, the batch is replayed whole).
pub(crate) fn apply(trees: &Trees, batch: &Batch) -> Result<()> {
    for change in &batch.changes {
        let tree = trees.of(change.tree);
        match &change.value {
            Some(value) => tree.insert(&change.key, value.as_slice()),
            None => tree.remove(&change.key),
        }
        .map_err(storage)?;
    }
    Ok(())
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

//! The applier: a thread that writes durable commits from the memtable to sled, and keeps
//! the journal short.
//!
//! It sleeps while nothing is pending. A commit wakes it; it then gathers commits for
//! [`APPLY_DELAY`] (or less, when a megabyte is pending) and does a round:
//! 1. syncs the journal when [`SledConfig::flush_every_ms`] passed since the last sync
//!    ([`Durability::Buffered`] commits become durable this way, and commits whose committer
//!    stopped waiting);
//! 2. writes every durable pending batch to sled, oldest first, once no snapshot older than
//!    it is open ([`crate::snapshot`]), and retires it from the memtable; sled only ever
//!    holds commits the journal has on disk, so a crash leaves sled with whole commits of the
//!    journal and replay completes them;
//! 3. once a closed journal segment is all in sled, flushes sled, fsyncs sled's files
//!    ([`crate::durable`]) and only then removes the segment (a checkpoint);
//! 4. makes a spare segment for the next rotation, so a committer never waits for one.
//!
//! Told to stop (the store is dropped), it syncs and applies everything, makes sled durable
//! and removes the journal, so a cleanly closed store has nothing to replay. A failure stops it
//! and fails the store; what the journal holds is replayed on the next open.
//!
//! Writing to sled in rounds rather than commit by commit keeps the applier off the
//! committers' way: one wake-up per round instead of one per commit.
//!
//! [`Durability::Buffered`]: crate::Durability::Buffered
//! [`SledConfig::flush_every_ms`]: crate::SledConfig::flush_every_ms

use crate::batch::Batch;
use crate::config::Durability;
use crate::engine::Shared;
use crate::error::storage;
use crate::snapshot::Snapshots;
use crm_core::{Error, Result};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long the applier gathers commits before writing them to sled.
pub(crate) const APPLY_DELAY: Duration = Duration::from_millis(10);

/// Batches applied between two looks at the memtable.
const ROUND: usize = 256;

/// Runs the applier until told to stop or the store fails (a panic, which would be a bug,
/// fails the store too, so that no commit waits for it forever).
pub(crate) fn run(engine: Arc<Shared>) {
    let mut state = State {
        last_sync: Instant::now(),
        // Opening replayed the journal: sled holds every batch up to here.
        applied: engine.journal.durable(),
    };
    loop {
        let stop = engine
            .doorbell
            .wait(|| next_round_in(&engine, state.last_sync));
        if engine.failed() && !stop {
            continue;
        }
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            if stop {
                finish(&engine, &mut state)
            } else {
                round(&engine, &mut state)
            }
        }))
        .unwrap_or_else(|_| Err(Error::storage("the applier thread panicked")));
        engine.progress.notify_waiters();
        if let Err(e) = result {
            engine.fail(&e);
            if stop {
                break;
            }
        }
        if stop {
            break;
        }
    }
    engine.progress.notify_waiters();
}

/// How long the applier may sleep before its next round: until woken when nothing is
/// pending; [`APPLY_DELAY`] when pending commits are durable (or soon will be: a durable
/// commit's committer is syncing); until the next journal sync when they wait for it
/// ([`Durability::Buffered`]).
fn next_round_in(engine: &Shared, last_sync: Instant) -> Option<Duration> {
    if engine.memtable.queued_bytes() == 0 || engine.failed() {
        return None;
    }
    let waits_for_sync = engine.durability == Durability::Buffered
        && engine
            .memtable
            .ready(engine.journal.durable(), 1)
            .is_empty();
    if waits_for_sync {
        let until_sync = engine.sync_every.saturating_sub(last_sync.elapsed());
        Some(until_sync.max(APPLY_DELAY))
    } else {
        Some(APPLY_DELAY)
    }
}

/// What the applier keeps from round to round.
struct State {
    /// When it last synced the journal itself.
    last_sync: Instant,
    /// The last sequence number written to sled.
    applied: u64,
}

fn round(engine: &Shared, state: &mut State) -> Result<()> {
    if state.last_sync.elapsed() >= engine.sync_every {
        engine.sync_through(u64::MAX)?;
        state.last_sync = Instant::now();
    }
    apply_durable(engine, &mut state.applied)?;
    checkpoint(engine, state.applied)?;
    if engine.journal.wants_spare() {
        engine.journal.install_spare()?;
    }
    Ok(())
}

/// Writes every durable pending batch to sled and retires it from the memtable; `applied`
/// follows.
fn apply_durable(engine: &Shared, applied: &mut u64) -> Result<()> {
    loop {
        let ready = engine.memtable.ready(engine.journal.durable(), ROUND);
        if ready.is_empty() {
            return Ok(());
        }
        for batch in ready {
            engine.snapshots.wait_below(batch.seq, Snapshots::PATIENCE);
            apply(engine, &batch)?;
            *applied = batch.seq;
            engine.memtable.retire(&batch);
        }
        engine.progress.notify_waiters();
    }
}

/// Removes the closed journal segments once sled (which holds batches up to `applied`) has
/// all their batches on disk.
fn checkpoint(engine: &Shared, applied: u64) -> Result<()> {
    let Some(through) = engine.journal.closed_through() else {
        return Ok(());
    };
    if applied < through {
        return Ok(());
    }
    engine.make_sled_durable()?;
    engine.journal.remove_closed(through)
}

/// The last round: everything durable, in sled, on disk; the journal removed. When the
/// journal failed, what it made durable still goes to sled, and the journal stays.
fn finish(engine: &Shared, state: &mut State) -> Result<()> {
    let synced = if engine.failed() {
        Err(Error::storage("the journal failed"))
    } else {
        engine.sync_through(u64::MAX)
    };
    apply_durable(engine, &mut state.applied)?;
    engine.make_sled_durable()?;
    synced?;
    engine.journal.remove_all()
}

/// Writes `batch` to sled's trees, one key after another (the journal, not sled, makes it
/// atomic: after a crash, the batch is replayed whole).
fn apply(engine: &Shared, batch: &Batch) -> Result<()> {
    for change in &batch.changes {
        let tree = engine.trees.of(change.space);
        match &change.value {
            Some(value) => tree.insert(&change.key, value.as_slice()),
            None => tree.remove(&change.key),
        }
        .map_err(storage)?;
    }
    Ok(())
}

/// How committers wake the applier.
#[derive(Debug, Default)]
pub(crate) struct Doorbell {
    state: Mutex<Bell>,
    rings: Condvar,
}

#[derive(Debug, Default)]
struct Bell {
    rung: bool,
    stop: bool,
    /// The applier sleeps with nothing pending, until rung.
    idle: bool,
}

impl Doorbell {
    /// After a commit: wakes the applier if it sleeps with nothing pending (it then gathers
    /// commits for [`APPLY_DELAY`]).
    pub(crate) fn nudge(&self) {
        let mut bell = self.lock();
        if bell.idle && !bell.rung {
            bell.rung = true;
            self.rings.notify_one();
        }
    }

    /// Wakes the applier now.
    pub(crate) fn ring(&self) {
        let mut bell = self.lock();
        if !bell.rung {
            bell.rung = true;
            self.rings.notify_one();
        }
    }

    /// Tells the applier to finish and stop.
    pub(crate) fn stop(&self) {
        self.lock().stop = true;
        self.rings.notify_one();
    }

    /// The applier's sleep: until rung, or for what `delay()` says (asked under the bell's
    /// lock, so that a commit published meanwhile either is seen or rings; `None`: nothing
    /// pending, sleep until rung). Returns true when told to stop.
    fn wait(&self, delay: impl Fn() -> Option<Duration>) -> bool {
        let mut bell = self.lock();
        if !bell.rung && !bell.stop {
            if let Some(delay) = delay() {
                bell = match self.rings.wait_timeout(bell, delay) {
                    Ok((bell, _)) => bell,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            } else {
                bell.idle = true;
                while !bell.rung && !bell.stop {
                    bell = self.rings.wait(bell).unwrap_or_else(|e| e.into_inner());
                }
                bell.idle = false;
                bell.rung = false;
                if !bell.stop {
                    // Woken by the first commit: gather more.
                    bell = match self.rings.wait_timeout(bell, APPLY_DELAY) {
                        Ok((bell, _)) => bell,
                        Err(poisoned) => poisoned.into_inner().0,
                    };
                }
            }
        }
        bell.rung = false;
        bell.stop
    }

    fn lock(&self) -> MutexGuard<'_, Bell> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

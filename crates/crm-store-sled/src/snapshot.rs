//! Snapshots: reads that see the store as of one commit, while the applier goes on.
//!
//! A snapshot at sequence number `at` reads each key's newest pending version no newer than
//! `at` from the memtable, and sled for keys with none. That is the state after commit `at`
//! as long as sled holds no batch newer than `at`; so the applier writes a batch to sled only
//! once every snapshot older than it has closed ([`Snapshots::wait_below`]). New snapshots
//! take the newest published number, never older than what the applier writes, so they do
//! not hold it back. A snapshot kept open longer than [`Snapshots::PATIENCE`] no longer holds
//! the applier back either: it is given up on, and its next read fails with a storage error
//! instead of returning a mix of two states.
//!
//! A snapshot sees every published batch, also one whose journal sync is still under way
//! (its committer is not acknowledged yet). A commit made on what it read is durable only
//! after that batch (the journal is synced in order), and the outbox dispatcher syncs the
//! store before it delivers, so nothing leaves the process on a commit a crash could lose.

use crate::engine::Shared;
use crate::error::storage;
use crate::memtable::{Memtable, Pending};
use crate::merge::merge;
use crate::trees::Trees;
use crm_core::store::kv::{EngineSnapshot, Entries, Space};
use crm_core::{Error, Result};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The open snapshots, by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Snapshots {
    open: Mutex<BTreeMap<u64, usize>>,
    closed: Condvar,
    /// Snapshots older than this were given up on.
    given_up_below: AtomicU64,
}

impl Snapshots {
    /// How long the applier waits for a snapshot older than the batch it is to write.
    pub(crate) const PATIENCE: Duration = Duration::from_secs(5);

    /// Registers a snapshot at the newest published batch and returns its number. The
    /// number is read under the registry's lock: the applier checks the registry under it
    /// before writing a batch to sled, and a batch is published before it is written, so
    /// either the applier saw this snapshot or the snapshot's number covers the batch.
    ///
    /// A snapshot of a failed store is at most at `durable`: a batch whose journal write
    /// failed never becomes durable, and its committer was told so.
    fn open(&self, memtable: &Memtable, durable: Option<u64>) -> u64 {
        let mut open = self.lock();
        let at = durable.map_or(memtable.published(), |d| d.min(memtable.published()));
        *open.entry(at).or_default() += 1;
        at
    }

    fn close(&self, at: u64) {
        let mut open = self.lock();
        if let Some(n) = open.get_mut(&at) {
            *n -= 1;
            if *n == 0 {
                open.remove(&at);
            }
        }
        drop(open);
        self.closed.notify_all();
    }

    /// Waits until no snapshot older than `seq` is open, for at most `patience`; the ones
    /// still open then are given up on.
    pub(crate) fn wait_below(&self, seq: u64, patience: Duration) {
        let deadline = Instant::now() + patience;
        let mut open = self.lock();
        while open.keys().next().is_some_and(|oldest| *oldest < seq) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.given_up_below.fetch_max(seq, Ordering::SeqCst);
                return;
            }
            open = match self.closed.wait_timeout(open, left) {
                Ok((open, _)) => open,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// The registry holds plain counts that every holder leaves consistent.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, usize>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A snapshot of the sled store. See the [crate] docs.
#[derive(Debug)]
pub struct SledSnapshot<'a> {
    shared: &'a Shared,
    trees: &'a Trees,
    memtable: &'a Memtable,
    snapshots: &'a Snapshots,
    at: u64,
}

impl<'a> SledSnapshot<'a> {
    /// A snapshot at the newest published batch (of a failed store: the newest durable).
    pub(crate) fn new(shared: &'a Shared) -> Self {
        let durable = shared.failed().then(|| shared.journal.durable());
        let at = shared.snapshots.open(&shared.memtable, durable);
        SledSnapshot {
            shared,
            trees: &shared.trees,
            memtable: &shared.memtable,
            snapshots: &shared.snapshots,
            at,
        }
    }
}

impl Drop for SledSnapshot<'_> {
    fn drop(&mut self) {
        self.snapshots.close(self.at);
    }
}

impl EngineSnapshot for SledSnapshot<'_> {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.memtable.get(space, key, self.at) {
            Pending::Put(_, value) => Ok(Some(value)),
            Pending::Removed(_) => Ok(None),
            Pending::Absent => Ok(self
                .trees
                .of(space)
                .get(key)
                .map_err(storage)?
                .map(|v| v.to_vec())),
        }
    }

    fn scan(&self, space: Space, start: &[u8], end: Option<&[u8]>, reverse: bool) -> Entries<'_> {
        if end.is_some_and(|end| end <= start) {
            return Box::new(std::iter::empty());
        }
        let pending = self.memtable.range(space, start, end, self.at);
        let pending = pending.into_iter().map(|(k, v, _)| (k, v)).collect();
        let tree = self.trees.of(space);
        let stored = match end {
            Some(end) => tree.range(start.to_vec()..end.to_vec()),
            None => tree.range(start.to_vec()..),
        };
        let stored = stored.map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(storage));
        if reverse {
            Box::new(merge(stored.rev(), pending, true))
        } else {
            Box::new(merge(stored, pending, false))
        }
    }

    fn check(&self) -> Result<()> {
        if self.shared.failed() && self.at > self.shared.journal.durable() {
            return Err(Error::storage(
                "the store failed while this read ran, and it saw a commit that never became \
                 durable: read again",
            ));
        }
        if self.snapshots.given_up_below.load(Ordering::SeqCst) > self.at {
            return Err(Error::storage(format!(
                "a snapshot was kept open for more than {} s and was given up on: read again",
                Snapshots::PATIENCE.as_secs()
            )));
        }
        Ok(())
    }
}

//! Commits not yet written to sled, readable at once.
//!
//! A commit is published here (under the store's commit lock, in commit order) the moment it
//! is checked, and stays until the applier has written it to sled's trees. Reads look here
//! first: a key present here, put or removed, is as the newest commit left it; a key absent
//! here is as sled has it. The applier writes a batch to sled *before* retiring it from
//! here, so a key never goes missing between the two.
//!
//! Each key remembers the batch that last wrote it; retiring an older batch leaves a key that
//! a newer one wrote again.

use crate::batch::{Batch, Tree};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The pending commits. See the [module](self) docs.
#[derive(Debug, Default)]
pub(crate) struct Memtable {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per tree (in [`Tree::ALL`] order): key → its newest pending state.
    trees: [BTreeMap<Vec<u8>, Slot>; 3],
    /// The pending batches, oldest first.
    queue: VecDeque<Arc<Batch>>,
    /// The bytes of keys and values in `queue`.
    queued_bytes: usize,
}

#[derive(Debug)]
struct Slot {
    seq: u64,
    value: Option<Vec<u8>>,
}

/// A key's state in the memtable: absent (ask sled), or set by a pending commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    /// No pending commit touches the key.
    Absent,
    /// A pending commit put this value.
    Put(Vec<u8>),
    /// A pending commit removed the key.
    Removed,
}

impl Memtable {
    /// Publishes a checked commit (newer than every batch published before).
    pub(crate) fn publish(&self, batch: Arc<Batch>) {
        let mut inner = self.write();
        for change in &batch.changes {
            let slot = Slot {
                seq: batch.seq,
                value: change.value.clone(),
            };
            inner.trees[change.tree.position()].insert(change.key.clone(), slot);
        }
        inner.queued_bytes += batch.size();
        inner.queue.push_back(batch);
    }

    /// The pending state of `key` in `tree`.
    pub(crate) fn get(&self, tree: Tree, key: &[u8]) -> Pending {
        match self.read().trees[tree.position()].get(key) {
            None => Pending::Absent,
            Some(Slot {
                value: Some(value), ..
            }) => Pending::Put(value.clone()),
            Some(Slot { value: None, .. }) => Pending::Removed,
        }
    }

    /// The pending keys of `tree` in `start..end`, ascending, each with `true` when put and
    /// `false` when removed. A copy: the caller holds no lock while merging it with sled.
    pub(crate) fn keys_in(&self, tree: Tree, start: &[u8], end: &[u8]) -> Vec<(Vec<u8>, bool)> {
        if start >= end {
            return Vec::new();
        }
        self.read().trees[tree.position()]
            .range::<[u8], _>((
                std::ops::Bound::Included(start),
                std::ops::Bound::Excluded(end),
            ))
            .map(|(key, slot)| (key.clone(), slot.value.is_some()))
            .collect()
    }

    /// The oldest pending batches with numbers up to `through`, at most `max` of them.
    pub(crate) fn ready(&self, through: u64, max: usize) -> Vec<Arc<Batch>> {
        self.read()
            .queue
            .iter()
            .take_while(|b| b.seq <= through)
            .take(max)
            .cloned()
            .collect()
    }

    /// Retires the oldest pending batch, `batch`, which sled now holds: its keys are read
    /// from sled again, unless a newer pending batch wrote them too.
    pub(crate) fn retire(&self, batch: &Batch) {
        let mut inner = self.write();
        if inner.queue.front().map(|b| b.seq) != Some(batch.seq) {
            return;
        }
        for change in &batch.changes {
            let tree = &mut inner.trees[change.tree.position()];
            if tree.get(&change.key).is_some_and(|s| s.seq == batch.seq) {
                tree.remove(&change.key);
            }
        }
        inner.queued_bytes -= batch.size();
        inner.queue.pop_front();
    }

    /// The bytes of the pending batches.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.read().queued_bytes
    }

    // The memtable's data stays consistent whatever panicked while holding the lock (each
    // method changes it only after computing what to change), so a poisoned lock is used.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Change;

    fn batch(seq: u64, changes: &[(Tree, &str, Option<&str>)]) -> Arc<Batch> {
        Arc::new(Batch {
            seq,
            changes: changes
                .iter()
                .map(|(tree, key, value)| Change {
                    tree: *tree,
                    key: key.as_bytes().to_vec(),
                    value: value.map(|v| v.as_bytes().to_vec()),
                })
                .collect(),
        })
    }

    #[test]
    fn the_newest_pending_state_wins_until_its_batch_retires() {
        let m = Memtable::default();
        let one = batch(
            1,
            &[
                (Tree::Records, "a", Some("1")),
                (Tree::Index, "i", Some("")),
            ],
        );
        let two = batch(
            2,
            &[(Tree::Records, "a", Some("2")), (Tree::Index, "i", None)],
        );
        m.publish(one.clone());
        m.publish(two.clone());
        assert_eq!(m.get(Tree::Records, b"a"), Pending::Put(b"2".to_vec()));
        assert_eq!(m.get(Tree::Index, b"i"), Pending::Removed);
        assert_eq!(m.get(Tree::Unique, b"a"), Pending::Absent);
        assert_eq!(m.ready(1, 10), vec![one.clone()]);
        assert_eq!(m.ready(5, 1), vec![one.clone()]);
        // Retiring batch 1 keeps what batch 2 wrote again.
        m.retire(&one);
        assert_eq!(m.get(Tree::Records, b"a"), Pending::Put(b"2".to_vec()));
        assert_eq!(m.get(Tree::Index, b"i"), Pending::Removed);
        // Retiring out of order does nothing.
        m.retire(&one);
        assert_eq!(m.ready(5, 10), vec![two.clone()]);
        m.retire(&two);
        assert_eq!(m.get(Tree::Records, b"a"), Pending::Absent);
        assert!(m.ready(u64::MAX, 10).is_empty());
        assert_eq!(m.queued_bytes(), 0);
    }

    #[test]
    fn keys_in_a_range_come_sorted_with_removals_marked() {
        let m = Memtable::default();
        m.publish(batch(
            1,
            &[
                (Tree::Index, "b", Some("")),
                (Tree::Index, "d", None),
                (Tree::Index, "a", Some("")),
                (Tree::Records, "c", Some("x")),
            ],
        ));
        assert_eq!(
            m.keys_in(Tree::Index, b"a", b"d"),
            vec![(b"a".to_vec(), true), (b"b".to_vec(), true)]
        );
        assert_eq!(
            m.keys_in(Tree::Index, b"b", b"z"),
            vec![(b"b".to_vec(), true), (b"d".to_vec(), false)]
        );
        assert!(m.keys_in(Tree::Index, b"z", b"a").is_empty());
    }
}

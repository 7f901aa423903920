//! Commits not yet written to sled, readable at once, each key with every pending version.
//!
//! A batch is published here (under the store's commit lock, in commit order) the moment it is
//! checked, and stays until the applier has written it to sled's trees. Each key keeps one
//! version per pending batch that wrote it, oldest first, so a snapshot taken at sequence
//! number `at` reads the newest version no newer than `at`; a key with no such version is as
//! sled has it (the applier never writes to sled a batch newer than an open snapshot, see
//! [`crate::snapshot`]). The applier writes a batch to sled *before* retiring its versions, so
//! a key never goes missing between the two.

use crate::batch::Batch;
use crm_core::store::kv::Space;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The pending commits. See the [module](self) docs.
#[derive(Debug, Default)]
pub(crate) struct Memtable {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per space (in [`Space::ALL`] order): key → its pending versions, oldest first.
    spaces: [BTreeMap<Vec<u8>, Vec<Version>>; 4],
    /// The pending batches, oldest first.
    queue: VecDeque<Arc<Batch>>,
    /// The bytes of keys and values in `queue`.
    queued_bytes: usize,
    /// The sequence number of the newest batch published.
    published: u64,
}

/// One pending version of a key: change `at` of `batch`.
#[derive(Debug, Clone)]
struct Version {
    batch: Arc<Batch>,
    at: usize,
}

impl Version {
    fn seq(&self) -> u64 {
        self.batch.seq
    }

    fn value(&self) -> Option<&[u8]> {
        self.batch.changes[self.at].value.as_deref()
    }
}

/// A key's state as a snapshot sees it in the memtable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    /// No pending version old enough: ask sled.
    Absent,
    /// Batch `seq` put this value.
    Put(u64, Vec<u8>),
    /// Batch `seq` removed the key.
    Removed(u64),
}

impl Memtable {
    /// An empty memtable whose next batch follows `published`.
    pub(crate) fn after(published: u64) -> Self {
        let memtable = Self::default();
        memtable.write().published = published;
        memtable
    }

    /// Publishes a checked batch (numbered right after the last one).
    pub(crate) fn publish(&self, batch: Arc<Batch>) {
        let mut inner = self.write();
        for (at, change) in batch.changes.iter().enumerate() {
            let version = Version {
                batch: batch.clone(),
                at,
            };
            inner.spaces[change.space.position()]
                .entry(change.key.clone())
                .or_default()
                .push(version);
        }
        inner.queued_bytes += batch.size();
        inner.published = batch.seq;
        inner.queue.push_back(batch);
    }

    /// The sequence number of the newest batch published.
    pub(crate) fn published(&self) -> u64 {
        self.read().published
    }

    /// The state of `key` in `space` for a snapshot at `at`.
    pub(crate) fn get(&self, space: Space, key: &[u8], at: u64) -> Pending {
        let inner = self.read();
        match inner.spaces[space.position()]
            .get(key)
            .and_then(|versions| visible(versions, at))
        {
            None => Pending::Absent,
            Some(v) => match v.value() {
                Some(value) => Pending::Put(v.seq(), value.to_vec()),
                None => Pending::Removed(v.seq()),
            },
        }
    }

    /// The keys of `space` from `start` to `end` (excluded; `None`: to the end) with a version
    /// visible at `at`, ascending: each with the version's value (`None`: removed) and batch.
    /// A copy: the caller holds no lock while merging it with sled.
    pub(crate) fn range(
        &self,
        space: Space,
        start: &[u8],
        end: Option<&[u8]>,
        at: u64,
    ) -> Vec<(Vec<u8>, Option<Vec<u8>>, u64)> {
        if end.is_some_and(|end| end <= start) {
            return Vec::new();
        }
        let upper = end.map_or(Bound::Unbounded, Bound::Excluded);
        self.read().spaces[space.position()]
            .range::<[u8], _>((Bound::Included(start), upper))
            .filter_map(|(key, versions)| {
                let v = visible(versions, at)?;
                Some((key.clone(), v.value().map(<[u8]>::to_vec), v.seq()))
            })
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

    /// Retires the oldest pending batch, `batch`, which sled now holds: its versions go, and
    /// its keys are read from sled again unless a newer pending batch wrote them too.
    pub(crate) fn retire(&self, batch: &Batch) {
        let mut inner = self.write();
        if inner.queue.front().map(|b| b.seq) != Some(batch.seq) {
            return;
        }
        for change in &batch.changes {
            let space = &mut inner.spaces[change.space.position()];
            if let Some(versions) = space.get_mut(&change.key) {
                versions.retain(|v| v.seq() != batch.seq);
                if versions.is_empty() {
                    space.remove(&change.key);
                }
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

/// The newest of `versions` (oldest first) no newer than `at`.
fn visible(versions: &[Version], at: u64) -> Option<&Version> {
    versions.iter().rev().find(|v| v.seq() <= at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Change;

    fn batch(seq: u64, changes: &[(Space, &str, Option<&str>)]) -> Arc<Batch> {
        Arc::new(Batch {
            seq,
            changes: changes
                .iter()
                .map(|(space, key, value)| Change {
                    space: *space,
                    key: key.as_bytes().to_vec(),
                    value: value.map(|v| v.as_bytes().to_vec()),
                })
                .collect(),
        })
    }

    #[test]
    fn a_snapshot_sees_the_newest_version_no_newer_than_itself() {
        let m = Memtable::default();
        let one = batch(
            1,
            &[
                (Space::Records, "a", Some("1")),
                (Space::Index, "i", Some("")),
            ],
        );
        let two = batch(
            2,
            &[(Space::Records, "a", Some("2")), (Space::Index, "i", None)],
        );
        m.publish(one.clone());
        m.publish(two.clone());
        assert_eq!(m.published(), 2);
        assert_eq!(
            m.get(Space::Records, b"a", 2),
            Pending::Put(2, b"2".to_vec())
        );
        assert_eq!(
            m.get(Space::Records, b"a", 1),
            Pending::Put(1, b"1".to_vec())
        );
        assert_eq!(m.get(Space::Records, b"a", 0), Pending::Absent);
        assert_eq!(m.get(Space::Index, b"i", 2), Pending::Removed(2));
        assert_eq!(m.get(Space::Unique, b"a", 2), Pending::Absent);
        assert_eq!(m.ready(1, 10), vec![one.clone()]);
        assert_eq!(m.ready(5, 1), vec![one.clone()]);
        // Retiring batch 1 keeps what batch 2 wrote again.
        m.retire(&one);
        assert_eq!(
            m.get(Space::Records, b"a", 2),
            Pending::Put(2, b"2".to_vec())
        );
        assert_eq!(m.get(Space::Records, b"a", 1), Pending::Absent);
        // Retiring out of order does nothing.
        m.retire(&one);
        assert_eq!(m.ready(5, 10), vec![two.clone()]);
        m.retire(&two);
        assert_eq!(m.get(Space::Records, b"a", 2), Pending::Absent);
        assert!(m.ready(u64::MAX, 10).is_empty());
        assert_eq!(m.queued_bytes(), 0);
    }

    #[test]
    fn a_range_comes_sorted_with_removals_marked_as_of_the_snapshot() {
        let m = Memtable::after(0);
        m.publish(batch(
            1,
            &[
                (Space::Index, "b", Some("")),
                (Space::Index, "d", None),
                (Space::Index, "a", Some("")),
                (Space::Records, "c", Some("x")),
            ],
        ));
        m.publish(batch(2, &[(Space::Index, "c", Some(""))]));
        assert_eq!(
            m.range(Space::Index, b"a", Some(b"d"), 1),
            vec![
                (b"a".to_vec(), Some(vec![]), 1),
                (b"b".to_vec(), Some(vec![]), 1)
            ]
        );
        assert_eq!(
            m.range(Space::Index, b"b", None, 2),
            vec![
                (b"b".to_vec(), Some(vec![]), 1),
                (b"c".to_vec(), Some(vec![]), 2),
                (b"d".to_vec(), None, 1)
            ]
        );
        assert!(m.range(Space::Index, b"z", Some(b"a"), 2).is_empty());
    }
}

//! A commit: the whole of one change, applied atomically.

use super::record::Record;
use crate::record::{Entity, RecordKind};
use uuid::Uuid;

/// One write of a [`Commit`].
#[derive(Debug, Clone)]
pub enum Write {
    /// Store the record. A record whose version is `n` replaces the stored version `n - 1`;
    /// version 1 means "create: must not exist yet".
    Put(Record),
    /// Delete the record, which must be stored at exactly `version`.
    Delete {
        /// The kind.
        kind: RecordKind,
        /// The id.
        id: Uuid,
        /// The version the deletion is based on.
        version: u64,
    },
}

/// The whole of one change: records to write (with the versions they were based on), audit
/// entries and outbox messages among them. A store applies all of it or none of it.
///
/// Writes apply in order, as if one after another: deleting a customer before putting the
/// customer who takes over its contact points is a valid commit; the reverse order is a
/// conflict.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    /// The writes, in order.
    pub writes: Vec<Write>,
}

impl Commit {
    /// An empty commit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a put of `record` (see [`Write::Put`]).
    pub fn put(&mut self, record: impl Into<Record>) -> &mut Self {
        self.writes.push(Write::Put(record.into()));
        self
    }

    /// Adds a delete of the record `kind`/`id` stored at `version`.
    pub fn delete(&mut self, kind: RecordKind, id: Uuid, version: u64) -> &mut Self {
        self.writes.push(Write::Delete { kind, id, version });
        self
    }

    /// Adds a delete of the record of type `T` with `id`, stored at `version`.
    pub fn delete_of<T: Entity>(&mut self, id: Uuid, version: u64) -> &mut Self {
        self.delete(T::KIND, id, version)
    }

    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

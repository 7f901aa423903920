//! A commit staged over the current state: checked in full before anything is applied.

use super::{Data, RecordKey, record_key};
use crm_core::id::WorkspaceId;
use crm_core::store::kv::{self, KvWrite};
use crm_core::store::{Commit, Record, RecordKind};
use crm_core::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The writes of one commit; `None` (or `false`) marks a removal.
#[derive(Default)]
pub(super) struct Changes {
    records: HashMap<RecordKey, Option<Record>>,
    unique: HashMap<Vec<u8>, Option<Uuid>>,
    index: BTreeMap<Vec<u8>, bool>,
}

/// Changes read through to the base state while a commit is checked.
struct Staged<'a> {
    base: &'a Data,
    changes: Changes,
}

/// Stages `commit` over `base`; an error means nothing is to be applied.
pub(super) fn stage(base: &Data, ws: WorkspaceId, commit: &Commit) -> Result<Changes> {
    let mut staged = Staged {
        base,
        changes: Changes::default(),
    };
    kv::apply_commit(&mut staged, ws, commit)?;
    Ok(staged.changes)
}

impl Changes {
    /// Applies the staged writes.
    pub(super) fn apply_to(self, data: &mut Data) {
        let Changes {
            records,
            unique,
            index,
        } = self;
        for (key, record) in records {
            match record {
                Some(r) => data.records.insert(key, r),
                None => data.records.remove(&key),
            };
        }
        for (key, owner) in unique {
            match owner {
                Some(o) => data.unique.insert(key, o),
                None => data.unique.remove(&key),
            };
        }
        for (key, present) in index {
            if present {
                data.index.insert(key);
            } else {
                data.index.remove(&key);
            }
        }
    }
}

impl KvWrite for Staged<'_> {
    type Error = Error;

    fn record(&mut self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        let key = record_key(ws, kind, id);
        Ok(match self.changes.records.get(&key) {
            Some(staged) => staged.clone(),
            None => self.base.records.get(&key).cloned(),
        })
    }

    fn put_record(&mut self, ws: WorkspaceId, record: &Record) -> Result<()> {
        self.changes.records.insert(
            record_key(ws, record.kind(), record.id()),
            Some(record.clone()),
        );
        Ok(())
    }

    fn remove_record(&mut self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<()> {
        self.changes.records.insert(record_key(ws, kind, id), None);
        Ok(())
    }

    fn unique_owner(&mut self, key: &[u8]) -> Result<Option<Uuid>> {
        Ok(match self.changes.unique.get(key) {
            Some(staged) => *staged,
            None => self.base.unique.get(key).copied(),
        })
    }

    fn put_unique(&mut self, key: &[u8], owner: Uuid) -> Result<()> {
        self.changes.unique.insert(key.to_vec(), Some(owner));
        Ok(())
    }

    fn remove_unique(&mut self, key: &[u8]) -> Result<()> {
        self.changes.unique.insert(key.to_vec(), None);
        Ok(())
    }

    fn put_index(&mut self, key: &[u8]) -> Result<()> {
        self.changes.index.insert(key.to_vec(), true);
        Ok(())
    }

    fn remove_index(&mut self, key: &[u8]) -> Result<()> {
        self.changes.index.insert(key.to_vec(), false);
        Ok(())
    }
}

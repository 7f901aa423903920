//! A commit checked against a snapshot and turned into the [`Batch`] of key changes it makes:
//! the commit rules of [`crate::store::Store::commit`], once for every key-value engine.
//!
//! [`stage`] runs under the store's commit lock, over a snapshot of everything written
//! before, so nothing changes between the checks and the write. A refused commit (stale
//! version, taken key, damaged record) returns its error and has staged nothing anywhere.

use super::highest::Highest;
use super::layout::{self, Space};
use super::{Batch, Change, EngineSnapshot};
use crate::error::{Conflict, Error, Result};
use crate::id::WorkspaceId;
use crate::record::{Body, Keys, RecordKind, RecordRef};
use crate::store::{Commit, Record, Write};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The changes `commit` makes to `ws` over `snapshot`, each key once, in key order.
/// `highest` must be the commit lock's; `kinds` name the holders of taken keys.
///
/// # Errors
/// [`Error::Conflict`] for a stale version or a taken key, [`Error::Invalid`] for version 0,
/// [`Error::Corrupted`] for damaged stored bytes it reads, [`Error::Storage`] for failed
/// reads or a record that does not encode.
pub fn stage<S: EngineSnapshot + ?Sized>(
    snapshot: &S,
    highest: &mut Highest,
    kinds: &[RecordKind],
    ws: WorkspaceId,
    commit: &Commit,
) -> Result<Batch> {
    let mut staged = Staged {
        snapshot,
        highest,
        kinds,
        ws,
        changes: BTreeMap::new(),
    };
    for write in &commit.writes {
        match write {
            Write::Put(record) => staged.put(record)?,
            Write::Delete { kind, id, version } => staged.delete(*kind, *id, *version)?,
        }
    }
    let changes = staged
        .changes
        .into_iter()
        .map(|((space, key), value)| Change { space, key, value })
        .collect();
    Ok(Batch { changes })
}

/// The changes so far, read through to the snapshot.
struct Staged<'s, S: EngineSnapshot + ?Sized> {
    snapshot: &'s S,
    highest: &'s mut Highest,
    kinds: &'s [RecordKind],
    ws: WorkspaceId,
    changes: BTreeMap<(Space, Vec<u8>), Option<Vec<u8>>>,
}

impl<S: EngineSnapshot + ?Sized> Staged<'_, S> {
    fn value(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>> {
        match self.changes.get(&(space, key.to_vec())) {
            Some(staged) => Ok(staged.clone()),
            None => self.snapshot.get(space, key),
        }
    }

    fn set(&mut self, space: Space, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.changes.insert((space, key), value);
    }

    /// The keys the stored record `kind`/`id` claims, if it is stored.
    fn stored_keys(&mut self, kind: RecordKind, id: Uuid) -> Result<Option<Keys>> {
        let key = layout::record_key(self.ws, kind, id);
        let staged = self.changes.get(&(Space::Records, key.clone())).cloned();
        let bytes = match staged {
            Some(staged) => staged,
            None if self.highest.above(self.snapshot, self.ws, kind, id)? => None,
            None => self.snapshot.get(Space::Records, &key)?,
        };
        match bytes {
            None => Ok(None),
            Some(bytes) => kind
                .keys(&Body::Binary(bytes))
                .map(Some)
                .map_err(|e| match e {
                    Error::Corrupted { source, .. } => Error::Corrupted {
                        key: format!("{kind}/{id} (workspace {})", self.ws.0),
                        source,
                    },
                    other => other,
                }),
        }
    }

    fn put(&mut self, record: &Record) -> Result<()> {
        let (kind, id, version) = (record.kind(), record.id(), record.version());
        if version == 0 {
            return Err(Error::invalid(
                "version",
                "a stored record's version starts at 1",
            ));
        }
        let old = self.stored_keys(kind, id)?;
        let found = old.as_ref().map_or(0, |k| k.version);
        if found != version - 1 {
            return Err(stale(kind, id, version - 1, found));
        }
        let old = old.unwrap_or_default();
        let new = record.keys();
        let (old_unique, new_unique) = (set(&old.unique), set(&new.unique));
        for key in old_unique.difference(&new_unique) {
            self.release(key, id)?;
        }
        for key in new_unique.difference(&old_unique) {
            self.claim(key, kind, id)?;
        }
        let old_index = self.entry_keys(&old, id);
        let new_index = self.entry_keys(new, id);
        for key in old_index.difference(&new_index) {
            self.set(Space::Index, key.clone(), None);
        }
        for key in new_index.difference(&old_index) {
            self.set(Space::Index, key.clone(), Some(layout::index_value(kind)));
        }
        let Body::Binary(bytes) = record.binary()? else {
            return Err(Error::storage("a binary body was not binary"));
        };
        if u32::try_from(bytes.len()).is_err() {
            return Err(Error::storage(format!(
                "{kind} {id} takes {} bytes: more than a store entry holds",
                bytes.len()
            )));
        }
        let key = layout::record_key(self.ws, kind, id);
        self.set(Space::Records, key, Some(bytes));
        Ok(())
    }

    fn delete(&mut self, kind: RecordKind, id: Uuid, version: u64) -> Result<()> {
        let old = self.stored_keys(kind, id)?;
        let found = old.as_ref().map_or(0, |k| k.version);
        let Some(old) = old.filter(|_| found == version && version > 0) else {
            return Err(stale(kind, id, version, found));
        };
        for key in &old.unique {
            self.release(key, id)?;
        }
        for key in self.entry_keys(&old, id) {
            self.set(Space::Index, key, None);
        }
        self.set(Space::Records, layout::record_key(self.ws, kind, id), None);
        Ok(())
    }

    /// Gives unique key `key` to `kind`/`id`, unless another record holds it.
    fn claim(&mut self, key: &str, kind: RecordKind, id: Uuid) -> Result<()> {
        let stored = layout::unique_key(self.ws, key);
        if let Some(value) = self.value(Space::Unique, &stored)? {
            let (tag, holder) = layout::parse_holder(&value).ok_or_else(|| damaged(key))?;
            if holder != id {
                let holder = RecordRef {
                    kind: RecordKind::find(self.kinds, tag),
                    id: holder,
                };
                return Err(Error::Conflict(Conflict::KeyTaken {
                    key: key.to_owned(),
                    holder,
                }));
            }
        }
        self.set(Space::Unique, stored, Some(layout::holder_value(kind, id)));
        Ok(())
    }

    /// Frees unique key `key` if record `id` holds it.
    fn release(&mut self, key: &str, id: Uuid) -> Result<()> {
        let stored = layout::unique_key(self.ws, key);
        let held = self
            .value(Space::Unique, &stored)?
            .and_then(|v| layout::parse_holder(&v))
            .is_some_and(|(_, holder)| holder == id);
        if held {
            self.set(Space::Unique, stored, None);
        }
        Ok(())
    }

    fn entry_keys(&self, keys: &Keys, id: Uuid) -> BTreeSet<Vec<u8>> {
        keys.entries
            .iter()
            .map(|e| layout::index_key(self.ws, e, id))
            .collect()
    }
}

fn set(keys: &[String]) -> BTreeSet<&str> {
    keys.iter().map(String::as_str).collect()
}

fn stale(kind: RecordKind, id: Uuid, expected: u64, found: u64) -> Error {
    Error::Conflict(Conflict::StaleVersion {
        kind,
        id,
        expected,
        found,
    })
}

fn damaged(key: &str) -> Error {
    Error::Corrupted {
        key: format!("unique key {key}"),
        source: "its holder is not a kind and an id".into(),
    }
}

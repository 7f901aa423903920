//! A commit checked against the current state and turned into the changes it makes
//! ([`KvWrite`] over a [`View`]).
//!
//! The store calls [`stage`] under its commit lock, so nothing changes the state between the
//! checks and the publication of the changes. A refused commit (stale version, taken key,
//! damaged record) returns its error and has staged nothing anywhere.

use crate::batch::{Change, Tree};
use crate::encoding;
use crate::highest::Highest;
use crate::read::{Bytes, View, decode_owner, decode_record};
use crm_core::id::WorkspaceId;
use crm_core::store::kv::{self, KvWrite};
use crm_core::store::{Commit, Record, RecordKind};
use crm_core::{Error, Result};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The changes `commit` makes to `ws` as `view` sees it, each key once, in key order.
/// `highest` must be the commit lock's (see [`Highest`]).
///
/// # Errors
/// What [`kv::apply_commit`] refuses ([`Error::Conflict`], [`Error::Invalid`]),
/// [`Error::Corrupted`] for damaged stored bytes it reads, [`Error::Storage`] for failed
/// reads or a record too large to journal.
pub(crate) fn stage(
    view: &View<'_>,
    highest: &mut Highest,
    ws: WorkspaceId,
    commit: &Commit,
) -> Result<Vec<Change>> {
    let mut staged = Staged {
        view,
        highest,
        changes: Default::default(),
    };
    kv::apply_commit(&mut staged, ws, commit)?;
    let mut changes = Vec::new();
    for (tree, staged) in Tree::ALL.into_iter().zip(staged.changes) {
        changes.extend(
            staged
                .into_iter()
                .map(|(key, value)| Change { tree, key, value }),
        );
    }
    Ok(changes)
}

/// The changes so far (per tree, in [`Tree::ALL`] order), read through to the view.
struct Staged<'v> {
    view: &'v View<'v>,
    highest: &'v mut Highest,
    changes: [BTreeMap<Vec<u8>, Option<Vec<u8>>>; 3],
}

impl Staged<'_> {
    fn value(&self, tree: Tree, key: &[u8]) -> Result<Option<Bytes>> {
        match self.changes[tree.position()].get(key) {
            Some(staged) => Ok(staged.clone().map(Bytes::Pending)),
            None => self.view.value(tree, key),
        }
    }

    fn set(&mut self, tree: Tree, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.changes[tree.position()].insert(key, value);
    }
}

impl KvWrite for Staged<'_> {
    type Error = Error;

    fn record(&mut self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        let key = kv::record_key(ws, kind, id);
        let bytes = match self.changes[Tree::Records.position()].get(&key) {
            Some(staged) => staged.clone().map(Bytes::Pending),
            None if self.highest.above(self.view, ws, kind, id)? => None,
            None => self.view.value(Tree::Records, &key)?,
        };
        bytes
            .map(|bytes| decode_record(ws, kind, id, &bytes))
            .transpose()
    }

    fn put_record(&mut self, ws: WorkspaceId, record: &Record) -> Result<()> {
        let bytes = encoding::encode(record)?;
        if u32::try_from(bytes.len()).is_err() {
            return Err(Error::storage(format!(
                "{} {} takes {} bytes: more than a store entry holds",
                record.kind(),
                record.id(),
                bytes.len()
            )));
        }
        let key = kv::record_key(ws, record.kind(), record.id());
        self.set(Tree::Records, key, Some(bytes));
        Ok(())
    }

    fn remove_record(&mut self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<()> {
        self.set(Tree::Records, kv::record_key(ws, kind, id), None);
        Ok(())
    }

    fn unique_owner(&mut self, key: &[u8]) -> Result<Option<Uuid>> {
        match self.value(Tree::Unique, key)? {
            Some(bytes) => decode_owner(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn put_unique(&mut self, key: &[u8], owner: Uuid) -> Result<()> {
        self.set(Tree::Unique, key.to_vec(), Some(owner.as_bytes().to_vec()));
        Ok(())
    }

    fn remove_unique(&mut self, key: &[u8]) -> Result<()> {
        self.set(Tree::Unique, key.to_vec(), None);
        Ok(())
    }

    fn put_index(&mut self, key: &[u8]) -> Result<()> {
        self.set(Tree::Index, key.to_vec(), Some(Vec::new()));
        Ok(())
    }

    fn remove_index(&mut self, key: &[u8]) -> Result<()> {
        self.set(Tree::Index, key.to_vec(), None);
        Ok(())
    }
}

//! Reads ([`KvRead`]): the pending commits of the memtable over sled's trees.
//!
//! Reads need no transaction: each key is read as last committed (the memtable first, then
//! sled). A query that reads an index entry and then its record may see a commit land
//! between the two; the entry and the record came in one commit, so the record is then
//! newer, never missing (deletions aside, which the query functions treat as "gone").

use crate::batch::Tree;
use crate::encoding;
use crate::error::storage;
use crate::memtable::{Memtable, Pending};
use crate::merge::merge;
use crm_core::id::WorkspaceId;
use crm_core::store::kv::{self, KeyRange, KvRead};
use crm_core::store::{Record, RecordKind};
use crm_core::{Error, Result};
use uuid::Uuid;

/// The trees a commit writes.
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    /// `kv::record_key` → encoded record.
    pub(crate) records: sled::Tree,
    /// stored unique key → 16-byte owner id.
    pub(crate) unique: sled::Tree,
    /// index keys → empty value.
    pub(crate) index: sled::Tree,
}

impl Trees {
    /// The sled tree of `tree`.
    pub(crate) fn of(&self, tree: Tree) -> &sled::Tree {
        match tree {
            Tree::Records => &self.records,
            Tree::Unique => &self.unique,
            Tree::Index => &self.index,
        }
    }
}

/// A value as read: a pending commit's copy, or sled's own (shared, not copied).
#[derive(Debug, Clone)]
pub(crate) enum Bytes {
    /// From the memtable.
    Pending(Vec<u8>),
    /// From sled.
    Stored(sled::IVec),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Pending(bytes) => bytes,
            Bytes::Stored(bytes) => bytes,
        }
    }
}

/// What a reader sees: the memtable's pending commits over sled's trees.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) trees: &'a Trees,
    pub(crate) memtable: &'a Memtable,
}

impl View<'_> {
    /// The value of `key` in `tree`.
    pub(crate) fn value(&self, tree: Tree, key: &[u8]) -> Result<Option<Bytes>> {
        match self.memtable.get(tree, key) {
            Pending::Put(value) => Ok(Some(Bytes::Pending(value))),
            Pending::Removed => Ok(None),
            Pending::Absent => Ok(self
                .trees
                .of(tree)
                .get(key)
                .map_err(storage)?
                .map(Bytes::Stored)),
        }
    }

    /// The highest id of a record of `kind` in `ws`, if any.
    pub(crate) fn last_record_id(&self, ws: WorkspaceId, kind: RecordKind) -> Result<Option<Uuid>> {
        self.record_ids_in(kv::record_range(ws, kind, None), true)
            .next()
            .transpose()
    }

    /// The ids of the records in `range` of the records tree.
    fn record_ids_in(
        &self,
        range: KeyRange,
        reverse: bool,
    ) -> impl Iterator<Item = Result<Uuid>> + '_ {
        self.keys(Tree::Records, range, reverse).map(|key| {
            let key = key?;
            kv::parse_record_key(&key)
                .map(|(_, _, id)| id)
                .ok_or_else(|| Error::Corrupted {
                    key: format!("records {key:02x?}"),
                    source: "not a record key".into(),
                })
        })
    }

    /// The keys of `tree` in `range`, ascending or descending.
    fn keys(
        &self,
        tree: Tree,
        range: KeyRange,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>>> + '_> {
        if range.start >= range.end {
            return Box::new(std::iter::empty());
        }
        let pending = self.memtable.keys_in(tree, &range.start, &range.end);
        let stored = self.trees.of(tree).range(range.start..range.end).keys();
        let stored = stored.map(|k| k.map(|k| k.to_vec()).map_err(storage));
        if reverse {
            Box::new(merge(stored.rev(), pending, true))
        } else {
            Box::new(merge(stored, pending, false))
        }
    }
}

impl KvRead for View<'_> {
    fn record(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        match self.value(Tree::Records, &kv::record_key(ws, kind, id))? {
            Some(bytes) => decode_record(ws, kind, id, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn unique_owner(&self, key: &[u8]) -> Result<Option<Uuid>> {
        match self.value(Tree::Unique, key)? {
            Some(bytes) => decode_owner(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn index_scan(
        &self,
        range: KeyRange,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>>> + '_> {
        self.keys(Tree::Index, range, reverse)
    }

    fn record_ids(
        &self,
        ws: WorkspaceId,
        kind: RecordKind,
        after: Option<Uuid>,
    ) -> Box<dyn Iterator<Item = Result<Uuid>> + '_> {
        Box::new(self.record_ids_in(kv::record_range(ws, kind, after), false))
    }
}

/// Where a record is, for [`Error::Corrupted`].
pub(crate) fn record_location(ws: WorkspaceId, kind: RecordKind, id: Uuid) -> String {
    format!("records/{kind}/{id} (workspace {})", ws.0)
}

/// Decodes the stored record `kind`/`id`, checking that it is the record its key names.
pub(crate) fn decode_record(
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
    bytes: &[u8],
) -> Result<Record> {
    let record = encoding::decode_at(kind, bytes, || record_location(ws, kind, id))?;
    if record.id() != id {
        return Err(Error::Corrupted {
            key: record_location(ws, kind, id),
            source: format!("the value holds record {}", record.id()).into(),
        });
    }
    Ok(record)
}

/// Decodes the owner stored under unique key `key`.
pub(crate) fn decode_owner(key: &[u8], bytes: &[u8]) -> Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| Error::Corrupted {
        key: format!(
            "unique {}",
            String::from_utf8_lossy(key.get(16..).unwrap_or(key))
        ),
        source: Box::new(e),
    })
}

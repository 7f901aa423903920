//! The byte layout of every key-value store: four key spaces, every key of the first three
//! starting with the 16 bytes of the workspace id.
//!
//! | space | key | value |
//! |-------|-----|-------|
//! | [`Space::Records`] | `ws \| kind tag (2) \| id (16)` | the binary body ([`crate::record::Body`]) |
//! | [`Space::Unique`] | `ws \| key text` | the holder: `kind tag (2) \| id (16)` |
//! | [`Space::Index`] | `ws \| index tag (2) \| key \| id (16)` | the record's kind tag (2) |
//! | [`Space::Meta`] | a name | the store's own bookkeeping (see [`super::KvStore`]) |
//!
//! Tags are big-endian, so byte order is tag order, and an index's entries sort by key, then
//! id ([`crate::record::key`]).

use crate::id::WorkspaceId;
use crate::record::{IndexEntry, RecordKind};
use uuid::Uuid;

/// A key space of a key-value engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Space {
    /// Records by workspace, kind and id.
    Records,
    /// Unique keys and their holders.
    Unique,
    /// Index entries.
    Index,
    /// Bookkeeping of the store (schema and index versions).
    Meta,
}

impl Space {
    /// Every space, in order.
    pub const ALL: [Space; 4] = [Space::Records, Space::Unique, Space::Index, Space::Meta];

    /// Its position in [`Space::ALL`] (also its tag in engines' stored forms).
    pub fn position(self) -> usize {
        match self {
            Space::Records => 0,
            Space::Unique => 1,
            Space::Index => 2,
            Space::Meta => 3,
        }
    }

    /// The space at `position` in [`Space::ALL`].
    pub fn at(position: usize) -> Option<Space> {
        Space::ALL.get(position).copied()
    }
}

/// The key of record `kind`/`id` in `ws`.
pub fn record_key(ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Vec<u8> {
    let mut key = Vec::with_capacity(34);
    key.extend_from_slice(ws.0.as_bytes());
    key.extend_from_slice(&kind.tag().to_be_bytes());
    key.extend_from_slice(id.as_bytes());
    key
}

/// The workspace, kind tag and id of a [`record_key`].
pub fn parse_record_key(key: &[u8]) -> Option<(WorkspaceId, u16, Uuid)> {
    if key.len() != 34 {
        return None;
    }
    let ws = Uuid::from_slice(&key[..16]).ok()?;
    let tag = u16::from_be_bytes([key[16], key[17]]);
    let id = Uuid::from_slice(&key[18..]).ok()?;
    Some((WorkspaceId(ws), tag, id))
}

/// The prefix of every record of `kind` in `ws`.
pub fn records_prefix(ws: WorkspaceId, kind: RecordKind) -> Vec<u8> {
    let mut key = Vec::with_capacity(18);
    key.extend_from_slice(ws.0.as_bytes());
    key.extend_from_slice(&kind.tag().to_be_bytes());
    key
}

/// The key of unique key `key` in `ws`.
pub fn unique_key(ws: WorkspaceId, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(16 + key.len());
    k.extend_from_slice(ws.0.as_bytes());
    k.extend_from_slice(key.as_bytes());
    k
}

/// The stored holder of a unique key.
pub fn holder_value(kind: RecordKind, id: Uuid) -> Vec<u8> {
    let mut v = Vec::with_capacity(18);
    v.extend_from_slice(&kind.tag().to_be_bytes());
    v.extend_from_slice(id.as_bytes());
    v
}

/// The kind tag and id of a [`holder_value`].
pub fn parse_holder(value: &[u8]) -> Option<(u16, Uuid)> {
    if value.len() != 18 {
        return None;
    }
    let tag = u16::from_be_bytes([value[0], value[1]]);
    Some((tag, Uuid::from_slice(&value[2..]).ok()?))
}

/// The prefix of every key of `ws` in the index space.
pub fn index_prefix(ws: WorkspaceId) -> Vec<u8> {
    ws.0.as_bytes().to_vec()
}

/// The key of `entry` of record `id` in `ws`.
pub fn index_key(ws: WorkspaceId, entry: &IndexEntry, id: Uuid) -> Vec<u8> {
    let mut key = index_prefix(ws);
    key.extend_from_slice(&entry.stored_key(id));
    key
}

/// The id at the end of an index key.
pub fn index_target(key: &[u8]) -> Option<Uuid> {
    let start = key.len().checked_sub(16)?;
    Uuid::from_slice(&key[start..]).ok()
}

/// The stored value of an index entry: the kind tag of its record.
pub fn index_value(kind: RecordKind) -> Vec<u8> {
    kind.tag().to_be_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_and_holders_round_trip() {
        let ws = WorkspaceId(Uuid::from_u128(7));
        let id = Uuid::from_u128(9);
        let kind = RecordKind::CUSTOMER;
        let key = record_key(ws, kind, id);
        assert_eq!(parse_record_key(&key), Some((ws, kind.tag(), id)));
        assert!(key.starts_with(&records_prefix(ws, kind)));
        assert_eq!(
            parse_holder(&holder_value(kind, id)),
            Some((kind.tag(), id))
        );
        assert_eq!(parse_record_key(&key[1..]), None);
    }
}

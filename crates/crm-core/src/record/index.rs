//! Indexes: ordered lists of records that a record kind declares next to its type.
//!
//! An [`Index`] belongs to one kind. Each record of the kind has zero or more
//! [`IndexEntry`]s in it: a [`Key`] (a typed tuple) to which the store appends the record's
//! id, so entries are unique and sort by key, then id. Stores keep the entries in the commit
//! that writes the record and offer range scans over them ([`crate::store::Scan`]).

use super::key::Key;
use super::kind::RecordKind;

/// An index of one record kind. Its tag is stable (it is in stored keys) and unique among
/// every index of the application; its name is for people (SQL, errors).
#[derive(Debug, Clone, Copy)]
pub struct Index {
    kind: RecordKind,
    tag: u16,
    name: &'static str,
}

impl Index {
    /// An index of records of `kind`.
    pub const fn new(kind: RecordKind, tag: u16, name: &'static str) -> Self {
        Self { kind, tag, name }
    }

    /// The kind of the records it lists.
    pub fn kind(self) -> RecordKind {
        self.kind
    }

    /// The stable tag.
    pub fn tag(self) -> u16 {
        self.tag
    }

    /// The name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// An entry of this index at `key`.
    pub fn entry(self, key: Key) -> IndexEntry {
        IndexEntry { index: self, key }
    }

    /// The bytes every entry of this index starts with in a store's key space: the tag,
    /// big-endian.
    pub fn prefix(self) -> [u8; 2] {
        self.tag.to_be_bytes()
    }
}

impl PartialEq for Index {
    fn eq(&self, other: &Self) -> bool {
        self.tag == other.tag
    }
}

impl Eq for Index {}

impl std::hash::Hash for Index {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.tag.hash(state);
    }
}

/// One entry of a record in an index: the key it sorts by (the store appends the record's id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    /// The index.
    pub index: Index,
    /// The key, without the record's id.
    pub key: Key,
}

impl IndexEntry {
    /// The entry's whole stored key: the index's tag, the key, the record's id.
    pub fn stored_key(&self, id: uuid::Uuid) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(2 + self.key.as_bytes().len() + 16);
        bytes.extend_from_slice(&self.index.prefix());
        bytes.extend_from_slice(self.key.as_bytes());
        bytes.extend_from_slice(id.as_bytes());
        bytes
    }
}

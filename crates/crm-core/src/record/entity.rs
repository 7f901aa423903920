//! The trait every stored type implements: its kind, id, version, and the keys it claims.

use super::index::IndexEntry;
use super::kind::RecordKind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A stored type: a record kind with its keys.
///
/// The serde form of an entity is stored data: never rename, remove or reorder a field; add
/// new fields at the end of the struct with `#[serde(default)]`.
///
/// # Declaring a kind
///
/// ```
/// use crm_core::record::{Entity, Index, IndexEntry, Key, KindSpec, RecordKind};
/// use serde::{Deserialize, Serialize};
/// use uuid::Uuid;
///
/// #[derive(Serialize, Deserialize)]
/// struct Note { id: Uuid, version: u64, topic: String }
///
/// static NOTE: KindSpec = KindSpec::of::<Note>("note", 5000, 1, None);
/// const BY_TOPIC: Index = Index::new(Note::KIND, 5000, "note_by_topic");
///
/// impl Entity for Note {
///     const KIND: RecordKind = RecordKind::of(&NOTE);
///     fn id(&self) -> Uuid { self.id }
///     fn version(&self) -> u64 { self.version }
///     fn index_entries(&self) -> Vec<IndexEntry> {
///         vec![BY_TOPIC.entry(Key::new().text(&self.topic))]
///     }
/// }
/// assert_eq!(Note::KIND.as_str(), "note");
/// ```
pub trait Entity: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Its kind.
    const KIND: RecordKind;

    /// Its id, unique among the records of its kind in a workspace.
    fn id(&self) -> Uuid;

    /// Its optimistic version: 1 when created, one more on every change.
    fn version(&self) -> u64;

    /// The unique keys it claims in its workspace: a key belongs to at most one record of any
    /// kind (prefix keys with the kind's concept, e.g. `email:`, `request-no:`).
    fn unique_keys(&self) -> Vec<String> {
        Vec::new()
    }

    /// Its entries in the indexes of its kind.
    fn index_entries(&self) -> Vec<IndexEntry> {
        Vec::new()
    }
}

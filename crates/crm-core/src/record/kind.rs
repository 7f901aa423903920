//! Record kinds: the stable name and tag of each stored type, and how a store reads a stored
//! record's keys back without knowing its type.

use super::body::Body;
use super::entity::Entity;
use super::index::IndexEntry;
use super::table::Table;
use crate::error::Result;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The keys a record claims: its unique keys and its index entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    /// The record's version.
    pub version: u64,
    /// Unique keys ([`Entity::unique_keys`]).
    pub unique: Vec<String>,
    /// Index entries ([`Entity::index_entries`]).
    pub entries: Vec<IndexEntry>,
}

/// The description of a record kind, made once per stored type as a `static` (see
/// [`KindSpec::of`]) and referred to by its [`RecordKind`].
#[derive(Debug)]
pub struct KindSpec {
    name: &'static str,
    tag: u16,
    index_version: u32,
    table: Option<&'static Table>,
    keys: fn(&Body) -> Result<Keys>,
}

impl KindSpec {
    /// The kind of `T`, named `name` (snake_case, stable: it is in stored data) with `tag`
    /// (stable, unique among every kind of the application: crm-core's own use 1 to 999).
    ///
    /// `index_version` names the set of index entries and unique keys `T` declares: raise it
    /// whenever [`Entity::index_entries`] or [`Entity::unique_keys`] changes, and stores
    /// rebuild the entries of every stored record of the kind when they open.
    /// `table` describes the record as SQL columns, for stores that offer SQL views.
    pub const fn of<T: Entity>(
        name: &'static str,
        tag: u16,
        index_version: u32,
        table: Option<&'static Table>,
    ) -> KindSpec {
        KindSpec {
            name,
            tag,
            index_version,
            table,
            keys: keys_of::<T>,
        }
    }
}

fn keys_of<T: Entity>(body: &Body) -> Result<Keys> {
    let record: T = body.decode()?;
    Ok(Keys {
        version: record.version(),
        unique: record.unique_keys(),
        entries: record.index_entries(),
    })
}

/// The kind of a stored record: a handle to its [`KindSpec`]. Two kinds are equal when their
/// tags are.
///
/// A store that reads a tag no kind it was given declares (data of a newer version, a kind of
/// another application) names it with [`RecordKind::unknown`]: such a kind has a tag but no
/// name, and its records' keys cannot be read.
///
/// Serialised as its name. Deserialising knows the kinds of [`RecordKind::BUILTIN`] only.
#[derive(Clone, Copy)]
pub struct RecordKind(Repr);

#[derive(Clone, Copy)]
enum Repr {
    Declared(&'static KindSpec),
    Unknown(u16),
}

impl RecordKind {
    /// The kind described by `spec` (a `static`).
    pub const fn of(spec: &'static KindSpec) -> RecordKind {
        RecordKind(Repr::Declared(spec))
    }

    /// A kind known only by its tag.
    pub const fn unknown(tag: u16) -> RecordKind {
        RecordKind(Repr::Unknown(tag))
    }

    /// True for a kind known only by its tag.
    pub fn is_unknown(self) -> bool {
        matches!(self.0, Repr::Unknown(_))
    }

    /// The stable snake_case name (`unknown` for [`RecordKind::unknown`]).
    pub fn as_str(self) -> &'static str {
        match self.0 {
            Repr::Declared(spec) => spec.name,
            Repr::Unknown(_) => "unknown",
        }
    }

    /// The stable tag (key-value layouts and SQL tables keep kinds by it).
    pub fn tag(self) -> u16 {
        match self.0 {
            Repr::Declared(spec) => spec.tag,
            Repr::Unknown(tag) => tag,
        }
    }

    /// The version of the kind's declared keys (see [`KindSpec::of`]).
    pub fn index_version(self) -> u32 {
        match self.0 {
            Repr::Declared(spec) => spec.index_version,
            Repr::Unknown(_) => 0,
        }
    }

    /// The kind's SQL description, if it has one.
    pub fn table(self) -> Option<&'static Table> {
        match self.0 {
            Repr::Declared(spec) => spec.table,
            Repr::Unknown(_) => None,
        }
    }

    /// The keys the stored `body` of a record of this kind claims.
    ///
    /// # Errors
    /// [`crate::Error::Corrupted`] when the body does not decode as this kind, or the kind is
    /// unknown.
    pub fn keys(self, body: &Body) -> Result<Keys> {
        match self.0 {
            Repr::Declared(spec) => (spec.keys)(body),
            Repr::Unknown(tag) => Err(crate::Error::Corrupted {
                key: format!("record of kind #{tag}"),
                source: "a record kind this program does not declare".into(),
            }),
        }
    }

    /// The built-in kind named `name`.
    pub fn named(name: &str) -> Option<RecordKind> {
        Self::BUILTIN.iter().copied().find(|k| k.as_str() == name)
    }

    /// The kind with `tag` among `kinds`, or [`RecordKind::unknown`].
    pub fn find(kinds: &[RecordKind], tag: u16) -> RecordKind {
        kinds
            .iter()
            .copied()
            .find(|k| k.tag() == tag)
            .unwrap_or(RecordKind::unknown(tag))
    }
}

impl PartialEq for RecordKind {
    fn eq(&self, other: &Self) -> bool {
        self.tag() == other.tag()
    }
}

impl Eq for RecordKind {}

impl PartialOrd for RecordKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.tag().cmp(&other.tag())
    }
}

impl std::hash::Hash for RecordKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.tag().hash(state);
    }
}

impl std::fmt::Debug for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::fmt::Display for RecordKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Repr::Declared(spec) => f.write_str(spec.name),
            Repr::Unknown(tag) => write!(f, "kind #{tag}"),
        }
    }
}

impl Serialize for RecordKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RecordKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        RecordKind::named(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown record kind {name:?}")))
    }
}

/// A reference to a record: its kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// The kind.
    pub kind: RecordKind,
    /// The id.
    pub id: Uuid,
}

impl RecordRef {
    /// The reference to the record of type `T` with `id`.
    pub fn to<T: Entity>(id: Uuid) -> Self {
        Self { kind: T::KIND, id }
    }
}

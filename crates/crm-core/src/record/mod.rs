//! Records: what a store keeps, described by the types themselves.
//!
//! Every stored type implements [`Entity`]: it names its [`RecordKind`] (a stable name and
//! tag), its id and version, the unique keys it claims and its [`IndexEntry`]s, next to its
//! own definition. Stores keep records, unique keys and index entries without knowing any
//! type: a new kind with new lists needs no code in a store.
//!
//! - [`key`]: the order-preserving encoding of index keys.
//! - [`Body`]: the two encodings of a record's body (binary for key-value stores, JSON for
//!   SQL stores).
//! - [`Table`]: a kind's fields as SQL columns, for stores that offer SQL views.
//! - [`with_summary`], [`read_summary`]: a few fields of a record carried in an index key,
//!   so that lists read keys only.

mod body;
mod builtin;
mod entity;
mod index;
pub mod key;
mod kind;
mod summary;
mod table;

pub use body::{Body, FORMAT_NAMED, FORMAT_POSITIONAL};
pub use builtin::BUILTIN_INDEXES;
pub use entity::Entity;
pub use index::{Index, IndexEntry};
pub use key::Key;
pub use kind::{Keys, KindSpec, RecordKind, RecordRef};
pub use summary::{MAX_SUMMARY, read_summary, with_summary};
pub use table::{Child, Column, ColumnType, Table};

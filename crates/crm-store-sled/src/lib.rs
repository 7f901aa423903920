//! crm-store-sled: the embedded, durable [`Store`](crm_core::store::Store) of crm-rs, on
//! [sled](https://docs.rs/sled/0.34.7) 0.34.7.
//!
//! One directory holds every workspace of one application. The commit and query logic is
//! crm-core's [`kv`](crm_core::store::kv) engine; this crate provides its reads and its
//! transaction over sled's trees:
//!
//! | tree      | key                                   | value                          |
//! |-----------|---------------------------------------|--------------------------------|
//! | `records` | `kv::record_key(ws, kind, id)`        | the encoded record ([`encoding`]) |
//! | `unique`  | `kv::unique_key(ws, key)`             | the owner's 16-byte id         |
//! | `index`   | `kv::index_keys` entries              | empty                          |
//! | `meta`    | `schema_version`                      | big-endian `u32`               |
//!
//! ```
//! use crm_core::{Crm, service::NewStaff, staff::Role};
//! use crm_store_sled::{SledConfig, SledStore};
//! use std::sync::Arc;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let dir = tempfile::tempdir().unwrap();
//! let store = SledStore::open(SledConfig::new(dir.path().join("crm")))?;
//! let crm = Crm::new(Arc::new(store));
//! let (ws, admin) = crm.create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin)).await?;
//! let session = crm.session(ws.id, admin.id).await?;
//! assert_eq!(session.list_staff(&crm_core::store::PageRequest::first(10)).await?.items.len(), 1);
//! # Ok::<(), crm_core::Error>(()) }).unwrap();
//! ```
//!
//! # Commits
//!
//! A commit is one sled transaction over `records`, `unique` and `index`: every record, its
//! unique keys (contact points, staff emails) and its index entries change together or not
//! at all. Version and unique-key checks read by exact key inside the transaction, so two
//! racing commits cannot both claim one email. sled may re-run the transaction on a
//! conflict; it has no side effects outside sled.
//!
//! # Durability
//!
//! - [`Durability::Flush`] (the default): a commit is acknowledged only after
//!   `flush_async` has written it to disk. With *group commit*, concurrent committers share
//!   one flush: each commit takes a sequence number once its transaction succeeds, and a
//!   flush started after commit `n` was applied covers every commit up to `n`. Whoever
//!   flushes marks how far it got; those waiting behind it usually find their commit covered
//!   and return without flushing again. [`Capabilities::durable`](crm_core::store::Capabilities)
//!   is true.
//! - [`Durability::Buffered`]: acknowledged once applied in memory; sled writes in the
//!   background every [`SledConfig::flush_every_ms`] (500 ms by default) and on
//!   [`SledStore::flush`]. A crash can lose the most recent acknowledged commits (whole
//!   commits, never part of one). `durable` is false.
//!
//! The blocking `sled::Db::flush` is never called on an async path (only once in
//! [`SledStore::open`], which is synchronous anyway). Dropping the store lets sled write out
//! what is still buffered, which blocks for that long.
//!
//! # Encoding
//!
//! Values are one format byte and MessagePack with named fields; see [`encoding`] for the
//! reasons. Old records stay readable when a field is added to a type, as long as crm-core
//! gives new optional fields `#[serde(default)]` (the test suite has a data directory
//! written by schema version 1 to prove it). Undecodable bytes are
//! [`Error::Corrupted`](crm_core::Error::Corrupted), never a panic.
//!
//! # Schema version
//!
//! The `meta` tree keeps `schema_version` ([`SCHEMA_VERSION`], now 1). It is written when a
//! new, empty store is opened and checked on every open: data of a newer version is
//! refused with [`Error::SchemaTooNew`](crm_core::Error::SchemaTooNew) and left untouched;
//! an unreadable version is [`Error::Corrupted`](crm_core::Error::Corrupted). A future
//! version that changes the layout will migrate older data on open and raise the number.
//!
//! # One process at a time
//!
//! sled takes an exclusive file lock on the directory's `db` file. A second open of the same
//! path, from another process or from this one while the first store is alive, fails with
//! [`Error::Locked`](crm_core::Error::Locked). Share one [`SledStore`] (it is `Send + Sync`)
//! inside a process; use the PostgreSQL store when several processes need the data.
//! [`Capabilities::multi_process`](crm_core::store::Capabilities) is false.
//!
//! # Memory and disk
//!
//! sled's page cache is set to [`DEFAULT_CACHE_CAPACITY`] (64 MiB) instead of sled's 1 GiB;
//! raise it with [`SledConfig::cache_capacity`] for large stores whose working set does not
//! fit. sled runs in `Mode::LowSpace`, which compacts its log segments more eagerly than
//! `HighThroughput`: an embedded store should not take several times its data in disk.
//! [`SledStore::size_on_disk`] reports the figure.

mod config;
pub mod encoding;
mod error;
mod flush;
mod read;
mod schema;
mod store;
mod txn;

pub use config::{DEFAULT_CACHE_CAPACITY, DEFAULT_FLUSH_EVERY_MS, Durability, SledConfig};
pub use schema::SCHEMA_VERSION;
pub use store::SledStore;

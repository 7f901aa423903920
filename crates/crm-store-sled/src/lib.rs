//! crm-store-sled: the embedded, durable [`Store`](crm_core::store::Store) of crm-rs, on
//! [sled](https://docs.rs/sled/0.34.7) 0.34.7.
//!
//! One directory holds every workspace of one application. The commit and query logic is
//! crm-core's [`kv`](crm_core::store::kv) engine; this crate provides its reads and its
//! writes over sled's trees, and a journal that makes commits durable:
//!
//! | tree      | key                                   | value                          |
//! |-----------|---------------------------------------|--------------------------------|
//! | `records` | `kv::record_key(ws, kind, id)`        | the encoded record ([`encoding`]) |
//! | `unique`  | `kv::unique_key(ws, key)`             | the owner's 16-byte id         |
//! | `index`   | `kv::index_keys` entries              | empty                          |
//! | `meta`    | `schema_version`                      | big-endian `u32`               |
//!
//! beside sled's files, the directory `journal/` holds the commits sled may not have on disk
//! yet.
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
//! A commit is checked against the current state (versions, unique keys) under the store's
//! commit lock and becomes a *batch*: the new value, or removal, of every key of `records`,
//! `unique` and `index` it touches. The batch is then, in this order:
//!
//! 1. published in memory (the *memtable*): every read looks there first, so the commit is
//!    visible at once and whole;
//! 2. appended to the journal and made durable: one `write` and one `fdatasync` of a
//!    preallocated file, on the committing thread (see *Durability*);
//! 3. written to sled's trees by a background thread, the *applier*, after which it leaves
//!    the memtable.
//!
//! Two racing commits cannot both claim one email: checking and publishing happen under one
//! lock, and the second sees the first's batch. A refused commit publishes nothing.
//!
//! sled is not asked for transactions or per-commit flushes: in sled 0.34 each transaction
//! writes and syncs its log buffer twice on sled's thread pool, and each flush hands work to
//! that pool and waits for it, which costs more than the commit's own work. The journal
//! gives atomicity and durability instead, and sled keeps the data and its indexes for
//! reads.
//!
//! # Durability
//!
//! - [`Durability::Flush`] (the default): a commit is acknowledged only after its batch is
//!   in the journal on disk (`fdatasync`). With *group commit*, whoever syncs writes every
//!   batch queued before it, so concurrent committers share one sync.
//!   [`Capabilities::durable`](crm_core::store::Capabilities) is true. On a multi-threaded
//!   tokio runtime the sync runs in place (`block_in_place`: the worker's other tasks move
//!   to another thread meanwhile); on a current-thread runtime it runs on the blocking pool.
//! - [`Durability::Buffered`]: acknowledged once published; the applier syncs the journal
//!   every [`SledConfig::flush_every_ms`] (500 ms by default), and [`SledStore::flush`]
//!   syncs at once. A crash can lose the most recent acknowledged commits (whole commits,
//!   never part of one). `durable` is false.
//!
//! The applier writes to sled only batches the journal has on disk. After a crash, opening
//! the store replays the journal into sled in commit order; writing a batch sets keys to
//! values, so replaying batches sled partly or wholly has already gives the same state as
//! applying each once. A batch cut short by the crash was never acknowledged and is dropped
//! (its checksum fails).
//!
//! The journal is a directory of segment files of 1 MiB growing to 16 MiB. When one is full
//! and sled has all of its batches, the applier flushes sled and removes it, so at most
//! about one segment is replayed after a crash. Closing the store (dropping it) writes
//! everything to sled, flushes, and removes the journal; this blocks for that long.
//!
//! A failed journal write or sync, or a failed write to sled, fails the store: every later
//! commit returns [`Error::Storage`](crm_core::Error::Storage) (reads go on), and reopening
//! recovers what the journal holds. A commit whose own sync failed may or may not be there
//! after reopening, as with any database whose commit fails at the last step.
//!
//! Pending batches take at most 32 MiB of memory: past that, a commit waits for the applier.
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
//! The `meta` tree keeps `schema_version` ([`SCHEMA_VERSION`], now 2: version 1 had no
//! journal). It is written when a new, empty store is opened and checked on every open:
//! data of a newer version is refused with
//! [`Error::SchemaTooNew`](crm_core::Error::SchemaTooNew) and left untouched; an unreadable
//! version is [`Error::Corrupted`](crm_core::Error::Corrupted); older data is brought up to
//! date (from 1 to 2, only the number changes).
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

mod applier;
mod batch;
mod config;
mod durable;
mod engine;
mod error;
mod journal;
mod lock;
mod memtable;
mod merge;
mod migrate;
mod open;
mod schema;
mod snapshot;
#[cfg(test)]
mod tests;
mod trees;

pub use config::{DEFAULT_CACHE_CAPACITY, DEFAULT_FLUSH_EVERY_MS, Durability, SledConfig};
pub use engine::SledEngine;
pub use schema::SCHEMA_VERSION;
pub use snapshot::SledSnapshot;

/// The sled store: crm-core's key-value store over [`SledEngine`]. Open it with
/// `SledStore::open(SledConfig::new(path))`; share it as `Arc<SledStore>` or
/// `Arc<dyn Store>`. See the [crate] docs.
pub type SledStore = crm_core::store::kv::KvStore<SledEngine>;

//! crm-store-sled: the embedded, durable [`Store`](crm_core::store::Store) of crm-rs, on
//! [sled](https://docs.rs/sled/0.34.7) 0.34.7.
//!
//! One directory holds every workspace of one application. The store itself (commit rules,
//! unique keys, index entries, scans, paging) is crm-core's
//! [`KvStore`](crm_core::store::kv::KvStore); this crate is its [`SledEngine`]: an atomic
//! batch, a consistent snapshot and a durable sync over sled's trees and a journal in front
//! of them. A record kind crm-core or an application declares needs no code here.
//!
//! | tree        | key (see `crm_core::store::kv::layout`)  | value                      |
//! |-------------|------------------------------------------|----------------------------|
//! | `records.3` | workspace, kind tag, id                  | the record's body          |
//! | `unique.3`  | workspace, unique key                    | the holder's kind and id   |
//! | `index.3`   | workspace, index tag, ordered key, id    | empty                      |
//! | `meta`      | `schema_version`, index versions         | big-endian numbers         |
//!
//! Beside sled's files, the directory `journal/` holds the commits sled may not have on
//! durable storage yet.
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
//! crm-core checks a commit against a snapshot (versions, unique keys) under its commit lock
//! and hands the engine a *batch*: the new value, or removal, of every key it touches. The
//! engine numbers the batch and then, in this order:
//!
//! 1. publishes it in memory (the *memtable*, which keeps every pending version of a key),
//!    so the next commit's checks see it;
//! 2. appends it to the journal and makes it durable: one `write` and one `fdatasync` of a
//!    preallocated segment file, shared by every batch queued meanwhile (group commit);
//! 3. writes it to sled's trees on a background thread, the *applier*, after which it
//!    leaves the memtable.
//!
//! sled is not asked for transactions or per-commit flushes: in sled 0.34 each transaction
//! writes and syncs its log buffer twice on sled's thread pool, which costs more than the
//! commit's own work. The journal gives atomicity and durability; sled keeps the data for
//! reads.
//!
//! # Snapshots
//!
//! A snapshot reads as of one commit: the newest memtable version no newer than it, else
//! sled. The applier writes a batch to sled only once every older snapshot has closed (or,
//! after 5 s, been given up on: its next read is a storage error, never a mix of states).
//! A page therefore never mixes two commits, and a record deleted during a scan is absent,
//! not "an index entry without its record".
//!
//! # Durability
//!
//! - [`Durability::Flush`] (the default): a commit is acknowledged only after its batch is
//!   in the journal on disk. Readers may see a commit while its sync is under way (waiting
//!   for it would make every intake wait on the previous one's sync through the request
//!   counter, and undo group commit); a commit made on such a read is durable only after
//!   it, since the journal syncs in order, and the outbox dispatcher calls
//!   [`Store::sync`](crm_core::store::Store::sync) before it delivers, so no message leaves
//!   for a commit a crash could lose. [`Capabilities::durable`](crm_core::store::Capabilities)
//!   is true.
//! - [`Durability::Buffered`]: acknowledged once published; the applier syncs the journal
//!   every [`SledConfig::flush_every_ms`] (500 ms by default), and
//!   [`Store::sync`](crm_core::store::Store::sync) syncs at once (the outbox dispatcher
//!   calls it before delivering). A crash can lose the latest acknowledged commits (whole
//!   commits, never part of one). `durable` is false.
//!
//! The applier writes to sled only batches the journal has on disk. After a crash, opening
//! the store replays the journal into sled in commit order; replaying a batch sled already
//! has gives the same state. A torn batch at the end of the newest segment was never
//! acknowledged and is dropped; a damaged frame followed by valid ones is
//! [`Error::Corrupted`](crm_core::Error::Corrupted), never skipped.
//!
//! The journal is a directory of segment files of 1 MiB growing to 16 MiB. When one is full
//! and sled has its batches, the applier flushes sled, **fsyncs sled's files** (sled 0.34.7's
//! own flush only calls `sync_file_range`, which survives neither a power loss nor a lost
//! file size), and only then removes the segment; the directory is fsynced after every
//! creation and removal of a segment. A test runs a writer under `strace` to check that
//! order. Closing the store (dropping it) writes everything to sled, makes it durable and
//! removes the journal; this blocks for that long.
//!
//! A failed journal write or sync, or a failed write to sled, fails the store: every later
//! commit returns [`Error::Storage`](crm_core::Error::Storage); reads go on and see only
//! durable commits, never the one that failed; reopening recovers what the journal holds.
//!
//! Pending batches take at most 32 MiB of memory: past that, a commit waits for the applier.
//!
//! # Encoding and schema version
//!
//! Bodies are crm-core's [`Body`](crm_core::record::Body): one format byte and MessagePack
//! (positional fields for new writes; records of version 1 and 2 with named fields stay
//! readable). Undecodable bytes are [`Error::Corrupted`](crm_core::Error::Corrupted), never
//! a panic.
//!
//! The `meta` tree keeps `schema_version` ([`SCHEMA_VERSION`], now 3). Data of a newer
//! version is refused with [`Error::SchemaTooNew`](crm_core::Error::SchemaTooNew) and left
//! untouched; data of versions 1 and 2 is converted on open (records copied to the new
//! trees, their index entries rebuilt). When a record kind's declared index version
//! changes, its entries are rebuilt from its records on open.
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
//! sled's page cache target is [`DEFAULT_CACHE_CAPACITY`] (64 MiB) instead of sled's 1 GiB;
//! it is a target, not a bound. [`SledConfig::compression`] makes a new store compressed
//! (zstd), which takes the disk to about 40 % at a cost in CPU on every write and read (see
//! its docs for figures); it is off by default. sled runs in `Mode::LowSpace`.
//! [`SledEngine::size_on_disk`] (through `store.engine()`) reports the figure.

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

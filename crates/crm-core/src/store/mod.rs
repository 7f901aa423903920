//! The storage contract: one atomic commit of a whole change, and generic reads in a
//! consistent snapshot.
//!
//! A store keeps records ([`crate::record`]), the unique keys they claim and their index
//! entries, per workspace. It offers three reads: a record by kind and id, the holder of a
//! unique key, and a [`Scan`] of one index (or of one kind's records by id) over a range,
//! forwards or backwards. Every list of crm-rs (customer lists and search, interactions, the
//! cartable views, the outbox, the audit trail) is a crm-core function over these reads, so
//! a new record kind with new lists needs no code in any store.
//!
//! - [`Store`]: commits, snapshots and one-shot reads.
//! - [`Snapshot`]: several reads that see one state: no read of it sees a commit that a
//!   read before did not, and an index entry's record is always there.
//! - [`StoreExt`] and [`SnapshotExt`]: typed reads ([`StoreExt::fetch`]) and pages.
//! - [`kv`]: the whole contract, written once over an ordered key-value [`kv::Engine`] (the
//!   memory and sled stores).
//!
//! # Implementing your own store
//!
//! A key-value store implements [`kv::Engine`] (an atomic batch, a consistent snapshot, a
//! durable sync) and gets the contract from [`kv::KvStore`]. A store of another shape
//! implements [`Store`] and [`Snapshot`] and runs the conformance suite of `crm-testkit`
//! against itself (`crm_testkit::store_conformance_tests!`); a behaviour it cannot provide is
//! a [`Capabilities`] flag, not a silent difference.
//!
//! ```
//! use crm_core::store::{Capabilities, Store};
//! use std::sync::Arc;
//! // Any store can be used as `Arc<dyn Store>`:
//! fn describe(store: Arc<dyn Store>) -> Capabilities { store.capabilities() }
//! ```

mod commit;
mod ext;
pub mod kv;
mod page;
mod record;
mod scan;

pub use commit::{Commit, Write};
pub use ext::{SnapshotExt, StoreExt};
pub use page::{Cursor, MAX_PAGE, Page, PageRequest};
pub use record::{Record, Stored};
pub use scan::{Hit, Scan, Target};

use crate::error::Result;
use crate::id::WorkspaceId;
use crate::record::RecordKind;
use async_trait::async_trait;
use uuid::Uuid;

/// What a backend provides beyond the common contract, for callers and the test suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// An acknowledged commit survives a crash of the process and a power loss.
    pub durable: bool,
    /// Several processes may use the same data at once.
    pub multi_process: bool,
}

impl Capabilities {
    /// Capabilities with the given flags.
    pub fn new(durable: bool, multi_process: bool) -> Self {
        Self {
            durable,
            multi_process,
        }
    }
}

/// A backend that keeps workspaces' records, unique keys and index entries.
///
/// Contract shared by every method:
/// - Reads and writes are scoped to `ws`; records of another workspace are "not there".
/// - A failure of the backend is [`crate::Error::Storage`] (or [`crate::Error::Corrupted`]
///   for bytes that do not decode); it never leaves a commit half-applied.
/// - A read returns only whole commits, never a part of one. It may return a commit whose
///   committer has not been acknowledged yet (an embedded engine's sync still under way):
///   a crash can lose such a commit only together with every commit made after it, and
///   [`Store::sync`] makes everything read so far durable (the outbox dispatcher calls it
///   before it delivers).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// What this backend provides beyond the common contract.
    fn capabilities(&self) -> Capabilities;

    /// Applies every write of `commit` in order, atomically: all or nothing.
    ///
    /// - A put of a record at version `n` requires the stored version to be `n - 1` (absent
    ///   counts as 0); a delete at version `v` requires exactly `v`. Otherwise:
    ///   [`crate::Error::Conflict`] with [`crate::Conflict::StaleVersion`]. A version of 0 is
    ///   [`crate::Error::Invalid`].
    /// - Every unique key a record claims must be free or held by the same record once the
    ///   write is applied; keys a record no longer claims are released. A key held by another
    ///   record: [`crate::Conflict::KeyTaken`], naming the holder.
    /// - Index entries follow the record in the same commit.
    /// - When this returns `Ok`, the commit is durable as far as [`Capabilities::durable`]
    ///   and the backend's configuration say.
    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()>;

    /// A consistent view of `ws` for several reads. Hold it briefly (a store may keep work
    /// waiting for it), and do not commit while holding it.
    async fn snapshot(&self, ws: WorkspaceId) -> Result<Box<dyn Snapshot + '_>>;

    /// The record of `kind` with `id`, if stored (a read of its own snapshot).
    async fn get(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Stored>> {
        self.snapshot(ws).await?.get(kind, id).await
    }

    /// The record holding unique key `key`, if any (a read of its own snapshot).
    async fn holder(&self, ws: WorkspaceId, key: &str) -> Result<Option<Stored>> {
        self.snapshot(ws).await?.holder(key).await
    }

    /// The positions (and records) `scan` reads (a read of its own snapshot).
    async fn scan(&self, ws: WorkspaceId, scan: &Scan) -> Result<Vec<Hit>> {
        self.snapshot(ws).await?.scan(scan).await
    }

    /// Makes every commit written so far durable, whether acknowledged (the sled store in
    /// its buffered mode acknowledges earlier) or still syncing. The outbox dispatcher calls
    /// it before delivering, so that nothing is sent for a commit a crash could still lose.
    /// Does nothing by default.
    async fn sync(&self) -> Result<()> {
        Ok(())
    }
}

/// Reads that see one state of a workspace (see [`Store::snapshot`]).
///
/// Every read sees the same commits: a page built from several scans never mixes two states,
/// and a record an index entry points to is there.
#[async_trait]
pub trait Snapshot: Send {
    /// The record of `kind` with `id`, if stored.
    async fn get(&mut self, kind: RecordKind, id: Uuid) -> Result<Option<Stored>>;

    /// The record holding unique key `key`, if any.
    async fn holder(&mut self, key: &str) -> Result<Option<Stored>>;

    /// The positions `scan` reads, in its order, at most [`Scan::max`] of them; each with its
    /// record unless the scan is [`Scan::keys_only`].
    async fn scan(&mut self, scan: &Scan) -> Result<Vec<Hit>>;

    /// The records of `kind` with `ids`, in that order (`None` where absent).
    async fn get_many(&mut self, kind: RecordKind, ids: &[Uuid]) -> Result<Vec<Option<Stored>>> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.push(self.get(kind, *id).await?);
        }
        Ok(found)
    }
}

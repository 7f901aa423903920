//! The storage contract written once for ordered key-value engines.
//!
//! An engine (the memory and sled stores) implements [`Engine`]: an atomic [`Batch`] of key
//! changes, a consistent [`EngineSnapshot`], and durability. [`KvStore`] then gives it the
//! whole [`super::Store`] contract: commit rules (versions, unique keys, index entries) are
//! checked in [`stage`] under one commit lock, reads are [`super::Snapshot`]s over the
//! engine's snapshots, and kinds whose declared keys changed are re-indexed on open
//! ([`rebuild`]). The byte layout is [`layout`]'s.

mod highest;
pub mod layout;
pub mod rebuild;
mod snapshot;
pub mod stage;
mod store;

pub use layout::Space;
pub use store::KvStore;

use super::Capabilities;
use crate::error::Result;
use async_trait::async_trait;

/// The new state of one key: `Some(value)` to put, `None` to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The key space.
    pub space: Space,
    /// The key.
    pub key: Vec<u8>,
    /// The value to put, or `None` to remove the key.
    pub value: Option<Vec<u8>>,
}

/// The changes of one commit, each key at most once, in (space, key) order. Applying a batch
/// sets keys to values: applying it twice changes nothing more than applying it once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Batch {
    /// True when it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The bytes of its keys and values, a measure of its memory.
    pub fn size(&self) -> usize {
        self.changes
            .iter()
            .map(|c| c.key.len() + c.value.as_ref().map_or(0, Vec::len))
            .sum()
    }
}

/// The keys and values an [`EngineSnapshot::scan`] reads, in order.
pub type Entries<'a> = Box<dyn Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + 'a>;

/// An engine's receipt for a written batch: its place in the engine's commit order (0 for
/// engines that need none).
pub type Ticket = u64;

/// An ordered key-value engine under a [`KvStore`].
///
/// [`KvStore`] serialises [`Engine::write`] calls (one at a time, under its commit lock) and
/// reads the state a batch is checked against from [`Engine::snapshot`] under the same lock.
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// What [`Engine::open`] takes (a path and settings; `()` for the memory engine).
    type Config;

    /// A consistent view of the engine.
    type Snapshot<'a>: EngineSnapshot
    where
        Self: 'a;

    /// Opens (or creates) the engine's data.
    ///
    /// # Errors
    /// The engine's: [`crate::Error::Storage`], [`crate::Error::Locked`],
    /// [`crate::Error::SchemaTooNew`], [`crate::Error::Corrupted`].
    fn open(config: Self::Config) -> Result<Self>
    where
        Self: Sized;

    /// What the engine provides (see [`Capabilities`]).
    fn capabilities(&self) -> Capabilities;

    /// A view of every batch written so far, unchanged by later writes for as long as it
    /// lives. Keep it briefly: an engine may hold work back for it.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the engine cannot provide one.
    fn snapshot(&self) -> Result<Self::Snapshot<'_>>;

    /// Writes `batch` atomically: snapshots taken after this returns see all of it, those
    /// taken before see none of it, and a crash keeps all of it or none of it.
    ///
    /// # Errors
    /// [`crate::Error::Storage`]; the batch is then not written.
    fn write(&self, batch: Batch) -> Result<Ticket>;

    /// Waits until the batch of `ticket` may be acknowledged to its committer: durable, in an
    /// engine whose [`Capabilities::durable`] is true. Batches settle in ticket order, so a
    /// batch made on what a reader saw settles only after what it saw.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when it cannot be made durable.
    async fn settle(&self, ticket: Ticket) -> Result<()>;

    /// Makes every batch written so far durable.
    ///
    /// # Errors
    /// [`crate::Error::Storage`].
    async fn sync(&self) -> Result<()>;

    /// Waits, before a commit, until the engine has room for more (bounded memory).
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the engine failed meanwhile.
    async fn room(&self) -> Result<()> {
        Ok(())
    }

    /// [`Engine::room`], blocking the thread (for work outside async code, such as
    /// re-indexing when a store opens).
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the engine failed meanwhile.
    fn room_blocking(&self) -> Result<()> {
        Ok(())
    }
}

/// A consistent view of an [`Engine`]'s keys.
pub trait EngineSnapshot: Send + Sync {
    /// The value of `key` in `space`.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] when the engine cannot read.
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// The keys and values of `space` from `start` (included) to `end` (excluded; `None`: to
    /// the end), ascending, or descending when `reverse`.
    fn scan(&self, space: Space, start: &[u8], end: Option<&[u8]>, reverse: bool) -> Entries<'_>;

    /// Checks that the snapshot still holds: an engine may give up on a snapshot kept too
    /// long, and then its reads may have been wrong.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] for a snapshot given up on.
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

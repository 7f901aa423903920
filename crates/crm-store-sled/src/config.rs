//! How a [`crate::SledStore`] is opened: where, with how much cache, how durable.

use crate::engine::MAX_PENDING_BYTES;
use crate::journal::Sizes;
use std::path::PathBuf;

/// The cache [`SledConfig::new`] sets: 64 MiB.
///
/// sled's own default is 1 GiB, far too much for a library embedded in someone else's
/// process. 64 MiB keeps the hot part of a workspace of some hundred thousand customers
/// (records of a few hundred bytes, plus their index entries) in memory without taking over
/// the host. sled treats the figure as a target for its page cache, not a hard cap.
pub const DEFAULT_CACHE_CAPACITY: u64 = 64 * 1024 * 1024;

/// How often the store writes in the background, in milliseconds (see
/// [`SledConfig::flush_every_ms`]).
pub const DEFAULT_FLUSH_EVERY_MS: u64 = 500;

/// When a commit counts as done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// A commit is acknowledged only once it is on disk (in the store's journal, synced).
    /// Concurrent commits share one sync (group commit), so many writers cost about one
    /// sync per round, not one each. [`crm_core::store::Capabilities::durable`] is true.
    #[default]
    Flush,
    /// A commit is acknowledged once it is checked and readable in memory; it reaches the
    /// disk in the background (every [`SledConfig::flush_every_ms`]) or on
    /// [`Store::sync`](crm_core::store::Store::sync). A crash may lose the last moments of acknowledged
    /// writes, never half a commit. [`crm_core::store::Capabilities::durable`] is false.
    Buffered,
}

/// Everything [`crate::SledStore::open`] needs.
///
/// ```
/// use crm_store_sled::{Durability, SledConfig};
/// let config = SledConfig::new("data/crm")
///     .cache_capacity(16 * 1024 * 1024)
///     .durability(Durability::Buffered);
/// assert_eq!(config.flush_every_ms, Some(500));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SledConfig {
    /// The directory of the store (created when missing).
    pub path: PathBuf,
    /// sled's page cache target in bytes; default [`DEFAULT_CACHE_CAPACITY`].
    pub cache_capacity: u64,
    /// When a commit counts as done; default [`Durability::Flush`].
    pub durability: Durability,
    /// How often the store writes in the background, in milliseconds: the journal is synced
    /// (what makes [`Durability::Buffered`] commits durable; with [`Durability::Flush`] each
    /// commit is synced anyway) and sled flushes its own log. `None`: sled does not flush in
    /// the background, and the journal is synced once a second. Default
    /// `Some(`[`DEFAULT_FLUSH_EVERY_MS`]`)`.
    pub flush_every_ms: Option<u64>,
    /// Whether sled compresses what it writes (zstd), for a new store; default false. It takes
    /// the store's disk to about 40 % (100,000 customers: 103 instead of 273 MiB), but sled
    /// 0.34.7 makes a new zstd context for every page it writes or reads, which costs CPU on
    /// every commit and look-up (seeding 100,000 customers: 35 s instead of 9 s; a look-up's
    /// p50 10 µs instead of 7 µs; intake with one writer 10–20 % slower). An existing store
    /// keeps the setting it was created with.
    pub compression: bool,
    /// Internal sizes; the crate's tests make them small.
    pub(crate) tuning: Tuning,
}

/// Sizes of the store's machinery, fixed for applications (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// Journal segment sizes.
    pub(crate) journal: Sizes,
    /// Bytes of pending commits past which a commit waits for the applier.
    pub(crate) pending_limit: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            journal: Sizes::DEFAULT,
            pending_limit: MAX_PENDING_BYTES,
        }
    }
}

impl SledConfig {
    /// The defaults for a store at `path`: durable commits, a 64 MiB cache, background
    /// flush every 500 ms.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            durability: Durability::Flush,
            flush_every_ms: Some(DEFAULT_FLUSH_EVERY_MS),
            compression: false,
            tuning: Tuning::default(),
        }
    }

    /// Sets the cache target in bytes.
    pub fn cache_capacity(mut self, bytes: u64) -> Self {
        self.cache_capacity = bytes;
        self
    }

    /// Sets the durability mode.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Turns sled's compression on or off for a new store (see [`SledConfig::compression`]).
    /// sled keeps the setting with the data: an existing store keeps the one it was created
    /// with, whatever this says.
    pub fn compression(mut self, compression: bool) -> Self {
        self.compression = compression;
        self
    }

    /// Sets how often the store writes in the background (see
    /// [`SledConfig::flush_every_ms`]).
    pub fn flush_every_ms(mut self, every_ms: Option<u64>) -> Self {
        self.flush_every_ms = every_ms;
        self
    }
}

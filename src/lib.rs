#![doc = include_str!("../README.md")]
//!
//! This crate re-exports [`crm_core`] and, by feature, the stores: `sled` (default, embedded
//! and durable), `memory` (tests and prototypes), `postgres` (a shared server).

pub use crm_core::*;

/// The in-memory store.
#[cfg(feature = "memory")]
pub use crm_store_memory::MemoryStore;

/// The embedded sled store.
#[cfg(feature = "sled")]
pub use crm_store_sled as sled_store;

/// The PostgreSQL store.
#[cfg(feature = "postgres")]
pub use crm_store_postgres as postgres_store;

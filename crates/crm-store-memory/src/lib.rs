//! crm-store-memory: the in-memory [`Store`](crm_core::store::Store) of crm-rs.
//!
//! [`MemoryStore`] is crm-core's key-value store ([`KvStore`]) over [`MemoryEngine`]: ordered
//! persistent maps (`imbl::OrdMap`), one per key space, behind a lock. A snapshot is a copy of
//! the maps that shares their nodes (made in constant time), so readers never wait for
//! writers nor see part of a commit. Nothing survives the process
//! ([`Capabilities::durable`] is false): use it for tests, prototypes, and as the reference
//! the other stores are compared with.
//!
//! ```
//! use crm_core::{Crm, service::NewStaff, staff::Role};
//! use crm_store_memory::MemoryStore;
//! use std::sync::Arc;
//!
//! # tokio_test();
//! # fn tokio_test() { tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let crm = Crm::new(Arc::new(MemoryStore::new()));
//! let (ws, admin) = crm.create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin)).await?;
//! let session = crm.session(ws.id, admin.id).await?;
//! assert!(session.list_staff(&crm_core::store::PageRequest::first(10)).await?.items.len() == 1);
//! # Ok::<(), crm_core::Error>(()) }).unwrap() }
//! ```

use async_trait::async_trait;
use crm_core::Result;
use crm_core::store::Capabilities;
use crm_core::store::kv::{Batch, Engine, EngineSnapshot, Entries, KvStore, Space, Ticket};
use imbl::OrdMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};

/// The in-memory store. Cheap to create; share it as `Arc<MemoryStore>` or `Arc<dyn Store>`.
pub type MemoryStore = KvStore<MemoryEngine>;

type Map = OrdMap<Vec<u8>, Arc<[u8]>>;

/// The in-memory key-value engine: one ordered map per key space.
#[derive(Debug, Default)]
pub struct MemoryEngine {
    spaces: RwLock<[Map; 4]>,
}

/// A snapshot: the maps as they were (sharing their nodes with the live ones).
#[derive(Debug)]
pub struct MemorySnapshot {
    spaces: [Map; 4],
}

#[async_trait]
impl Engine for MemoryEngine {
    type Config = ();
    type Snapshot<'a> = MemorySnapshot;

    fn open(_: ()) -> Result<Self> {
        Ok(Self::default())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(false, false)
    }

    fn snapshot(&self) -> Result<MemorySnapshot> {
        // A poisoned lock means a panic elsewhere; a batch's inserts cannot panic midway.
        let spaces = self.spaces.read().unwrap_or_else(|e| e.into_inner());
        Ok(MemorySnapshot {
            spaces: spaces.clone(),
        })
    }

    fn write(&self, batch: Batch) -> Result<Ticket> {
        // Readers take the lock only to copy the maps: they see all of a batch or none.
        let mut spaces = self.spaces.write().unwrap_or_else(|e| e.into_inner());
        for change in batch.changes {
            let map = &mut spaces[change.space.position()];
            match change.value {
                Some(value) => map.insert(change.key, value.into()),
                None => map.remove(&change.key),
            };
        }
        Ok(0)
    }

    async fn settle(&self, _: Ticket) -> Result<()> {
        Ok(())
    }

    async fn sync(&self) -> Result<()> {
        Ok(())
    }
}

impl EngineSnapshot for MemorySnapshot {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.spaces[space.position()].get(key).map(|v| v.to_vec()))
    }

    fn scan(&self, space: Space, start: &[u8], end: Option<&[u8]>, reverse: bool) -> Entries<'_> {
        if end.is_some_and(|end| end <= start) {
            return Box::new(std::iter::empty());
        }
        let range = (
            Bound::Included(start.to_vec()),
            end.map_or(Bound::Unbounded, |e| Bound::Excluded(e.to_vec())),
        );
        let entries = self.spaces[space.position()]
            .range(range)
            .map(|(k, v)| Ok((k.clone(), v.to_vec())));
        if reverse {
            Box::new(entries.rev())
        } else {
            Box::new(entries)
        }
    }
}

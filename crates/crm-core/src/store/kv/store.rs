//! [`KvStore`]: the [`Store`] contract over any [`Engine`].

use super::highest::Highest;
use super::snapshot::KvSnapshot;
use super::{Engine, rebuild, stage};
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::record::RecordKind;
use crate::store::{Capabilities, Commit, Snapshot, Store};
use async_trait::async_trait;
use std::sync::{Mutex, MutexGuard};

/// A [`Store`] over a key-value [`Engine`]: the commit rules, the generic reads and
/// re-indexing, written once for every engine (see the [module](super) docs).
///
/// Share it as `Arc<KvStore<E>>` or `Arc<dyn Store>`.
#[derive(Debug)]
pub struct KvStore<E: Engine> {
    engine: E,
    kinds: Vec<RecordKind>,
    /// Serialises checking and writing commits.
    committer: Mutex<Highest>,
}

impl<E: Engine> KvStore<E> {
    /// Opens the engine as `config` says, as a store that knows crm-core's record kinds
    /// ([`RecordKind::BUILTIN`]).
    ///
    /// # Errors
    /// The engine's errors on opening, and those of [`KvStore::over`].
    pub fn open(config: E::Config) -> Result<Self> {
        Self::over(E::open(config)?, &[])
    }

    /// Opens the engine as `config` says, as a store that also knows `kinds` (an
    /// application's own record kinds; see [`KvStore::over`]).
    ///
    /// # Errors
    /// The engine's errors on opening, and those of [`KvStore::over`].
    pub fn open_with_kinds(config: E::Config, kinds: &[RecordKind]) -> Result<Self> {
        Self::over(E::open(config)?, kinds)
    }

    /// A store over `engine` that knows crm-core's record kinds and `kinds`.
    ///
    /// Kinds whose declared keys changed since the engine's data was written (their
    /// [`RecordKind::index_version`] differs from the stored one, or the data predates it) get
    /// their unique keys and index entries rebuilt from their records first; this reads every
    /// record once and blocks meanwhile.
    ///
    /// # Errors
    /// [`crate::Error::Storage`] or [`crate::Error::Corrupted`] when the engine's data cannot
    /// be read or re-indexed; [`crate::Error::Invalid`] when two kinds share a tag.
    pub fn over(engine: E, kinds: &[RecordKind]) -> Result<Self> {
        let mut all: Vec<RecordKind> = RecordKind::BUILTIN.to_vec();
        for kind in kinds {
            match all.iter().find(|k| k.tag() == kind.tag()) {
                Some(known) if known.as_str() == kind.as_str() => {}
                Some(known) => {
                    return Err(crate::Error::invalid(
                        "kinds",
                        format!("{kind} has the tag {} of {known}", kind.tag()),
                    ));
                }
                None => all.push(*kind),
            }
        }
        rebuild::outdated_kinds(&engine, &all)?;
        Ok(Self {
            engine,
            kinds: all,
            committer: Mutex::new(Highest::default()),
        })
    }

    /// A store over a new, empty engine (its `Default`, which must be empty: nothing is
    /// re-indexed).
    pub fn new() -> Self
    where
        E: Default,
    {
        Self {
            engine: E::default(),
            kinds: RecordKind::BUILTIN.to_vec(),
            committer: Mutex::new(Highest::default()),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &E {
        &self.engine
    }

    /// The record kinds this store knows.
    pub fn kinds(&self) -> &[RecordKind] {
        &self.kinds
    }

    fn committer(&self) -> MutexGuard<'_, Highest> {
        // The marks only ever overstate, whatever panicked while holding the lock.
        self.committer.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl<E: Engine> Store for KvStore<E> {
    fn capabilities(&self) -> Capabilities {
        self.engine.capabilities()
    }

    async fn commit(&self, ws: WorkspaceId, commit: Commit) -> Result<()> {
        if commit.is_empty() {
            return Ok(());
        }
        self.engine.room().await?;
        let ticket = {
            let mut highest = self.committer();
            let snapshot = self.engine.snapshot()?;
            let batch = stage::stage(&snapshot, &mut highest, &self.kinds, ws, &commit)?;
            drop(snapshot);
            if batch.is_empty() {
                return Ok(());
            }
            highest.note(&batch);
            self.engine.write(batch)?
        };
        self.engine.settle(ticket).await
    }

    async fn snapshot(&self, ws: WorkspaceId) -> Result<Box<dyn Snapshot + '_>> {
        Ok(Box::new(KvSnapshot::<E> {
            inner: self.engine.snapshot()?,
            ws,
            kinds: &self.kinds,
        }))
    }

    async fn sync(&self) -> Result<()> {
        self.engine.sync().await
    }
}

impl<E: Engine + Default> Default for KvStore<E> {
    fn default() -> Self {
        Self::new()
    }
}

//! The highest stored record id of each kind: a new record's id above it is unused, which
//! the commit check then knows without a read.
//!
//! A commit that creates a record must make sure no record has its id yet. The services give
//! new records UUID v7 ids, which grow with time, so almost every new id is above all stored
//! ones: comparing with the highest id (kept per workspace and kind under the commit lock) is
//! enough, and the engine is read only for an id that is not above it. The highest id is read
//! from the engine the first time a kind is seen, and raised by every put; a deletion leaves it
//! as it is, which is safe: the mark only ever overstates.

use super::layout::{self, Space};
use super::{Batch, EngineSnapshot};
use crate::error::{Error, Result};
use crate::id::WorkspaceId;
use crate::record::RecordKind;
use std::collections::HashMap;
use uuid::Uuid;

/// See the [module](self) docs. Used only under the store's commit lock.
#[derive(Debug, Default)]
pub struct Highest {
    by_kind: HashMap<(WorkspaceId, u16), Uuid>,
}

impl Highest {
    /// True when `id` is above every stored record of `kind` in `ws` (no such record exists).
    ///
    /// # Errors
    /// [`Error::Storage`] or [`Error::Corrupted`] when the engine's records cannot be read.
    pub fn above<S: EngineSnapshot + ?Sized>(
        &mut self,
        snapshot: &S,
        ws: WorkspaceId,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<bool> {
        let highest = match self.by_kind.get(&(ws, kind.tag())) {
            Some(highest) => *highest,
            None => {
                let highest = last_id(snapshot, ws, kind)?.unwrap_or(Uuid::nil());
                self.by_kind.insert((ws, kind.tag()), highest);
                highest
            }
        };
        Ok(id > highest)
    }

    /// Raises the marks past the records `batch` puts.
    pub fn note(&mut self, batch: &Batch) {
        let puts = batch
            .changes
            .iter()
            .filter(|c| c.space == Space::Records && c.value.is_some())
            .filter_map(|c| layout::parse_record_key(&c.key));
        for (ws, tag, id) in puts {
            if let Some(highest) = self.by_kind.get_mut(&(ws, tag))
                && id > *highest
            {
                *highest = id;
            }
        }
    }
}

fn last_id<S: EngineSnapshot + ?Sized>(
    snapshot: &S,
    ws: WorkspaceId,
    kind: RecordKind,
) -> Result<Option<Uuid>> {
    let prefix = layout::records_prefix(ws, kind);
    let end = crate::record::Key::from_bytes(prefix.clone())
        .prefix_end()
        .map(crate::record::Key::into_bytes);
    match snapshot
        .scan(Space::Records, &prefix, end.as_deref(), true)
        .next()
    {
        None => Ok(None),
        Some(entry) => {
            let (key, _) = entry?;
            layout::parse_record_key(&key)
                .map(|(_, _, id)| Some(id))
                .ok_or_else(|| Error::Corrupted {
                    key: format!("records {key:02x?}"),
                    source: "not a record key".into(),
                })
        }
    }
}

//! The highest stored record id of each kind: a new record's id above it is unused, which
//! the commit check then knows without reading sled.
//!
//! A commit that creates a record must make sure no record has its id yet. The services give
//! new records UUID v7 ids, which grow with time, so almost every new id is above all stored
//! ones: comparing with the highest id (kept per workspace and kind under the commit lock) is
//! enough, and sled is read only for an id that is not above it. The highest id is read from
//! the store the first time a kind is seen, and raised by every put; a deletion leaves it as
//! it is, which is safe: the mark only ever overstates.

use crate::batch::{Change, Tree};
use crate::read::View;
use crm_core::Result;
use crm_core::id::WorkspaceId;
use crm_core::store::RecordKind;
use crm_core::store::kv;
use std::collections::HashMap;
use uuid::Uuid;

/// See the [module](self) docs. Used only under the store's commit lock.
#[derive(Debug, Default)]
pub(crate) struct Highest {
    by_kind: HashMap<(WorkspaceId, RecordKind), Uuid>,
}

impl Highest {
    /// True when `id` is above every stored record of `kind` in `ws` (no such record exists).
    pub(crate) fn above(
        &mut self,
        view: &View<'_>,
        ws: WorkspaceId,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<bool> {
        let highest = match self.by_kind.get(&(ws, kind)) {
            Some(highest) => *highest,
            None => {
                let highest = view.last_record_id(ws, kind)?.unwrap_or(Uuid::nil());
                self.by_kind.insert((ws, kind), highest);
                highest
            }
        };
        Ok(id > highest)
    }

    /// Raises the marks past the records `changes` put.
    pub(crate) fn note(&mut self, changes: &[Change]) {
        let puts = changes
            .iter()
            .filter(|c| c.tree == Tree::Records && c.value.is_some())
            .filter_map(|c| kv::parse_record_key(&c.key));
        for (ws, kind, id) in puts {
            if let Some(highest) = self.by_kind.get_mut(&(ws, kind))
                && id > *highest
            {
                *highest = id;
            }
        }
    }
}

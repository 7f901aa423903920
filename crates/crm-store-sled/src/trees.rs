//! sled's trees: one per key space of crm-core's key-value layout.

use crm_core::store::kv::Space;

/// The names of the trees of schema version 3, in [`Space::ALL`] order. (Versions 1 and 2
/// kept other layouts under `records`, `unique` and `index`; see [`crate::migrate`].)
pub(crate) const NAMES: [&str; 4] = ["records.3", "unique.3", "index.3", "meta"];

/// The trees a commit writes.
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    trees: [sled::Tree; 4],
}

impl Trees {
    /// Opens (or creates) the trees of `db`.
    pub(crate) fn open(db: &sled::Db) -> sled::Result<Trees> {
        Ok(Trees {
            trees: [
                db.open_tree(NAMES[0])?,
                db.open_tree(NAMES[1])?,
                db.open_tree(NAMES[2])?,
                db.open_tree(NAMES[3])?,
            ],
        })
    }

    /// The sled tree of `space`.
    pub(crate) fn of(&self, space: Space) -> &sled::Tree {
        &self.trees[space.position()]
    }
}

//! Bringing data of schema versions 1 and 2 up to version 3.
//!
//! Versions 1 and 2 kept records in the tree `records` under `ws | kind tag (1 byte) | id`,
//! with the body format crm-core reads as [`crm_core::record::FORMAT_NAMED`], and unique keys
//! and index entries in a layout of their own. The conversion:
//!
//! 1. empties the trees of version 3 (left over by a conversion a crash interrupted);
//! 2. copies every record to `records.3` under its version-3 key (`ws | tag (2 bytes) | id`),
//!    its body unchanged;
//! 3. makes sled durable, writes schema version 3, makes sled durable again;
//! 4. drops the old trees.
//!
//! The unique keys and index entries are then rebuilt from the records by crm-core's
//! key-value store (the kinds have no stored index version yet). A crash before step 3 is
//! durable leaves version 1 or 2 and the old trees: the next open starts over. A crash after
//! it leaves version 3: the next open drops the old trees if they are still there.

use crate::error::storage;
use crate::schema;
use crate::trees::Trees;
use crm_core::id::WorkspaceId;
use crm_core::record::RecordKind;
use crm_core::store::kv::{Space, layout};
use crm_core::{Error, Result};
use uuid::Uuid;

/// The trees of versions 1 and 2.
pub(crate) const OLD_TREES: [&str; 3] = ["records", "unique", "index"];

/// Converts the data of `db` (at version 1 or 2, journal already replayed into the old trees
/// and durable) to version 3; `make_durable` flushes sled and syncs its files.
///
/// # Errors
/// [`Error::Corrupted`] for a record key of the old layout that does not parse;
/// [`Error::Storage`] when sled fails.
pub(crate) fn to_v3(
    db: &sled::Db,
    trees: &Trees,
    make_durable: &dyn Fn() -> Result<()>,
) -> Result<()> {
    for space in [Space::Records, Space::Unique, Space::Index] {
        trees.of(space).clear().map_err(storage)?;
    }
    let old = db.open_tree(OLD_TREES[0]).map_err(storage)?;
    for entry in old.iter() {
        let (key, value) = entry.map_err(storage)?;
        let (ws, tag, id) = old_record_key(&key).ok_or_else(|| Error::Corrupted {
            key: format!("records {:02x?}", key.as_ref()),
            source: "not a record key of schema version 1 or 2".into(),
        })?;
        let kind = RecordKind::find(RecordKind::BUILTIN, u16::from(tag));
        trees
            .of(Space::Records)
            .insert(layout::record_key(ws, kind, id), value)
            .map_err(storage)?;
    }
    make_durable()?;
    schema::write(trees.of(Space::Meta))?;
    make_durable()?;
    drop_old_trees(db)
}

/// Drops the trees of versions 1 and 2, if any are left.
///
/// # Errors
/// [`Error::Storage`] when sled fails.
pub(crate) fn drop_old_trees(db: &sled::Db) -> Result<()> {
    for name in OLD_TREES {
        if db
            .tree_names()
            .iter()
            .any(|n| n.as_ref() == name.as_bytes())
        {
            db.drop_tree(name).map_err(storage)?;
        }
    }
    db.flush().map_err(storage)?;
    Ok(())
}

/// `ws | kind tag (1 byte) | id`.
fn old_record_key(key: &[u8]) -> Option<(WorkspaceId, u8, Uuid)> {
    if key.len() != 33 {
        return None;
    }
    let ws = Uuid::from_slice(&key[..16]).ok()?;
    let id = Uuid::from_slice(&key[17..]).ok()?;
    Some((WorkspaceId(ws), key[16], id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_record_keys_parse() {
        let ws = Uuid::from_u128(5);
        let id = Uuid::from_u128(6);
        let key = [ws.as_bytes().as_slice(), &[2], id.as_bytes()].concat();
        assert_eq!(old_record_key(&key), Some((WorkspaceId(ws), 2, id)));
        assert_eq!(old_record_key(&key[1..]), None);
    }
}

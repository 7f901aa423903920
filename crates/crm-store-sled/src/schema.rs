//! The schema version kept in the `meta` tree.
//!
//! - 1: the trees `records` (`ws | kind tag (1 byte) | id`), `unique` and `index`, each
//!   commit one sled transaction.
//! - 2: the same trees, plus the journal directory (`journal/`) that holds commits sled may
//!   not have yet. A build of version 1 would ignore it and lose them, so it must refuse the
//!   data.
//! - 3: crm-core's generic key-value layout (`store::kv::layout`) in the trees `records.3`,
//!   `unique.3`, `index.3` and `meta`; records keep their bodies, index entries are declared
//!   by the record kinds and rebuilt from the records when their declaration changes. Data of
//!   versions 1 and 2 is converted on open ([`crate::migrate`]).

use crate::error::storage;
use crm_core::{Error, Result};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 3;

/// The `meta` key of the schema version (a big-endian `u32`).
pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";

/// The stored schema version, if any.
///
/// # Errors
/// [`Error::Corrupted`] for an unreadable version; [`Error::SchemaTooNew`] for a newer one.
pub(crate) fn read(meta: &sled::Tree) -> Result<Option<u32>> {
    let Some(bytes) = meta.get(SCHEMA_KEY).map_err(storage)? else {
        return Ok(None);
    };
    let array: [u8; 4] = bytes
        .as_ref()
        .try_into()
        .map_err(|_| corrupted(format!("{} bytes, expected 4", bytes.len())))?;
    match u32::from_be_bytes(array) {
        0 => Err(corrupted("version 0".into())),
        found if found > SCHEMA_VERSION => Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        }),
        v => Ok(Some(v)),
    }
}

/// Writes [`SCHEMA_VERSION`] (the caller makes it durable).
pub(crate) fn write(meta: &sled::Tree) -> Result<()> {
    meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
        .map_err(storage)?;
    Ok(())
}

/// The error of stored records without a schema version.
pub(crate) fn unversioned() -> Error {
    corrupted("records without a schema version".into())
}

fn corrupted(reason: String) -> Error {
    Error::Corrupted {
        key: "meta/schema_version".to_owned(),
        source: reason.into(),
    }
}

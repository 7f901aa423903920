//! The schema version kept in the `meta` tree.

use crate::error::storage;
use crm_core::{Error, Result};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The `meta` key of the schema version (a big-endian `u32`).
pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";

/// Checks the stored schema version, or writes [`SCHEMA_VERSION`] into a store without
/// records. Returns true when it wrote it (the caller flushes).
pub(crate) fn check_or_init(meta: &sled::Tree, records: &sled::Tree) -> Result<bool> {
    match meta.get(SCHEMA_KEY).map_err(storage)? {
        Some(bytes) => {
            let found = parse(&bytes)?;
            if found > SCHEMA_VERSION {
                return Err(Error::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            Ok(false)
        }
        None if records.is_empty() => {
            meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
                .map_err(storage)?;
            Ok(true)
        }
        None => Err(corrupted("records without a schema version".into())),
    }
}

fn parse(bytes: &[u8]) -> Result<u32> {
    let array: [u8; 4] = bytes
        .try_into()
        .map_err(|_| corrupted(format!("{} bytes, expected 4", bytes.len())))?;
    match u32::from_be_bytes(array) {
        0 => Err(corrupted("version 0".into())),
        v => Ok(v),
    }
}

fn corrupted(reason: String) -> Error {
    Error::Corrupted {
        key: "meta/schema_version".to_owned(),
        source: reason.into(),
    }
}

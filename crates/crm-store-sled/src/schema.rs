//! The schema version kept in the `meta` tree.
//!
//! - 1: the `records`, `unique`, `index` and `meta` trees, each commit one sled transaction.
//! - 2: the same trees, plus the journal directory (`journal/`) that holds commits sled may
//!   not have yet. A build of version 1 would ignore it and lose them, so it must refuse the
//!   data; opening version 1 data needs no change but the version number.

use crate::error::storage;
use crm_core::{Error, Result};

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 2;

/// The `meta` key of the schema version (a big-endian `u32`).
pub(crate) const SCHEMA_KEY: &[u8] = b"schema_version";

/// Checks the stored schema version and writes [`SCHEMA_VERSION`] into a store without
/// records or of an older version. Returns true when it wrote it (the caller flushes).
pub(crate) fn check_or_write(meta: &sled::Tree, records: &sled::Tree) -> Result<bool> {
    match meta.get(SCHEMA_KEY).map_err(storage)? {
        Some(bytes) => {
            let found = parse(&bytes)?;
            if found > SCHEMA_VERSION {
                return Err(Error::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found < SCHEMA_VERSION {
                write(meta)?;
                return Ok(true);
            }
            Ok(false)
        }
        None if records.is_empty() => {
            write(meta)?;
            Ok(true)
        }
        None => Err(corrupted("records without a schema version".into())),
    }
}

fn write(meta: &sled::Tree) -> Result<()> {
    meta.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
        .map_err(storage)?;
    Ok(())
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

//! Reads ([`KvRead`]) straight on sled's trees.
//!
//! sled reads need no transaction: each key is read as last committed. A query that reads an
//! index entry and then its record may see a commit land between the two; the entry and the
//! record were written in one transaction, so the record is then newer, never missing
//! (deletions aside, which the query functions treat as "gone").

use crate::encoding;
use crate::error::storage;
use crm_core::id::WorkspaceId;
use crm_core::store::kv::{self, KeyRange, KvRead};
use crm_core::store::{Record, RecordKind};
use crm_core::{Error, Result};
use uuid::Uuid;

/// The trees a commit writes, read outside transactions.
#[derive(Debug, Clone)]
pub(crate) struct Trees {
    /// `kv::record_key` → encoded record.
    pub(crate) records: sled::Tree,
    /// stored unique key → 16-byte owner id.
    pub(crate) unique: sled::Tree,
    /// index keys → empty value.
    pub(crate) index: sled::Tree,
}

impl KvRead for Trees {
    fn record(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
        let key = kv::record_key(ws, kind, id);
        match self.records.get(&key).map_err(storage)? {
            Some(bytes) => decode_record(ws, kind, id, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn unique_owner(&self, key: &[u8]) -> Result<Option<Uuid>> {
        match self.unique.get(key).map_err(storage)? {
            Some(bytes) => decode_owner(key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    fn index_scan(
        &self,
        range: KeyRange,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>>> + '_> {
        if range.start >= range.end {
            return Box::new(std::iter::empty());
        }
        let keys = self
            .index
            .range(range.start..range.end)
            .keys()
            .map(|k| k.map(|k| k.to_vec()).map_err(storage));
        if reverse {
            Box::new(keys.rev())
        } else {
            Box::new(keys)
        }
    }

    fn record_ids(
        &self,
        ws: WorkspaceId,
        kind: RecordKind,
        after: Option<Uuid>,
    ) -> Box<dyn Iterator<Item = Result<Uuid>> + '_> {
        let range = kv::record_range(ws, kind, after);
        if range.start >= range.end {
            return Box::new(std::iter::empty());
        }
        let ids = self
            .records
            .range(range.start..range.end)
            .keys()
            .map(|key| {
                let key = key.map_err(storage)?;
                kv::parse_record_key(&key)
                    .map(|(_, _, id)| id)
                    .ok_or_else(|| Error::Corrupted {
                        key: format!("records {:02x?}", &*key),
                        source: "not a record key".into(),
                    })
            });
        Box::new(ids)
    }
}

/// Where a record is, for [`Error::Corrupted`].
pub(crate) fn record_location(ws: WorkspaceId, kind: RecordKind, id: Uuid) -> String {
    format!("records/{kind}/{id} (workspace {})", ws.0)
}

/// Decodes the stored record `kind`/`id`, checking that it is the record its key names.
pub(crate) fn decode_record(
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
    bytes: &[u8],
) -> Result<Record> {
    let location = record_location(ws, kind, id);
    let record = encoding::decode(kind, bytes, &location)?;
    if record.id() != id {
        return Err(Error::Corrupted {
            key: location,
            source: format!("the value holds record {}", record.id()).into(),
        });
    }
    Ok(record)
}

/// Decodes the owner stored under unique key `key`.
pub(crate) fn decode_owner(key: &[u8], bytes: &[u8]) -> Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|e| Error::Corrupted {
        key: format!(
            "unique {}",
            String::from_utf8_lossy(key.get(16..).unwrap_or(key))
        ),
        source: Box::new(e),
    })
}

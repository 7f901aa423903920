//! How audit entries are stored: their kind, index and SQL columns.

use super::AuditEntry;
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

static KIND: KindSpec = KindSpec::of::<AuditEntry>("audit", 6, 1, Some(&TABLE));

/// Audit entries by the id of the record they are about (then by their own id: by time).
pub const BY_RECORD: Index = Index::new(AuditEntry::KIND, 7, "audit_by_record");

impl Entity for AuditEntry {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![BY_RECORD.entry(Key::new().id(self.record.id))]
    }
}

static TABLE: Table = Table {
    name: "audit_entries",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("at", T::Timestamp, &["at"]),
        Column::new("actor_type", T::Text, &["actor", "type"]),
        Column::new("actor", T::Text, &["actor", "id"]),
        Column::new("action", T::Text, &["action"]),
        Column::new("record_kind", T::Text, &["record", "kind"]),
        Column::new("record_id", T::Uuid, &["record", "id"]),
        Column::new("detail", T::Text, &["detail"]),
    ],
    children: &[],
};

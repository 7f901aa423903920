//! How outbox messages are stored: their kind, indexes and SQL columns.

use super::{OutboxMessage, OutboxStatus};
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

static KIND: KindSpec = KindSpec::of::<OutboxMessage>("outbox", 7, 1, Some(&TABLE));

/// Messages by status ([`status_rank`]).
pub const BY_STATUS: Index = Index::new(OutboxMessage::KIND, 8, "outbox_by_status");
/// Pending messages by the time of their next attempt.
pub const DUE: Index = Index::new(OutboxMessage::KIND, 9, "outbox_due");

/// The rank of `status` in index keys.
pub fn status_rank(status: OutboxStatus) -> u8 {
    match status {
        OutboxStatus::Pending => 0,
        OutboxStatus::Delivered => 1,
        OutboxStatus::Failed => 2,
    }
}

impl Entity for OutboxMessage {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = vec![BY_STATUS.entry(Key::new().u8(status_rank(self.status)))];
        if self.status == OutboxStatus::Pending {
            entries.push(DUE.entry(Key::new().time(self.next_attempt_at)));
        }
        entries
    }
}

static TABLE: Table = Table {
    name: "outbox",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("recipient", T::Json, &["notification", "recipient"]),
        Column::new("event", T::Text, &["notification", "event"]),
        Column::new("subject", T::Text, &["notification", "subject"]),
        Column::new("body", T::Text, &["notification", "body"]),
        Column::new("record_kind", T::Text, &["notification", "record", "kind"]),
        Column::new("record_id", T::Uuid, &["notification", "record", "id"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("attempts", T::BigInt, &["attempts"]),
        Column::new("next_attempt_at", T::Timestamp, &["next_attempt_at"]),
        Column::new("last_error", T::Text, &["last_error"]),
        Column::new("delivered_at", T::Timestamp, &["delivered_at"]),
    ],
    children: &[],
};

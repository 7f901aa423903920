//! How outbox messages are stored: their kind, indexes and SQL columns.

use super::{OutboxMessage, OutboxStatus};
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

static KIND: KindSpec = KindSpec::of::<OutboxMessage>("outbox", 7, 2, Some(&TABLE));

/// Messages by status ([`status_rank`]).
pub const BY_STATUS: Index = Index::new(OutboxMessage::KIND, 8, "outbox_by_status");
/// Pending messages by the time of their next attempt.
pub const DUE: Index = Index::new(OutboxMessage::KIND, 9, "outbox_due");

/// Sent messages awaiting a delivery report, by the time to ask next.
pub const REPORTS_DUE: Index = Index::new(OutboxMessage::KIND, 17, "outbox_reports_due");
/// Messages by the record they are about, oldest first.
pub const BY_RECORD: Index = Index::new(OutboxMessage::KIND, 18, "outbox_by_record");

/// The rank of `status` in index keys (stable: stored in keys).
pub fn status_rank(status: OutboxStatus) -> u8 {
    match status {
        OutboxStatus::Pending => 0,
        OutboxStatus::Delivered => 1,
        OutboxStatus::Failed => 2,
        OutboxStatus::Sent => 3,
        OutboxStatus::Bounced => 4,
        OutboxStatus::Suppressed => 5,
        OutboxStatus::Parked => 6,
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
        if self.status == OutboxStatus::Sent && self.awaiting_report {
            entries.push(REPORTS_DUE.entry(Key::new().time(self.next_attempt_at)));
        }
        if let Some(record) = &self.notification.record {
            entries.push(BY_RECORD.entry(Key::new().id(record.id).time(self.created_at)));
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
        Column::new("purpose", T::Text, &["notification", "purpose"]),
        Column::new("event_id", T::Uuid, &["notification", "event_id"]),
        Column::new("sent_at", T::Timestamp, &["sent_at"]),
        Column::new("provider_ref", T::Text, &["provider_ref"]),
        Column::new("parts", T::BigInt, &["parts"]),
        Column::new("awaiting_report", T::Boolean, &["awaiting_report"]),
    ],
    children: &[],
};

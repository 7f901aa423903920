//! How interactions are stored: their kind, index and SQL columns.

use super::Interaction;
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

static KIND: KindSpec = KindSpec::of::<Interaction>("interaction", 3, 1, Some(&TABLE));

/// Interactions by customer, then time (`occurred_at`).
pub const BY_CUSTOMER: Index = Index::new(Interaction::KIND, 6, "interaction_by_customer");

impl Entity for Interaction {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![BY_CUSTOMER.entry(Key::new().id(self.customer.0).time(self.occurred_at))]
    }
}

static TABLE: Table = Table {
    name: "interactions",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("customer_id", T::Uuid, &["customer"]),
        Column::new("channel", T::Text, &["channel"]),
        Column::new("direction", T::Text, &["direction"]),
        Column::new("occurred_at", T::Timestamp, &["occurred_at"]),
        Column::new("subject", T::Text, &["subject"]),
        Column::new("body", T::Text, &["body"]),
        Column::new("staff_id", T::Uuid, &["staff"]),
        Column::new("external_id", T::Text, &["external_id"]),
        Column::new("attachments", T::Json, &["attachments"]),
        Column::new("recorded_at", T::Timestamp, &["recorded_at"]),
    ],
    children: &[],
};

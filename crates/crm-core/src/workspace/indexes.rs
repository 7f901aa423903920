//! How workspaces are stored: their kind and SQL columns.

use super::Workspace;
use crate::record::{Column, ColumnType as T, Entity, KindSpec, RecordKind, Table};
use uuid::Uuid;

static KIND: KindSpec = KindSpec::of::<Workspace>("workspace", 1, 1, Some(&TABLE));

impl Entity for Workspace {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }
}

static TABLE: Table = Table {
    name: "workspaces",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("default_region", T::Text, &["default_region"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("settings", T::Json, &["settings"]),
    ],
    children: &[],
};

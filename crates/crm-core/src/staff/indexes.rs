//! How staff and departments are stored: their kinds, unique keys and SQL columns.

use super::{Department, Staff};
use crate::record::{Column, ColumnType as T, Entity, KindSpec, RecordKind, Table};
use uuid::Uuid;

static STAFF: KindSpec = KindSpec::of::<Staff>("staff", 4, 1, Some(&STAFF_TABLE));
static DEPARTMENT: KindSpec =
    KindSpec::of::<Department>("department", 5, 1, Some(&DEPARTMENT_TABLE));

/// The unique key a staff member's work email claims.
pub fn email_key(email: &str) -> String {
    format!("staff-email:{email}")
}

impl Entity for Staff {
    const KIND: RecordKind = RecordKind::of(&STAFF);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// The work email, if any.
    fn unique_keys(&self) -> Vec<String> {
        self.email.iter().map(|e| email_key(e)).collect()
    }
}

impl Entity for Department {
    const KIND: RecordKind = RecordKind::of(&DEPARTMENT);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }
}

static STAFF_TABLE: Table = Table {
    name: "staff",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("email", T::Text, &["email"]),
        Column::new("roles", T::TextArray, &["roles"]),
        Column::new("department_id", T::Uuid, &["department"]),
        Column::new("active", T::Boolean, &["active"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static DEPARTMENT_TABLE: Table = Table {
    name: "departments",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("manager_id", T::Uuid, &["manager"]),
        Column::new("assignment", T::Text, &["assignment"]),
        Column::new("last_assigned", T::Uuid, &["last_assigned"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

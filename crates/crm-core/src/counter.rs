//! Named counters of a workspace (request numbers).

use crate::record::{Column, ColumnType as T, Entity, KindSpec, RecordKind, Table};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A named counter of a workspace. Updated in the commit that uses the next value, so numbers
/// are gap-free and a race for one number is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// A fixed id per counter (see [`Counter::REQUEST_NUMBERS`]).
    pub id: Uuid,
    /// Optimistic version.
    pub version: u64,
    /// The last value handed out (0: none yet).
    pub value: u64,
}

impl Counter {
    /// The counter of request numbers.
    pub const REQUEST_NUMBERS: Uuid = Uuid::from_u128(1);
}

static KIND: KindSpec = KindSpec::of::<Counter>("counter", 10, 1, Some(&TABLE));

impl Entity for Counter {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }
}

static TABLE: Table = Table {
    name: "counters",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("value", T::BigInt, &["value"]),
    ],
    children: &[],
};

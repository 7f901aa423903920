//! A record kind that only the test suite declares: proof that a store handles a new kind,
//! its unique keys and its indexes without any code of its own.
//!
//! A [`Note`] has a topic (any text, Persian included), a signed rank, a time (before 1970
//! too), an optional slug it claims as a unique key, and a generation that a check changes
//! on several notes in one commit.

use chrono::{DateTime, Utc};
use crm_core::record::{
    Column, ColumnType, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A test-only record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The id.
    pub id: Uuid,
    /// Optimistic version.
    pub version: u64,
    /// What it is about; listed by topic, then rank.
    pub topic: String,
    /// A signed rank.
    pub rank: i64,
    /// When; listed by time.
    pub at: DateTime<Utc>,
    /// Claimed as the unique key [`slug_key`] when set.
    #[serde(default)]
    pub slug: Option<String>,
    /// Changed on several notes at once by the snapshot checks.
    #[serde(default)]
    pub generation: u64,
}

static NOTE: KindSpec = KindSpec::of::<Note>("testkit_note", 9001, 1, Some(&TABLE));

/// Notes by topic, then rank.
pub const BY_TOPIC: Index = Index::new(Note::KIND, 9001, "testkit_note_by_topic");
/// Notes by time.
pub const BY_TIME: Index = Index::new(Note::KIND, 9002, "testkit_note_by_time");

/// The unique key a note's slug claims.
pub fn slug_key(slug: &str) -> String {
    format!("testkit-note:{slug}")
}

impl Entity for Note {
    const KIND: RecordKind = RecordKind::of(&NOTE);

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn unique_keys(&self) -> Vec<String> {
        self.slug.iter().map(|s| slug_key(s)).collect()
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![
            BY_TOPIC.entry(Key::new().text(&self.topic).i64(self.rank)),
            BY_TIME.entry(Key::new().time(self.at)),
        ]
    }
}

static TABLE: Table = Table {
    name: "testkit_notes",
    columns: &[
        Column::new("id", ColumnType::Uuid, &["id"]),
        Column::new("version", ColumnType::BigInt, &["version"]),
        Column::new("topic", ColumnType::Text, &["topic"]),
        Column::new("rank", ColumnType::BigInt, &["rank"]),
        Column::new("at", ColumnType::Timestamp, &["at"]),
        Column::new("slug", ColumnType::Text, &["slug"]),
        Column::new("generation", ColumnType::BigInt, &["generation"]),
    ],
    children: &[],
};

impl Note {
    /// A new note (version 1) with id `n`.
    pub fn new(n: u128, topic: &str, rank: i64, at: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::from_u128(n),
            version: 1,
            topic: topic.to_owned(),
            rank,
            at,
            slug: None,
            generation: 0,
        }
    }

    /// The same note, one version on.
    pub fn next(&self) -> Self {
        Self {
            version: self.version + 1,
            ..self.clone()
        }
    }
}

//! How customers are stored: their kind, unique keys, indexes and SQL columns.

use super::{Customer, LifecycleStage};
use crate::record::{
    Child, Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

// Index version 2: the search tokens hold adjacent words joined and the Latin name; the
// occasion entries of the activities. Version 3: the occasion entries end with the customer's
// id and its `Celebrant` summary.
static KIND: KindSpec = KindSpec::of::<Customer>("customer", 2, 3, Some(&TABLE));

/// Live customers by the search tokens of their name ([`Customer::search_tokens`]).
pub const BY_TOKEN: Index = Index::new(Customer::KIND, 2, "customer_by_token");
/// Live customers by stage ([`stage_rank`]).
pub const BY_STAGE: Index = Index::new(Customer::KIND, 3, "customer_by_stage");
/// Live customers by owner.
pub const BY_OWNER: Index = Index::new(Customer::KIND, 4, "customer_by_owner");
/// Live customers by tag.
pub const BY_TAG: Index = Index::new(Customer::KIND, 5, "customer_by_tag");

/// The place of `stage` in [`LifecycleStage::ALL`], as index keys hold it.
pub fn stage_rank(stage: LifecycleStage) -> u8 {
    LifecycleStage::ALL
        .iter()
        .position(|s| *s == stage)
        .and_then(|p| u8::try_from(p).ok())
        .unwrap_or(u8::MAX)
}

impl Entity for Customer {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// The canonical keys of its identifying contact points.
    fn unique_keys(&self) -> Vec<String> {
        Customer::unique_keys(self).map(str::to_owned).collect()
    }

    /// A live customer is listed by each search token, its stage, its owner, each tag and each
    /// occasion's date ([`crate::activity::CUSTOMER_BY_OCCASION`]); a merged one nowhere.
    fn index_entries(&self) -> Vec<IndexEntry> {
        if self.is_merged() {
            return Vec::new();
        }
        let mut entries: Vec<IndexEntry> = self
            .search_tokens()
            .iter()
            .map(|t| BY_TOKEN.entry(Key::new().text(t)))
            .collect();
        entries.push(BY_STAGE.entry(Key::new().u8(stage_rank(self.stage))));
        if let Some(owner) = self.owner {
            entries.push(BY_OWNER.entry(Key::new().id(owner.0)));
        }
        entries.extend(self.tags.iter().map(|t| BY_TAG.entry(Key::new().text(t))));
        entries.extend(crate::activity::occasion_entries(self));
        entries
    }
}

static TABLE: Table = Table {
    name: "customers",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("party_type", T::Text, &["party", "type"]),
        Column::new("given_name", T::Text, &["party", "given_name"]),
        Column::new("family_name", T::Text, &["party", "family_name"]),
        Column::new("org_name", T::Text, &["party", "name"]),
        Column::new("organisation_id", T::Uuid, &["party", "organisation"]),
        Column::new("stage", T::Text, &["stage"]),
        Column::new("owner_id", T::Uuid, &["owner"]),
        Column::new("tags", T::TextArray, &["tags"]),
        Column::new("fields", T::Json, &["fields"]),
        Column::new("occasions", T::Json, &["occasions"]),
        Column::new("consent", T::Json, &["consent"]),
        Column::new("merged_into", T::Uuid, &["merged_into"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[Child {
        name: "contact_points",
        parent_column: "customer_id",
        array: &["contacts"],
        columns: &[
            Column::new("kind", T::Text, &["kind"]),
            Column::new("value", T::Text, &["value"]),
            Column::new("key", T::Text, &["key"]),
            Column::new("label", T::Text, &["label"]),
        ],
    }],
};

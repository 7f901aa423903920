//! How requests and routing rules are stored: their kinds, unique keys, the cartable's
//! indexes and SQL columns.
//!
//! Every active request is listed, by priority rank (urgent first), then the due time it
//! sorts by ([`Request::sort_due`]), in the cartable of its holder, in the list of every
//! follower, in the list of deadlines, and (when resolved) awaiting review and (when a
//! possible duplicate) among those. Every request, active or not, is listed by customer and by
//! creation time.

use super::{Holder, Request, RequestStatus, RoutingRule};
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
};
use uuid::Uuid;

static REQUEST: KindSpec = KindSpec::of::<Request>("request", 8, 1, Some(&REQUEST_TABLE));
static ROUTING_RULE: KindSpec =
    KindSpec::of::<RoutingRule>("routing_rule", 9, 1, Some(&RULE_TABLE));

/// Active requests by holder ([`holder_key`]), rank, due time.
pub const BY_HOLDER: Index = Index::new(Request::KIND, 10, "request_by_holder");
/// Resolved requests awaiting review, by rank, due time.
pub const AWAITING_REVIEW: Index = Index::new(Request::KIND, 11, "request_awaiting_review");
/// Active requests by follower, rank, due time.
pub const BY_FOLLOWER: Index = Index::new(Request::KIND, 12, "request_by_follower");
/// Active requests by rank, due time.
pub const BY_DUE: Index = Index::new(Request::KIND, 13, "request_by_due");
/// Active possible duplicates by rank, due time.
pub const POSSIBLE_DUPLICATES: Index = Index::new(Request::KIND, 14, "request_possible_duplicates");
/// Requests by customer, creation time.
pub const BY_CUSTOMER: Index = Index::new(Request::KIND, 15, "request_by_customer");
/// Requests by creation time.
pub const BY_CREATED: Index = Index::new(Request::KIND, 16, "request_by_created");

/// The key part that names a holder.
pub fn holder_key(holder: &Holder) -> Key {
    match holder {
        Holder::Officers => Key::new().u8(0),
        Holder::Department(d) => Key::new().u8(1).id(d.0),
        Holder::Staff(s) => Key::new().u8(2).id(s.0),
    }
}

/// The key part active requests sort by in a cartable: rank, then due time.
pub fn rank_key(request: &Request) -> Key {
    Key::new()
        .u8(request.priority.rank())
        .time(request.sort_due())
}

impl Entity for Request {
    const KIND: RecordKind = RecordKind::of(&REQUEST);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// Its number, every message taken in, and its thread.
    fn unique_keys(&self) -> Vec<String> {
        Request::unique_keys(self)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = Vec::new();
        if self.is_active() {
            let rank = rank_key(self);
            entries.push(BY_HOLDER.entry(holder_key(&self.holder).concat(&rank)));
            if self.status == RequestStatus::Resolved {
                entries.push(AWAITING_REVIEW.entry(rank.clone()));
            }
            for f in &self.followers {
                entries.push(BY_FOLLOWER.entry(Key::new().id(f.0).concat(&rank)));
            }
            entries.push(BY_DUE.entry(rank.clone()));
            if self.is_possible_duplicate() {
                entries.push(POSSIBLE_DUPLICATES.entry(rank));
            }
        }
        if let Some(c) = self.customer {
            entries.push(BY_CUSTOMER.entry(Key::new().id(c.0).time(self.created_at)));
        }
        entries.push(BY_CREATED.entry(Key::new().time(self.created_at)));
        entries
    }
}

impl Entity for RoutingRule {
    const KIND: RecordKind = RecordKind::of(&ROUTING_RULE);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }
}

static REQUEST_TABLE: Table = Table {
    name: "requests",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("number", T::BigInt, &["number"]),
        Column::new("customer_id", T::Uuid, &["customer"]),
        Column::new("candidates", T::UuidArray, &["candidates"]),
        Column::new("channel", T::Text, &["channel"]),
        Column::new("thread", T::Text, &["thread"]),
        Column::new("subject", T::Text, &["subject"]),
        Column::new("category", T::Text, &["category"]),
        Column::new("priority", T::Text, &["priority"]),
        Column::new("line", T::Text, &["line"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("holder_kind", T::Text, &["holder", "type"]),
        Column::new("holder_id", T::Uuid, &["holder", "id"]),
        Column::new("department_id", T::Uuid, &["department"]),
        Column::new("officer_id", T::Uuid, &["officer"]),
        Column::new("followers", T::UuidArray, &["followers"]),
        Column::new("escalated", T::Boolean, &["escalated"]),
        Column::new("referrals", T::Json, &["referrals"]),
        Column::new("answer", T::Json, &["answer"]),
        Column::new("reviews", T::Json, &["reviews"]),
        Column::new("reply", T::Json, &["reply"]),
        Column::new("satisfaction", T::Json, &["satisfaction"]),
        Column::new("rating", T::BigInt, &["satisfaction", "rating"]),
        Column::new("messages", T::UuidArray, &["messages"]),
        Column::new("message_keys", T::TextArray, &["message_keys"]),
        Column::new("pending", T::Json, &["pending"]),
        Column::new("sla", T::Json, &["sla"]),
        Column::new("received_at", T::Timestamp, &["received_at"]),
        Column::new("last_message_at", T::Timestamp, &["last_message_at"]),
        Column::new("reopened", T::BigInt, &["reopened"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
        Column::new("closed_at", T::Timestamp, &["closed_at"]),
    ],
    children: &[],
};

static RULE_TABLE: Table = Table {
    name: "routing_rules",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("position", T::BigInt, &["position"]),
        Column::new("enabled", T::Boolean, &["enabled"]),
        Column::new("conditions", T::Json, &["conditions"]),
        Column::new("actions", T::Json, &["actions"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

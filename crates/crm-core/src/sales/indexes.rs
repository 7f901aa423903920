//! How the sales records are stored: their kinds (tags 20 to 27), unique keys, indexes (tags
//! 40 to 53) and SQL columns.

use super::qualification::QualificationLevel;
use super::summary::{ClosedDeal, OpenDeal};
use super::{Deal, ForecastSnapshot, Goal, Lead, LeadStatus, Order, Pipeline, PriceList, Product};
use crate::record::{
    Child, Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
    with_summary,
};
use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

static LEAD: KindSpec = KindSpec::of::<Lead>("lead", 20, 1, Some(&LEAD_TABLE));
static PRODUCT: KindSpec = KindSpec::of::<Product>("product", 21, 1, Some(&PRODUCT_TABLE));
static PRICE_LIST: KindSpec =
    KindSpec::of::<PriceList>("price_list", 22, 1, Some(&PRICE_LIST_TABLE));
static PIPELINE: KindSpec = KindSpec::of::<Pipeline>("pipeline", 23, 1, Some(&PIPELINE_TABLE));
// Index version 2: the `DEAL_OPEN_BY_OWNER` and `DEAL_CLOSED` keys end with the deal's id and
// its summary ([`OpenDeal`], [`ClosedDeal`]).
static DEAL: KindSpec = KindSpec::of::<Deal>("deal", 24, 2, Some(&DEAL_TABLE));
static ORDER: KindSpec = KindSpec::of::<Order>("order", 25, 1, Some(&ORDER_TABLE));
static GOAL: KindSpec = KindSpec::of::<Goal>("goal", 26, 1, Some(&GOAL_TABLE));
static FORECAST_SNAPSHOT: KindSpec =
    KindSpec::of::<ForecastSnapshot>("forecast_snapshot", 27, 1, Some(&SNAPSHOT_TABLE));

/// Leads by status rank ([`LeadStatus::rank`]), creation time.
pub const LEAD_BY_STATUS: Index = Index::new(Lead::KIND, 40, "lead_by_status");
/// Leads by owner, creation time.
pub const LEAD_BY_OWNER: Index = Index::new(Lead::KIND, 41, "lead_by_owner");
/// Leads marketing- or sales-qualified (now or before conversion), by qualification time.
pub const LEAD_BY_QUALIFIED: Index = Index::new(Lead::KIND, 42, "lead_by_qualified");
/// Open deals by owner, creation time: one salesperson's pipeline. The key ends with the
/// deal's id and its [`OpenDeal`] summary (see [`read_summary`](super::read_summary)).
pub const DEAL_OPEN_BY_OWNER: Index = Index::new(Deal::KIND, 43, "deal_open_by_owner");
/// Open deals by department, creation time.
pub const DEAL_OPEN_BY_DEPARTMENT: Index = Index::new(Deal::KIND, 44, "deal_open_by_department");
/// Open deals by pipeline, stage key.
pub const DEAL_OPEN_BY_PIPELINE: Index = Index::new(Deal::KIND, 45, "deal_open_by_pipeline");
/// Won and lost deals by closing time: the won/lost report's window. The key ends with the
/// deal's id and its [`ClosedDeal`] summary (see [`read_summary`](super::read_summary)).
pub const DEAL_CLOSED: Index = Index::new(Deal::KIND, 46, "deal_closed");
/// Deals by customer, creation time.
pub const DEAL_BY_CUSTOMER: Index = Index::new(Deal::KIND, 47, "deal_by_customer");
/// Open deals with an expected close date, by that date ([`day_number`]): the forecast.
pub const DEAL_OPEN_BY_CLOSE: Index = Index::new(Deal::KIND, 48, "deal_open_by_close");
/// Orders by customer, order time.
pub const ORDER_BY_CUSTOMER: Index = Index::new(Order::KIND, 50, "order_by_customer");
/// Orders by order time.
pub const ORDER_BY_TIME: Index = Index::new(Order::KIND, 51, "order_by_time");
/// Forecast snapshots by period label, freezing time.
pub const SNAPSHOT_BY_PERIOD: Index =
    Index::new(ForecastSnapshot::KIND, 52, "forecast_snapshot_by_period");
/// Goals by period label.
pub const GOAL_BY_PERIOD: Index = Index::new(Goal::KIND, 53, "goal_by_period");

/// Bytes of the sort parts of a [`DEAL_OPEN_BY_OWNER`] key (owner, creation time), before
/// the deal's id and summary.
pub const OPEN_BY_OWNER_SORT_LEN: usize = 16 + 8;
/// Bytes of the sort part of a [`DEAL_CLOSED`] key (closing time), before the deal's id and
/// summary.
pub const CLOSED_SORT_LEN: usize = 8;

/// A date as index keys hold it: days from the common era (order-preserving).
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

impl Entity for Lead {
    const KIND: RecordKind = RecordKind::of(&LEAD);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// See [`Lead::keys`].
    fn unique_keys(&self) -> Vec<String> {
        self.keys()
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries =
            vec![LEAD_BY_STATUS.entry(Key::new().u8(self.status.rank()).time(self.created_at))];
        if let Some(owner) = self.owner {
            entries.push(LEAD_BY_OWNER.entry(Key::new().id(owner.0).time(self.created_at)));
        }
        if let Some(q) = &self.qualification {
            let qualified = matches!(
                q.level,
                QualificationLevel::MarketingQualified | QualificationLevel::SalesQualified
            );
            if qualified
                || (self.status == LeadStatus::Converted
                    && q.level != QualificationLevel::Disqualified)
            {
                entries.push(LEAD_BY_QUALIFIED.entry(Key::new().time(q.at)));
            }
        }
        entries
    }
}

impl Entity for Product {
    const KIND: RecordKind = RecordKind::of(&PRODUCT);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// Its SKU ([`Product::sku_key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![Product::sku_key(&self.sku)]
    }
}

impl Entity for PriceList {
    const KIND: RecordKind = RecordKind::of(&PRICE_LIST);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// Its name ([`PriceList::name_key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![PriceList::name_key(&self.name)]
    }
}

impl Entity for Pipeline {
    const KIND: RecordKind = RecordKind::of(&PIPELINE);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// Its name ([`Pipeline::name_key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![Pipeline::name_key(&self.name)]
    }
}

impl Entity for Deal {
    const KIND: RecordKind = RecordKind::of(&DEAL);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// The conversion key of its lead ([`Deal::conversion_key`]).
    fn unique_keys(&self) -> Vec<String> {
        self.keys()
    }

    /// An open deal is listed by owner, department, pipeline and stage, and expected close
    /// date; a closed one by closing time; every deal by customer.
    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries =
            vec![DEAL_BY_CUSTOMER.entry(Key::new().id(self.customer.0).time(self.created_at))];
        if self.is_open() {
            let by_owner = Key::new().id(self.owner.0).time(self.created_at);
            let summary = OpenDeal::of(self);
            entries.push(DEAL_OPEN_BY_OWNER.entry(with_summary(
                by_owner,
                self.id.0,
                summary.as_ref(),
            )));
            if let Some(d) = self.department {
                entries
                    .push(DEAL_OPEN_BY_DEPARTMENT.entry(Key::new().id(d.0).time(self.created_at)));
            }
            entries.push(
                DEAL_OPEN_BY_PIPELINE.entry(Key::new().id(self.pipeline.0).text(&self.stage)),
            );
            if let Some(close) = self.expected_close {
                entries.push(DEAL_OPEN_BY_CLOSE.entry(Key::new().i64(day_number(close))));
            }
        } else if let Some(closed) = self.closed_at {
            let summary = ClosedDeal::of(self);
            entries.push(DEAL_CLOSED.entry(with_summary(
                Key::new().time(closed),
                self.id.0,
                summary.as_ref(),
            )));
        }
        entries
    }
}

impl Entity for Order {
    const KIND: RecordKind = RecordKind::of(&ORDER);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// The order key of its deal ([`Order::deal_key`]).
    fn unique_keys(&self) -> Vec<String> {
        self.deal.map(Order::deal_key).into_iter().collect()
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![
            ORDER_BY_CUSTOMER.entry(Key::new().id(self.customer.0).time(self.ordered_at)),
            ORDER_BY_TIME.entry(Key::new().time(self.ordered_at)),
        ]
    }
}

impl Entity for Goal {
    const KIND: RecordKind = RecordKind::of(&GOAL);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// One goal per subject, period and metric ([`Goal::key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![self.key()]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![GOAL_BY_PERIOD.entry(Key::new().text(&self.period.label()))]
    }
}

impl Entity for ForecastSnapshot {
    const KIND: RecordKind = RecordKind::of(&FORECAST_SNAPSHOT);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// One snapshot per period, scope and day ([`ForecastSnapshot::key`]).
    fn unique_keys(&self) -> Vec<String> {
        vec![self.key()]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![SNAPSHOT_BY_PERIOD.entry(Key::new().text(&self.period.label()).time(self.taken_at))]
    }
}

static LEAD_TABLE: Table = Table {
    name: "leads",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("company", T::Text, &["company"]),
        Column::new("source", T::Text, &["source", "kind"]),
        Column::new("campaign", T::Text, &["source", "campaign"]),
        Column::new("medium", T::Text, &["source", "medium"]),
        Column::new("owner_id", T::Uuid, &["owner"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("qualification", T::Json, &["qualification"]),
        Column::new("conversion", T::Json, &["conversion"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static PRODUCT_TABLE: Table = Table {
    name: "products",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("sku", T::Text, &["sku"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("active", T::Boolean, &["active"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static PRICE_LIST_TABLE: Table = Table {
    name: "price_lists",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("currency", T::Text, &["currency"]),
        Column::new("prices", T::Json, &["prices"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static GOAL_TABLE: Table = Table {
    name: "goals",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("subject_type", T::Text, &["subject", "type"]),
        Column::new("subject_id", T::Uuid, &["subject", "id"]),
        Column::new("period", T::Json, &["period"]),
        Column::new("metric", T::Text, &["metric", "type"]),
        Column::new("currency", T::Text, &["metric", "currency"]),
        Column::new("target", T::Numeric, &["target"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

static SNAPSHOT_TABLE: Table = Table {
    name: "forecast_snapshots",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("period", T::Json, &["period"]),
        Column::new("scope", T::Json, &["scope"]),
        Column::new("day", T::Text, &["day"]),
        Column::new("taken_at", T::Timestamp, &["taken_at"]),
        Column::new("lines", T::Json, &["lines"]),
    ],
    children: &[],
};

static PIPELINE_TABLE: Table = Table {
    name: "pipelines",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("name", T::Text, &["name"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[Child {
        name: "pipeline_stages",
        parent_column: "pipeline_id",
        array: &["stages"],
        columns: &[
            Column::new("key", T::Text, &["key"]),
            Column::new("name", T::Text, &["name"]),
            Column::new("probability", T::BigInt, &["probability"]),
        ],
    }],
};

static DEAL_TABLE: Table = Table {
    name: "deals",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("title", T::Text, &["title"]),
        Column::new("customer_id", T::Uuid, &["customer"]),
        Column::new("owner_id", T::Uuid, &["owner"]),
        Column::new("department_id", T::Uuid, &["department"]),
        Column::new("pipeline_id", T::Uuid, &["pipeline"]),
        Column::new("stage", T::Text, &["stage"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("amount", T::Numeric, &["amount", "amount"]),
        Column::new("currency", T::Text, &["amount", "currency"]),
        Column::new("expected_close", T::Date, &["expected_close"]),
        Column::new("probability", T::BigInt, &["probability"]),
        Column::new("next_step", T::Text, &["next_step"]),
        Column::new("source", T::Text, &["source", "kind"]),
        Column::new("lead_id", T::Uuid, &["lead"]),
        Column::new("lost_reason", T::Text, &["lost_reason", "type"]),
        Column::new("closed_at", T::Timestamp, &["closed_at"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[Child {
        name: "deal_stage_log",
        parent_column: "deal_id",
        array: &["log"],
        columns: &[
            Column::new("from_position", T::Json, &["from"]),
            Column::new("from_stage", T::Text, &["from", "stage"]),
            Column::new("to_position", T::Json, &["to"]),
            Column::new("to_stage", T::Text, &["to", "stage"]),
            Column::new("at", T::Timestamp, &["at"]),
        ],
    }],
};

static ORDER_TABLE: Table = Table {
    name: "orders",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("customer_id", T::Uuid, &["customer"]),
        Column::new("deal_id", T::Uuid, &["deal"]),
        Column::new("total", T::Numeric, &["total", "amount"]),
        Column::new("currency", T::Text, &["total", "currency"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("ordered_at", T::Timestamp, &["ordered_at"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[Child {
        name: "order_lines",
        parent_column: "order_id",
        array: &["lines"],
        columns: &[
            Column::new("product_id", T::Uuid, &["product"]),
            Column::new("quantity", T::Numeric, &["quantity"]),
            Column::new("unit_price", T::Numeric, &["unit_price", "amount"]),
        ],
    }],
};

#[cfg(test)]
mod tests {
    use crate::record::Body;
    use crate::sales::{ForecastScope, GoalMetric, GoalSubject, LostReason, Position};
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
        let binary: T = Body::binary(&value).unwrap().decode().unwrap();
        assert_eq!(binary, value);
        let json: T = Body::json(&value).unwrap().decode().unwrap();
        assert_eq!(json, value);
    }

    #[test]
    fn sales_enums_round_trip_in_both_encodings() {
        round_trip(Position::Stage("needs".into()));
        round_trip(Position::Won);
        round_trip(Some(Position::Lost));
        round_trip(ForecastScope::Workspace);
        round_trip(ForecastScope::Owner(crate::id::StaffId(
            uuid::Uuid::from_u128(7),
        )));
        round_trip(GoalSubject::Staff(crate::id::StaffId(
            uuid::Uuid::from_u128(7),
        )));
        round_trip(LostReason::Price);
        round_trip(LostReason::Competitor {
            name: "Pars".into(),
        });
        round_trip(GoalMetric::WonCount);
        round_trip(GoalMetric::WonValue {
            currency: crate::sales::Currency::irr(),
        });
    }
}

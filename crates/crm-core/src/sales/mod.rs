//! The sales funnel: leads and their qualification, products and price lists, pipelines,
//! deals with their stage log, orders, goals, forecasts and the won/lost report.
//!
//! The types are here with the keys they claim (see [`DEAL_CLOSED`] and the other indexes);
//! the logic is in [`crate::service`] ([`crate::Session::create_lead`],
//! [`crate::Session::convert_lead`], [`crate::Session::move_deal`],
//! [`crate::Session::won_lost_report`], ...). See `docs/sales.md`.

mod deal;
mod forecast;
mod goal;
mod indexes;
mod lead;
mod lost_reason;
mod money;
mod order;
mod pipeline;
mod price_list;
mod product;
mod qualification;
mod stage_log;
mod summary;
mod won_lost;

pub use deal::{Deal, DealStatus, Line};
pub use forecast::{
    AccuracyLine, Forecast, ForecastAccuracy, ForecastLine, ForecastScope, ForecastSnapshot,
};
pub use goal::{Goal, GoalMetric, GoalSubject};
pub use indexes::{
    CLOSED_SORT_LEN, DEAL_BY_CUSTOMER, DEAL_CLOSED, DEAL_OPEN_BY_CLOSE, DEAL_OPEN_BY_DEPARTMENT,
    DEAL_OPEN_BY_OWNER, DEAL_OPEN_BY_PIPELINE, GOAL_BY_PERIOD, LEAD_BY_OWNER, LEAD_BY_QUALIFIED,
    LEAD_BY_STATUS, OPEN_BY_OWNER_SORT_LEN, ORDER_BY_CUSTOMER, ORDER_BY_TIME, SNAPSHOT_BY_PERIOD,
    day_number,
};
pub use lead::{Conversion, Lead, LeadSource, LeadStatus, SourceKind};
pub use lost_reason::LostReason;
pub use money::{Currency, Money};
pub use order::{Order, OrderStatus};
pub use pipeline::{MAX_STAGES, Pipeline, Stage};
pub use price_list::PriceList;
pub use product::Product;
pub use qualification::{Qualification, QualificationLevel};
pub use stage_log::{Position, StageChange, StageTime, replay, time_in_stages};
pub use summary::{ClosedDeal, OpenDeal};
// Kept in `record`, where customers' occasion entries find them too; re-exported for the
// readers of deal summaries.
pub use crate::record::{MAX_SUMMARY, read_summary};
pub use won_lost::{StageConversion, WonLostReport, WonLostRow};

//! Orders: purchases, recorded directly or from a won deal; the purchase history.

use super::deal::Line;
use super::money::Money;
use crate::id::{CustomerId, DealId, OrderId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether an order's money is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid.
    Paid,
    /// Paid, then refunded.
    Refunded,
}

impl OrderStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::Refunded => "refunded",
        }
    }
}

/// A purchase by a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The id.
    pub id: OrderId,
    /// Optimistic version.
    pub version: u64,
    /// Who bought.
    pub customer: CustomerId,
    /// The won deal it came from (claims `deal-order:` plus the deal's id: one order per
    /// deal).
    #[serde(default)]
    pub deal: Option<DealId>,
    /// What was bought.
    #[serde(default)]
    pub lines: Vec<Line>,
    /// The total (the lines' sum when itemised).
    pub total: Money,
    /// Paid or refunded.
    pub status: OrderStatus,
    /// When it was bought.
    pub ordered_at: DateTime<Utc>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// The unique key of the order of `deal`.
    pub fn deal_key(deal: DealId) -> String {
        format!("deal-order:{deal}")
    }
}

//! Products: what is sold, with a unique SKU.

use crate::id::ProductId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A product or service the business sells. Prices are in [`super::PriceList`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The id.
    pub id: ProductId,
    /// Optimistic version.
    pub version: u64,
    /// The stock-keeping unit: unique in the workspace (claimed as `product-sku:` plus the
    /// SKU in lower case).
    pub sku: String,
    /// The name.
    pub name: String,
    /// Whether it can be put on new deals and orders.
    pub active: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Product {
    /// The unique key of `sku`.
    pub fn sku_key(sku: &str) -> String {
        format!("product-sku:{}", sku.trim().to_lowercase())
    }
}

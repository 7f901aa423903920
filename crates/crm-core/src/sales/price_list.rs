//! Price lists: a price per product in one currency.

use super::money::{Currency, Money};
use crate::id::{PriceListId, ProductId};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A named list of unit prices in one currency (retail in rials, export in euros, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    /// The id.
    pub id: PriceListId,
    /// Optimistic version.
    pub version: u64,
    /// The name, unique in the workspace (claimed as `price-list:` plus the name in lower
    /// case).
    pub name: String,
    /// The currency of every price.
    pub currency: Currency,
    /// Unit price per product.
    #[serde(default)]
    pub prices: BTreeMap<ProductId, Decimal>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl PriceList {
    /// The unique key of a list named `name`.
    pub fn name_key(name: &str) -> String {
        format!("price-list:{}", name.trim().to_lowercase())
    }

    /// The unit price of `product`, if listed.
    pub fn price_of(&self, product: ProductId) -> Option<Money> {
        self.prices.get(&product).map(|amount| Money {
            amount: *amount,
            currency: self.currency.clone(),
        })
    }
}

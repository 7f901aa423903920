//! Earning rules: how many points a paid order, a joining or a birthday earns. Rules are
//! data kept in the programme, not code.

use crate::error::{Error, Result};
use crate::id::ProductId;
use crate::sales::{Currency, Order};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

/// One rule of a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EarningRule {
    /// `points` for every whole `per` of an order's total in `currency`.
    PerAmount {
        /// The currency the rule applies to (orders in other currencies earn nothing by it).
        currency: Currency,
        /// The amount that earns `points` (positive).
        per: Decimal,
        /// Points per `per`.
        points: i64,
    },
    /// `points` per whole unit bought of `product`.
    PerProduct {
        /// The product.
        product: ProductId,
        /// Points per unit.
        points: i64,
    },
    /// `points` per whole unit bought of any product whose SKU starts with `prefix` (a
    /// category: `TEA-`).
    PerCategory {
        /// The SKU prefix.
        prefix: String,
        /// Points per unit.
        points: i64,
    },
    /// A one-off bonus on joining.
    Joining {
        /// Points.
        points: i64,
    },
    /// A bonus once a year on the member's birthday.
    Birthday {
        /// Points.
        points: i64,
    },
}

/// The most points one rule may give per unit.
pub const MAX_RULE_POINTS: i64 = 1_000_000;

impl EarningRule {
    /// Checks the rule.
    ///
    /// # Errors
    /// [`Error::Invalid`] for points outside 1 to [`MAX_RULE_POINTS`], a `per` that is not
    /// positive or an empty prefix.
    pub fn validate(&self) -> Result<()> {
        let points = match self {
            Self::PerAmount { per, points, .. } => {
                if *per <= Decimal::ZERO {
                    return Err(Error::invalid("rule.per", "must be positive"));
                }
                *points
            }
            Self::PerCategory { prefix, points } => {
                if prefix.trim().is_empty() {
                    return Err(Error::invalid("rule.prefix", "must not be empty"));
                }
                *points
            }
            Self::PerProduct { points, .. }
            | Self::Joining { points }
            | Self::Birthday { points } => *points,
        };
        if !(1..=MAX_RULE_POINTS).contains(&points) {
            return Err(Error::invalid("rule.points", "1 to 1000000"));
        }
        Ok(())
    }
}

/// The base points (before the tier multiplier) `order` earns by `rules`; `sku` gives the SKU
/// of a product (for category rules).
pub fn order_points(
    rules: &[EarningRule],
    order: &Order,
    sku: &dyn Fn(ProductId) -> Option<String>,
) -> i64 {
    let mut total: i64 = 0;
    for rule in rules {
        let points = match rule {
            EarningRule::PerAmount {
                currency,
                per,
                points,
            } if *currency == order.total.currency => (order.total.amount / per)
                .floor()
                .to_i64()
                .unwrap_or(0)
                .saturating_mul(*points),
            EarningRule::PerProduct { product, points } => order
                .lines
                .iter()
                .filter(|l| l.product == *product)
                .map(|l| whole(l.quantity).saturating_mul(*points))
                .fold(0i64, i64::saturating_add),
            EarningRule::PerCategory { prefix, points } => order
                .lines
                .iter()
                .filter(|l| sku(l.product).is_some_and(|s| s.starts_with(prefix.as_str())))
                .map(|l| whole(l.quantity).saturating_mul(*points))
                .fold(0i64, i64::saturating_add),
            _ => 0,
        };
        total = total.saturating_add(points.max(0));
    }
    total
}

fn whole(quantity: Decimal) -> i64 {
    quantity.floor().to_i64().unwrap_or(0).max(0)
}

/// `points` times a tier multiplier in percent (100: ×1), rounded down.
pub fn multiplied(points: i64, percent: u32) -> i64 {
    let product = i128::from(points) * i128::from(percent) / 100;
    i64::try_from(product).unwrap_or(i64::MAX)
}

//! The rewards catalogue: what points buy.

use crate::error::{Error, Result};
use crate::id::ProductId;
use crate::id::{ProgrammeId, RewardId};
use crate::sales::Money;
use serde::{Deserialize, Serialize};

/// What a reward gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RewardKind {
    /// An amount off a purchase.
    Discount {
        /// The amount.
        amount: Money,
    },
    /// A product, free.
    Product {
        /// The product.
        product: ProductId,
    },
    /// A unique, single-use voucher code.
    Voucher,
}

/// A reward of a programme's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reward {
    /// The id.
    pub id: RewardId,
    /// Optimistic version.
    pub version: u64,
    /// The programme.
    pub programme: ProgrammeId,
    /// Its name (`بلیت سینما`).
    pub name: String,
    /// Points it costs (positive).
    pub cost: i64,
    /// What it gives.
    pub kind: RewardKind,
    /// False once withdrawn from the catalogue.
    pub active: bool,
}

impl Reward {
    /// Checks the name and cost.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty or long name, or a cost outside 1 to 10^9.
    pub fn validate(&self) -> Result<()> {
        crate::limits::required("reward.name", &self.name, crate::limits::MAX_NAME)?;
        if !(1..=1_000_000_000).contains(&self.cost) {
            return Err(Error::invalid("reward.cost", "1 to 1000000000 points"));
        }
        Ok(())
    }
}

//! The won/lost report over any window: counts, values, win rate, reasons, competitors,
//! sources, owners, cycle length and conversion between stages.

use super::money::Currency;
use crate::id::StaffId;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Won and lost counts and values of one group (an owner, a source).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WonLostRow {
    /// Deals won.
    pub won: u64,
    /// Deals lost.
    pub lost: u64,
    /// Value won, per currency.
    pub won_value: BTreeMap<Currency, Decimal>,
}

impl WonLostRow {
    /// `won / (won + lost)`, `None` when nothing closed.
    pub fn win_rate(&self) -> Option<f64> {
        let closed = self.won + self.lost;
        (closed > 0).then(|| self.won as f64 / closed as f64)
    }
}

/// How many closed deals reached a stage, and how many of those went further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageConversion {
    /// The stage key.
    pub stage: String,
    /// Deals that were at this stage at some point.
    pub reached: u64,
    /// Of those, deals that reached a later stage of the pipeline or were won.
    pub advanced: u64,
}

impl StageConversion {
    /// `advanced / reached`, `None` when none reached it.
    pub fn rate(&self) -> Option<f64> {
        (self.reached > 0).then(|| self.advanced as f64 / self.reached as f64)
    }
}

/// The won/lost report of deals closed in `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WonLostReport {
    /// First instant of the window.
    pub from: DateTime<Utc>,
    /// First instant after it.
    pub to: DateTime<Utc>,
    /// All closed deals: won, lost, value won.
    pub total: WonLostRow,
    /// Value lost, per currency.
    pub lost_value: BTreeMap<Currency, Decimal>,
    /// Lost deals per kind of reason (`price`, `competitor`, ...).
    pub reasons: BTreeMap<String, u64>,
    /// Deals lost to each competitor, by name.
    pub competitors: BTreeMap<String, u64>,
    /// Per kind of lead source (`web_form`, ...; `-` for deals without a source).
    pub sources: BTreeMap<String, WonLostRow>,
    /// Per owner.
    pub owners: BTreeMap<StaffId, WonLostRow>,
    /// Average days from creation to winning, over won deals.
    pub avg_cycle_days_won: Option<f64>,
    /// Average days from creation to closing, over every closed deal.
    pub avg_cycle_days: Option<f64>,
    /// Per pipeline (by name), the conversion between its stages, in stage order.
    pub conversion: BTreeMap<String, Vec<StageConversion>>,
}

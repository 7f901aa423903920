//! Tiers: levels of membership reached by points or spend within a qualifying window, with
//! their earning multipliers, the manual floor and the history of changes.

use crate::calendar::JalaliDate;
use crate::error::{Error, Result};
use crate::sales::Currency;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One tier. Tiers are listed lowest first; the first has threshold 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Its name (`silver`, `نقره‌ای`), unique in the programme.
    pub name: String,
    /// The qualifying points or spend that reaches it.
    pub threshold: Decimal,
    /// Earning multiplier in percent (100: ×1, 150: ×1.5).
    pub multiplier: u32,
}

/// What qualifies a member for a tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TierBasis {
    /// Points earned (earn entries) in the window.
    Points,
    /// Money spent (paid orders) in `currency` in the window.
    Spend {
        /// The currency counted.
        currency: Currency,
    },
}

/// The qualifying window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierWindow {
    /// The current Jalali month and the eleven before it.
    Rolling12Months,
    /// The current Jalali year (from Nowruz).
    JalaliYear,
}

/// A programme's tiers and how members move between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRules {
    /// What qualifies.
    pub basis: TierBasis,
    /// Over which window.
    pub window: TierWindow,
    /// The tiers, lowest first (at least one; thresholds rising; the first 0).
    pub tiers: Vec<Tier>,
    /// Days a member stays below their tier's threshold before a review may move them down.
    pub grace_days: u32,
}

/// The most tiers a programme may have.
pub const MAX_TIERS: usize = 10;

impl TierRules {
    /// One tier, `member`, reached by any points, over a rolling year, with 30 days' grace.
    pub fn single() -> Self {
        Self {
            basis: TierBasis::Points,
            window: TierWindow::Rolling12Months,
            tiers: vec![Tier {
                name: "member".into(),
                threshold: Decimal::ZERO,
                multiplier: 100,
            }],
            grace_days: 30,
        }
    }

    /// Checks the rules.
    ///
    /// # Errors
    /// [`Error::Invalid`] without tiers or with more than [`MAX_TIERS`], a first threshold
    /// other than 0, thresholds not rising, names empty or repeated, or a multiplier outside
    /// 100 to 1000.
    pub fn validate(&self) -> Result<()> {
        if self.tiers.is_empty() || self.tiers.len() > MAX_TIERS {
            return Err(Error::invalid("tiers", "1 to 10 tiers"));
        }
        if self.tiers[0].threshold != Decimal::ZERO {
            return Err(Error::invalid(
                "tiers.threshold",
                "the first tier starts at 0",
            ));
        }
        for (i, tier) in self.tiers.iter().enumerate() {
            crate::limits::required("tiers.name", &tier.name, crate::limits::MAX_LABEL)?;
            if !(100..=1000).contains(&tier.multiplier) {
                return Err(Error::invalid("tiers.multiplier", "100 to 1000 percent"));
            }
            if i > 0 && tier.threshold <= self.tiers[i - 1].threshold {
                return Err(Error::invalid("tiers.threshold", "thresholds must rise"));
            }
            if self.tiers[..i].iter().any(|t| t.name == tier.name) {
                return Err(Error::invalid("tiers.name", "names must differ"));
            }
        }
        Ok(())
    }

    /// The position of the tier named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.tiers.iter().position(|t| t.name == name)
    }

    /// The highest tier whose threshold `qualifying` reaches.
    pub fn earned(&self, qualifying: Decimal) -> usize {
        self.tiers
            .iter()
            .rposition(|t| qualifying >= t.threshold)
            .unwrap_or(0)
    }
}

/// One Jalali month's qualifying points and spend of a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualifyingMonth {
    /// Jalali year.
    pub year: i32,
    /// Jalali month, 1 to 12.
    pub month: u8,
    /// Points earned.
    pub points: i64,
    /// Money spent in the tier basis's currency.
    pub spend: Decimal,
}

/// Months kept on a card: a rolling year and the current one.
pub const QUALIFYING_MONTHS: usize = 13;

/// Adds earned `points` and `spend` to the month of `day`, dropping months older than a year.
pub fn add_qualifying(
    months: &mut Vec<QualifyingMonth>,
    day: JalaliDate,
    points: i64,
    spend: Decimal,
) {
    match months
        .iter_mut()
        .find(|m| m.year == day.year && m.month == day.month)
    {
        Some(m) => {
            m.points = m.points.saturating_add(points);
            m.spend += spend;
        }
        None => months.push(QualifyingMonth {
            year: day.year,
            month: day.month,
            points,
            spend,
        }),
    }
    months.sort_by_key(|m| (m.year, m.month));
    let excess = months.len().saturating_sub(QUALIFYING_MONTHS);
    months.drain(..excess);
}

/// The qualifying total of `months` on `today` under `rules`.
pub fn qualifying_total(
    rules: &TierRules,
    months: &[QualifyingMonth],
    today: JalaliDate,
) -> Decimal {
    let now = i64::from(today.year) * 12 + i64::from(today.month);
    months
        .iter()
        .filter(|m| match rules.window {
            TierWindow::JalaliYear => m.year == today.year,
            TierWindow::Rolling12Months => {
                let index = i64::from(m.year) * 12 + i64::from(m.month);
                index <= now && now - index < 12
            }
        })
        .map(|m| match rules.basis {
            TierBasis::Points => Decimal::from(m.points),
            TierBasis::Spend { .. } => m.spend,
        })
        .sum()
}

/// Why a member's tier changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TierReason {
    /// Joined (the first tier).
    Joined,
    /// Reached a higher threshold.
    Upgraded,
    /// Moved down one step at a review, after the grace period.
    Downgraded,
    /// Granted by hand (a floor until an end date).
    Granted,
}

/// One change of a member's tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierChange {
    /// The tier before (`None` when joining).
    pub from: Option<String>,
    /// The tier after.
    pub to: String,
    /// Why.
    pub reason: TierReason,
    /// When.
    pub at: DateTime<Utc>,
}

/// A tier granted by hand: the member stays at least at it until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierFloor {
    /// The tier.
    pub tier: String,
    /// Until when.
    pub until: DateTime<Utc>,
}

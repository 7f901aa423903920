//! Custom fields, personal occasions and consent.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The typed value of a custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldValue {
    /// Text (no control characters but newline and tab).
    Text(String),
    /// A whole number.
    Integer(i64),
    /// An exact decimal number (amounts, measures).
    Decimal(Decimal),
    /// Yes or no.
    Bool(bool),
    /// A calendar date (Gregorian).
    Date(NaiveDate),
    /// A moment in time, UTC.
    Timestamp(DateTime<Utc>),
}

/// The calendar an occasion's date is kept in: a Jalali birthday recurs on its Jalali date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccasionCalendar {
    /// The Gregorian calendar.
    Gregorian,
    /// The Jalali (Solar Hijri, Shamsi) calendar.
    Jalali,
}

/// What is celebrated.
///
/// Serialised adjacently tagged (`{"type": "other", "label": "..."}`, `{"type": "birthday"}`);
/// read back also from the positional form, where a variant without a label is one element.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "label", rename_all = "snake_case")]
pub enum OccasionKind {
    /// Birthday.
    Birthday,
    /// Wedding (or other) anniversary.
    Anniversary,
    /// Anything else, named.
    Other(String),
}

impl<'de> Deserialize<'de> for OccasionKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Tagged {
            #[serde(rename = "type")]
            tag: String,
            #[serde(default)]
            label: Option<String>,
        }
        let Tagged { tag, label } = Tagged::deserialize(deserializer)?;
        match (tag.as_str(), label) {
            ("birthday", _) => Ok(Self::Birthday),
            ("anniversary", _) => Ok(Self::Anniversary),
            ("other", Some(label)) => Ok(Self::Other(label)),
            ("other", None) => Err(serde::de::Error::missing_field("label")),
            (other, _) => Err(serde::de::Error::unknown_variant(
                other,
                &["birthday", "anniversary", "other"],
            )),
        }
    }
}

/// A personal occasion that recurs every year on `month`/`day` of `calendar`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Occasion {
    /// What is celebrated.
    pub kind: OccasionKind,
    /// The calendar of `month` and `day`.
    pub calendar: OccasionCalendar,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31 (to 30 for Jalali months 7 to 12).
    pub day: u8,
    /// The year it first happened (birth year), when known.
    #[serde(default)]
    pub year: Option<i32>,
}

impl Occasion {
    /// Checks month and day against the calendar (February 29 and Esfand 30 are allowed:
    /// they exist in leap years).
    pub fn is_valid(&self) -> bool {
        let max_day = match (self.calendar, self.month) {
            (_, m) if !(1..=12).contains(&m) => return false,
            (OccasionCalendar::Gregorian, 2) => 29,
            (OccasionCalendar::Gregorian, 4 | 6 | 9 | 11) => 30,
            (OccasionCalendar::Gregorian, _) => 31,
            (OccasionCalendar::Jalali, 1..=6) => 31,
            (OccasionCalendar::Jalali, _) => 30,
        };
        (1..=max_day).contains(&self.day)
    }
}

/// A customer's answer on being contacted through one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// When the answer was recorded.
    pub at: DateTime<Utc>,
}

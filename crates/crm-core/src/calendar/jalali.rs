//! Jalali (Solar Hijri, Shamsi) dates, computed with `icu_calendar`'s Persian calendar.

use super::CalendarError;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone};
use icu_calendar::Date;
use icu_calendar::cal::Persian;
use icu_calendar::types::{DateFields, RataDie};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The Persian names of the Jalali months, Farvardin first.
const MONTHS_FA: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];

/// The English (transliterated) names of the Jalali months, Farvardin first.
const MONTHS_EN: [&str; 12] = [
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
];

/// A date of the Jalali (Solar Hijri, Shamsi) calendar, the official calendar of Iran.
///
/// Conversions use the Persian calendar of `icu_calendar` (Unicode ICU4X), which follows the
/// astronomical (vernal equinox at the 52.5°E meridian) year start for the years where that is
/// known and the 33-year arithmetic rule elsewhere. Year 1405 begins on 2026-03-21.
///
/// The fields are public for pattern matching; a value built by [`JalaliDate::new`],
/// [`JalaliDate::from_gregorian`] or deserialization is always a real date (deserialization
/// validates like `new`). Ordering is chronological for valid dates.
///
/// ```
/// use chrono::NaiveDate;
/// use crm_core::calendar::JalaliDate;
///
/// let nowruz = JalaliDate::new(1405, 1, 1)?;
/// assert_eq!(nowruz.to_gregorian(), NaiveDate::from_ymd_opt(2026, 3, 21).unwrap());
/// assert_eq!(nowruz.to_string(), "1405/01/01");
/// assert_eq!(nowruz.format_fa(), "۱۴۰۵/۰۱/۰۱");
/// # Ok::<(), crm_core::calendar::CalendarError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawJalaliDate")]
pub struct JalaliDate {
    /// The Jalali year (1405 began on 2026-03-21).
    pub year: i32,
    /// The month, 1 (Farvardin) to 12 (Esfand).
    pub month: u8,
    /// The day of the month, from 1.
    pub day: u8,
}

/// The unvalidated shape of a [`JalaliDate`] on the wire.
#[derive(Deserialize)]
struct RawJalaliDate {
    year: i32,
    month: u8,
    day: u8,
}

impl TryFrom<RawJalaliDate> for JalaliDate {
    type Error = CalendarError;

    fn try_from(raw: RawJalaliDate) -> Result<Self, Self::Error> {
        JalaliDate::new(raw.year, raw.month, raw.day)
    }
}

/// The Rata Die (day 1 = 0001-01-01 proleptic Gregorian) of Farvardin 1 of `year`, if that
/// year is within `icu_calendar`'s range (about a million years either side of year 0).
fn new_year_rata_die(year: i32) -> Option<i64> {
    Some(first_of_year(year)?.to_rata_die().to_i64_date())
}

/// Farvardin 1 of `year` as an ICU date, if in range.
fn first_of_year(year: i32) -> Option<Date<Persian>> {
    let mut fields = DateFields::default();
    fields.extended_year = Some(year);
    fields.ordinal_month = Some(1);
    fields.day = Some(1);
    Date::try_from_fields(fields, Default::default(), Persian).ok()
}

/// Days from Farvardin 1 to the first of `month` (1..=12): six months of 31 days, then 30.
fn days_before_month(month: u8) -> i64 {
    let before = i64::from(month.clamp(1, 12)) - 1;
    before * 31 - (before - 6).max(0)
}

fn naive_from_rata_die(rd: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(rd).ok()?)
}

impl JalaliDate {
    /// The Jalali date `year/month/day`, validated: `month` must be 1 to 12, `day` must exist in
    /// that month of that year (Esfand has 30 days only in leap years), and the date must have a
    /// Gregorian equivalent that `chrono` can represent (years roughly -262000 to 261000).
    ///
    /// ```
    /// use crm_core::calendar::{CalendarError, JalaliDate};
    ///
    /// assert!(JalaliDate::new(1403, 12, 30).is_ok()); // 1403 is a leap year
    /// assert!(matches!(
    ///     JalaliDate::new(1404, 12, 30),
    ///     Err(CalendarError::InvalidDay { days_in_month: 29, .. })
    /// ));
    /// assert!(matches!(JalaliDate::new(1404, 13, 1), Err(CalendarError::InvalidMonth { .. })));
    /// ```
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, CalendarError> {
        if !(1..=12).contains(&month) {
            return Err(CalendarError::InvalidMonth { month });
        }
        let days_in_month = Self::days_in_month(year, month);
        if day == 0 || day > days_in_month {
            return Err(CalendarError::InvalidDay {
                year,
                month,
                day,
                days_in_month,
            });
        }
        let date = Self { year, month, day };
        date.try_to_gregorian()
            .ok_or_else(|| CalendarError::OutOfRange {
                what: format!("Jalali date {date}"),
            })
            .map(|_| date)
    }

    /// The Jalali date of the Gregorian (proleptic) date `date`. Total: every `NaiveDate` has
    /// one.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use crm_core::calendar::JalaliDate;
    ///
    /// let d = JalaliDate::from_gregorian(NaiveDate::from_ymd_opt(2025, 3, 20).unwrap());
    /// assert_eq!((d.year, d.month, d.day), (1403, 12, 30));
    /// ```
    pub fn from_gregorian(date: NaiveDate) -> Self {
        // chrono's day count from the common era is the Rata Die: 0001-01-01 is day 1. Every
        // NaiveDate is well inside ICU's valid range, so nothing is clamped.
        let rd = RataDie::new(i64::from(date.num_days_from_ce()));
        let persian = Date::from_rata_die(rd, Persian);
        Self {
            year: persian.era_year().extended_year,
            month: persian.month().ordinal,
            day: persian.day_of_month().0,
        }
    }

    /// The Jalali date of the instant `at` as seen on a wall calendar in `tz`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use crm_core::calendar::JalaliDate;
    ///
    /// // 21:00 UTC on 2026-03-20 is already 00:30 on Nowruz in Tehran.
    /// let at = Utc.with_ymd_and_hms(2026, 3, 20, 21, 0, 0).unwrap();
    /// assert_eq!(JalaliDate::from_instant(at, chrono_tz::Asia::Tehran).to_string(), "1405/01/01");
    /// ```
    pub fn from_instant<Z: TimeZone>(at: DateTime<Z>, tz: chrono_tz::Tz) -> Self {
        Self::from_gregorian(at.with_timezone(&tz).date_naive())
    }

    /// The Gregorian (proleptic) date of this Jalali date.
    ///
    /// Exact for every valid date (see [`JalaliDate::new`]). Because the fields are public, an
    /// invalid value can be written by hand; it is then read leniently rather than rejected: a
    /// month outside 1..=12 is clamped into it, a day past the end of its month runs on into
    /// the next months (1404/07/31 is read as 1404/08/01, day 0 as the previous day), and a
    /// result beyond chrono's range saturates at `NaiveDate::MIN` / `NaiveDate::MAX`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use crm_core::calendar::JalaliDate;
    ///
    /// let d = JalaliDate::new(1404, 1, 1)?;
    /// assert_eq!(d.to_gregorian(), NaiveDate::from_ymd_opt(2025, 3, 21).unwrap());
    /// # Ok::<(), crm_core::calendar::CalendarError>(())
    /// ```
    pub fn to_gregorian(&self) -> NaiveDate {
        self.try_to_gregorian().unwrap_or(if self.year < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
    }

    fn try_to_gregorian(&self) -> Option<NaiveDate> {
        let rd = new_year_rata_die(self.year)?
            .checked_add(days_before_month(self.month))?
            .checked_add(i64::from(self.day) - 1)?;
        naive_from_rata_die(rd)
    }

    /// Whether the Jalali `year` is a leap year (366 days, Esfand has 30 days). Years outside
    /// `icu_calendar`'s range (beyond about a million) are reported as common years.
    ///
    /// ```
    /// use crm_core::calendar::JalaliDate;
    ///
    /// assert!(JalaliDate::is_leap_year(1403));
    /// assert!(!JalaliDate::is_leap_year(1404));
    /// ```
    pub fn is_leap_year(year: i32) -> bool {
        first_of_year(year).is_some_and(|d| d.is_in_leap_year())
    }

    /// The number of days of `month` (1..=12) in the Jalali `year`: 31 for Farvardin to
    /// Shahrivar, 30 for Mehr to Bahman, 29 or (in leap years) 30 for Esfand; 0 for a month
    /// outside 1..=12.
    pub fn days_in_month(year: i32, month: u8) -> u8 {
        match month {
            1..=6 => 31,
            7..=11 => 30,
            12 if Self::is_leap_year(year) => 30,
            12 => 29,
            _ => 0,
        }
    }

    /// The quarter (1..=4) this date falls in: Farvardin to Khordad is the first, Dey to Esfand
    /// the fourth.
    pub fn quarter(&self) -> u8 {
        (self.month.clamp(1, 12) - 1) / 3 + 1
    }

    /// The Persian name of `month` (1 = فروردین ... 12 = اسفند); `""` for a month outside
    /// 1..=12.
    ///
    /// ```
    /// use crm_core::calendar::JalaliDate;
    ///
    /// assert_eq!(JalaliDate::month_name_fa(7), "مهر");
    /// ```
    pub fn month_name_fa(month: u8) -> &'static str {
        month_name(&MONTHS_FA, month)
    }

    /// The English transliteration of `month` (1 = Farvardin ... 12 = Esfand); `""` for a month
    /// outside 1..=12.
    ///
    /// ```
    /// use crm_core::calendar::JalaliDate;
    ///
    /// assert_eq!(JalaliDate::month_name_en(12), "Esfand");
    /// ```
    pub fn month_name_en(month: u8) -> &'static str {
        month_name(&MONTHS_EN, month)
    }

    /// The date as `YYYY/MM/DD` in Persian digits, e.g. `۱۴۰۵/۰۱/۰۱` (the [`Display`](fmt::Display)
    /// form with its digits replaced by [`to_persian_digits`]).
    pub fn format_fa(&self) -> String {
        to_persian_digits(&self.to_string())
    }
}

fn month_name(names: &[&'static str; 12], month: u8) -> &'static str {
    usize::from(month)
        .checked_sub(1)
        .and_then(|i| names.get(i))
        .copied()
        .unwrap_or("")
}

/// Shows the date as `YYYY/MM/DD` in ASCII digits, e.g. `1405/01/01`.
impl fmt::Display for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }
}

/// `text` with every ASCII digit `0`-`9` replaced by the Persian (extended Arabic-Indic) digit
/// `۰`-`۹`; every other character is kept as is.
///
/// ```
/// use crm_core::calendar::to_persian_digits;
///
/// assert_eq!(to_persian_digits("Q3 1405, 12:30"), "Q۳ ۱۴۰۵, ۱۲:۳۰");
/// ```
pub fn to_persian_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0x06F0 + (c as u32 - u32::from(b'0'))).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// `text` with Persian (`۰`-`۹`) and Arabic-Indic (`٠`-`٩`) digits replaced by ASCII digits.
pub(crate) fn to_ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            _ => c,
        })
        .collect()
}

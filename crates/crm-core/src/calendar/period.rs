//! Reporting periods (Gregorian or Jalali months, quarters and years) and their UTC ranges.

use super::jalali::to_ascii_digits;
use super::tz::earliest_utc;
use super::{CalendarError, JalaliDate};
use chrono::{DateTime, Months, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Years below this are Jalali and years from it on are Gregorian when [`Period::parse`] is
/// given no calendar prefix. Jalali 1700 is Gregorian 2321 and Gregorian 1700 is Jalali 1079,
/// so the two never meet for dates a business keeps.
pub const JALALI_YEAR_LIMIT: i32 = 1700;

/// A reporting period: a calendar month, quarter or year (Gregorian or Jalali), or an explicit
/// UTC range.
///
/// Calendar periods are local: they start and end at local midnight in the time zone given to
/// [`Period::utc_range`], so "Jalali quarter 3 of 1405 in Tehran" is the UTC range from
/// 1405/07/01 00:00 to 1405/10/01 00:00 Tehran time. Quarters are three months: Jalali quarter
/// 1 is Farvardin to Khordad, Gregorian quarter 1 is January to March.
///
/// The text form ([`Period::label`], [`Display`](fmt::Display), [`Period::parse`],
/// [`FromStr`]) round-trips for every year from 0 to 999999.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use crm_core::calendar::Period;
///
/// let q = Period::parse("1405-Q3")?;
/// assert_eq!(q, Period::JalaliQuarter { year: 1405, quarter: 3 });
/// let (start, end) = q.utc_range(chrono_tz::Asia::Tehran)?;
/// // 1405/07/01 is 2026-09-23; midnight in Tehran (+03:30) is 20:30 UTC the day before.
/// assert_eq!(start, Utc.with_ymd_and_hms(2026, 9, 22, 20, 30, 0).unwrap());
/// assert_eq!(end, Utc.with_ymd_and_hms(2026, 12, 21, 20, 30, 0).unwrap());
/// # Ok::<(), crm_core::calendar::CalendarError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Period {
    /// A Gregorian month.
    GregorianMonth {
        /// The Gregorian year.
        year: i32,
        /// The month, 1 (January) to 12.
        month: u8,
    },
    /// A Gregorian quarter: 1 = January to March ... 4 = October to December.
    GregorianQuarter {
        /// The Gregorian year.
        year: i32,
        /// The quarter, 1 to 4.
        quarter: u8,
    },
    /// A Gregorian year.
    GregorianYear {
        /// The Gregorian year.
        year: i32,
    },
    /// A Jalali month.
    JalaliMonth {
        /// The Jalali year.
        year: i32,
        /// The month, 1 (Farvardin) to 12 (Esfand).
        month: u8,
    },
    /// A Jalali quarter: 1 = Farvardin to Khordad, 2 = Tir to Shahrivar, 3 = Mehr to Azar,
    /// 4 = Dey to Esfand.
    JalaliQuarter {
        /// The Jalali year.
        year: i32,
        /// The quarter, 1 to 4.
        quarter: u8,
    },
    /// A Jalali year, Nowruz (Farvardin 1) to the next Nowruz.
    JalaliYear {
        /// The Jalali year.
        year: i32,
    },
    /// An explicit range of instants `[from, to)`, independent of any time zone.
    Custom {
        /// The first instant of the period.
        from: DateTime<Utc>,
        /// The first instant after the period.
        to: DateTime<Utc>,
    },
}

fn out_of_range(period: &Period) -> CalendarError {
    CalendarError::OutOfRange {
        what: format!("period {period}"),
    }
}

fn check_quarter(quarter: u8) -> Result<u8, CalendarError> {
    if (1..=4).contains(&quarter) {
        Ok(quarter)
    } else {
        Err(CalendarError::InvalidQuarter { quarter })
    }
}

fn check_month(month: u8) -> Result<u8, CalendarError> {
    if (1..=12).contains(&month) {
        Ok(month)
    } else {
        Err(CalendarError::InvalidMonth { month })
    }
}

impl Period {
    /// The period as the UTC range `[start, end)`: `start` is local midnight at the beginning
    /// of its first day in `tz` and `end` local midnight at the beginning of the day after its
    /// last day, both converted to UTC. A [`Period::Custom`] range is returned as is (and `tz`
    /// is ignored).
    ///
    /// Where a local midnight does not exist (clocks turned forward over it), the earliest
    /// instant after the gap is used, i.e. the moment of the transition; where it exists twice,
    /// the earlier instant is used. Consecutive periods therefore tile time without gaps or
    /// overlaps.
    ///
    /// Errors: an invalid month or quarter, a range outside chrono's dates, or a custom range
    /// whose `to` is before its `from`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use crm_core::calendar::Period;
    ///
    /// let (start, end) = Period::GregorianMonth { year: 2026, month: 3 }.utc_range(chrono_tz::UTC)?;
    /// assert_eq!(start, Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap());
    /// assert_eq!(end, Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    /// # Ok::<(), crm_core::calendar::CalendarError>(())
    /// ```
    pub fn utc_range(
        &self,
        tz: chrono_tz::Tz,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), CalendarError> {
        if let Period::Custom { from, to } = *self {
            if to < from {
                return Err(CalendarError::InvertedRange { from, to });
            }
            return Ok((from, to));
        }
        let (first, after) = self.local_dates()?;
        let midnight = |date: NaiveDate| {
            earliest_utc(tz, date.and_time(NaiveTime::MIN)).ok_or_else(|| out_of_range(self))
        };
        Ok((midnight(first)?, midnight(after)?))
    }

    /// The first local day of the period and the day after its last (for a custom range, the
    /// UTC dates of its ends).
    fn local_dates(&self) -> Result<(NaiveDate, NaiveDate), CalendarError> {
        let gregorian = |year: i32, month: u8, months: u32| {
            let first = NaiveDate::from_ymd_opt(year, u32::from(month), 1);
            first
                .and_then(|f| Some((f, f.checked_add_months(Months::new(months))?)))
                .ok_or_else(|| out_of_range(self))
        };
        let jalali = |year: i32, month: u8, months: u8| {
            let first = JalaliDate::new(year, month, 1)?;
            let index = i64::from(year) * 12 + i64::from(month) - 1 + i64::from(months);
            let next_year = i32::try_from(index.div_euclid(12)).map_err(|_| out_of_range(self))?;
            // rem_euclid(12) is 0..=11, so the month is 1..=12.
            let next_month = index.rem_euclid(12) as u8 + 1;
            let after = JalaliDate::new(next_year, next_month, 1)?;
            Ok::<_, CalendarError>((first.to_gregorian(), after.to_gregorian()))
        };
        let dates = match *self {
            Period::GregorianMonth { year, month } => gregorian(year, check_month(month)?, 1)?,
            Period::GregorianQuarter { year, quarter } => {
                gregorian(year, (check_quarter(quarter)? - 1) * 3 + 1, 3)?
            }
            Period::GregorianYear { year } => gregorian(year, 1, 12)?,
            Period::JalaliMonth { year, month } => jalali(year, check_month(month)?, 1)?,
            Period::JalaliQuarter { year, quarter } => {
                jalali(year, (check_quarter(quarter)? - 1) * 3 + 1, 3)?
            }
            Period::JalaliYear { year } => jalali(year, 1, 12)?,
            Period::Custom { from, to } => (from.date_naive(), to.date_naive()),
        };
        Ok(dates)
    }

    /// Parses the text form of a period. Accepted (case-insensitive, surrounding spaces
    /// ignored, Persian or Arabic-Indic digits accepted as well as ASCII ones, `/` accepted in
    /// place of `-`):
    ///
    /// - `YYYY`: a year; `YYYY-MM`: a month (`MM` is 1 or 2 digits); `YYYY-Qn`: a quarter
    ///   (`n` is 1 to 4). Years have 4 to 6 digits.
    /// - The calendar is chosen by an optional prefix: `jalali:` (or `shamsi:`, `j:`) or
    ///   `gregorian:` (or `g:`). **Without a prefix, a year below 1700
    ///   ([`JALALI_YEAR_LIMIT`]) is Jalali and a year from 1700 on is Gregorian**: `1405-07`
    ///   is Mehr 1405, `2026-03` is March 2026.
    /// - `FROM..TO`, two RFC 3339 instants: a [`Period::Custom`] range (`TO` must not be
    ///   before `FROM`).
    ///
    /// ```
    /// use crm_core::calendar::Period;
    ///
    /// assert_eq!(Period::parse("jalali:1405-Q3")?, Period::JalaliQuarter { year: 1405, quarter: 3 });
    /// assert_eq!(Period::parse("1405/07")?, Period::JalaliMonth { year: 1405, month: 7 });
    /// assert_eq!(Period::parse("۱۴۰۵")?, Period::JalaliYear { year: 1405 });
    /// assert_eq!(Period::parse("2026-q1")?, Period::GregorianQuarter { year: 2026, quarter: 1 });
    /// assert_eq!(Period::parse("2026-03")?, Period::GregorianMonth { year: 2026, month: 3 });
    /// assert_eq!(Period::parse("gregorian:1600")?, Period::GregorianYear { year: 1600 });
    /// assert!(Period::parse("2026-13").is_err());
    /// # Ok::<(), crm_core::calendar::CalendarError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, CalendarError> {
        let fail = |reason: &'static str| CalendarError::InvalidPeriod {
            input: input.to_owned(),
            reason,
        };
        let text = to_ascii_digits(input.trim()).to_ascii_lowercase();

        if let Some((from, to)) = text.split_once("..") {
            let instant = |s: &str| {
                DateTime::parse_from_rfc3339(s.trim().to_ascii_uppercase().as_str())
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| fail("a custom range is two RFC 3339 instants: FROM..TO"))
            };
            let (from, to) = (instant(from)?, instant(to)?);
            if to < from {
                return Err(CalendarError::InvertedRange { from, to });
            }
            return Ok(Period::Custom { from, to });
        }

        let (jalali, body) = match text.split_once(':') {
            Some(("jalali" | "shamsi" | "j", body)) => (Some(true), body),
            Some(("gregorian" | "g", body)) => (Some(false), body),
            Some(_) => return Err(fail("unknown calendar prefix: use jalali: or gregorian:")),
            None => (None, text.as_str()),
        };
        let body = body.trim();
        let (year_text, rest) = match body.split_once(['-', '/']) {
            Some((year, rest)) => (year, Some(rest)),
            None => (body, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(4..=6).contains(&year_text.len()) || !all_digits(year_text) {
            return Err(fail("the year must have 4 to 6 digits"));
        }
        let year: i32 = year_text
            .parse()
            .map_err(|_| fail("the year must have 4 to 6 digits"))?;
        let jalali = jalali.unwrap_or(year < JALALI_YEAR_LIMIT);

        let period = match rest {
            None if jalali => Period::JalaliYear { year },
            None => Period::GregorianYear { year },
            Some(rest) => {
                if let Some(q) = rest.strip_prefix('q') {
                    let quarter = match q {
                        "1" => 1,
                        "2" => 2,
                        "3" => 3,
                        "4" => 4,
                        _ => return Err(fail("the quarter must be Q1 to Q4")),
                    };
                    if jalali {
                        Period::JalaliQuarter { year, quarter }
                    } else {
                        Period::GregorianQuarter { year, quarter }
                    }
                } else {
                    let month = if (1..=2).contains(&rest.len()) && all_digits(rest) {
                        rest.parse::<u8>().ok()
                    } else {
                        None
                    };
                    let month = month
                        .filter(|m| (1..=12).contains(m))
                        .ok_or_else(|| fail("the month must be 1 to 12 (or Q1 to Q4)"))?;
                    if jalali {
                        Period::JalaliMonth { year, month }
                    } else {
                        Period::GregorianMonth { year, month }
                    }
                }
            }
        };
        Ok(period)
    }

    /// The canonical text form of the period, which [`Period::parse`] reads back:
    /// `2026`, `2026-Q1`, `2026-03`, `1405`, `1405-Q3`, `1405-07`, with a `jalali:` or
    /// `gregorian:` prefix only where the year alone would pick the other calendar (a
    /// Gregorian year below 1700, a Jalali year from 1700 on); a custom range is
    /// `FROM..TO` in RFC 3339 UTC (`2026-01-01T00:00:00Z..2026-02-01T00:00:00Z`).
    ///
    /// ```
    /// use crm_core::calendar::Period;
    ///
    /// assert_eq!(Period::JalaliQuarter { year: 1405, quarter: 3 }.label(), "1405-Q3");
    /// assert_eq!(Period::GregorianMonth { year: 2026, month: 3 }.label(), "2026-03");
    /// assert_eq!(Period::GregorianYear { year: 1600 }.label(), "gregorian:1600");
    /// ```
    pub fn label(&self) -> String {
        let prefix = |jalali: bool, year: i32| match (jalali, year < JALALI_YEAR_LIMIT) {
            (true, false) => "jalali:",
            (false, true) => "gregorian:",
            _ => "",
        };
        match *self {
            Period::GregorianMonth { year, month } => {
                format!("{}{year:04}-{month:02}", prefix(false, year))
            }
            Period::GregorianQuarter { year, quarter } => {
                format!("{}{year:04}-Q{quarter}", prefix(false, year))
            }
            Period::GregorianYear { year } => format!("{}{year:04}", prefix(false, year)),
            Period::JalaliMonth { year, month } => {
                format!("{}{year:04}-{month:02}", prefix(true, year))
            }
            Period::JalaliQuarter { year, quarter } => {
                format!("{}{year:04}-Q{quarter}", prefix(true, year))
            }
            Period::JalaliYear { year } => format!("{}{year:04}", prefix(true, year)),
            Period::Custom { from, to } => format!(
                "{}..{}",
                from.to_rfc3339_opts(SecondsFormat::AutoSi, true),
                to.to_rfc3339_opts(SecondsFormat::AutoSi, true)
            ),
        }
    }
}

/// Shows [`Period::label`].
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Same as [`Period::parse`].
impl FromStr for Period {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

/// The window of the last `months` calendar months up to `now`: `(now - months, now)`, to be
/// read as the half-open range `[start, now)`. Months are counted on the UTC calendar, and a
/// day of month that does not exist in the target month is clamped to its last day (six months
/// before August 31 is the last day of February). Saturates at the earliest representable
/// instant.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use crm_core::calendar::months_back;
///
/// let now = Utc.with_ymd_and_hms(2026, 8, 31, 12, 0, 0).unwrap();
/// let (start, end) = months_back(now, 6);
/// assert_eq!(start, Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap());
/// assert_eq!(end, now);
/// ```
pub fn months_back(now: DateTime<Utc>, months: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = now
        .checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    (start, now)
}

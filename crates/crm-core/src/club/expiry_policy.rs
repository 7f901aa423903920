//! When earned points expire: never, after a fixed lifetime, or at the end of a Gregorian or
//! Jalali month, quarter or year after they were earned.

use crate::calendar::JalaliDate;
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A calendar periods are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarKind {
    /// The Gregorian calendar.
    Gregorian,
    /// The Jalali (Solar Hijri) calendar.
    Jalali,
}

/// A calendar period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A month.
    Month,
    /// Three months (Jalali quarters start with Farvardin, Tir, Mehr and Dey).
    Quarter,
    /// A year (the Jalali year starts at Nowruz).
    Year,
}

impl PeriodKind {
    fn months(self) -> u32 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
            Self::Year => 12,
        }
    }
}

/// When the points of a lot expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExpiryPolicy {
    /// Never.
    #[default]
    Never,
    /// A fixed number of days after earning.
    Lifetime {
        /// Days (1 to 36,500).
        days: u32,
    },
    /// At the end of the `after`-th period following the one they were earned in (0: the end
    /// of the period they were earned in), in the workspace's time zone.
    EndOf {
        /// Which calendar.
        calendar: CalendarKind,
        /// Month, quarter or year.
        period: PeriodKind,
        /// Whole periods after the period of earning (0 to 100).
        after: u32,
    },
}

impl ExpiryPolicy {
    /// Checks the policy's numbers.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a lifetime of 0 or over 36,500 days, or `after` over 100.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Self::Never => Ok(()),
            Self::Lifetime { days } if (1..=36_500).contains(&days) => Ok(()),
            Self::Lifetime { .. } => Err(Error::invalid("expiry.days", "1 to 36500 days")),
            Self::EndOf { after, .. } if after <= 100 => Ok(()),
            Self::EndOf { .. } => Err(Error::invalid("expiry.after", "0 to 100 periods")),
        }
    }

    /// When points earned at `earned` expire (`None`: never); periods are read in `tz`.
    pub fn expires_at(&self, earned: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
        match *self {
            Self::Never => None,
            Self::Lifetime { days } => Some(earned + Duration::days(i64::from(days))),
            Self::EndOf {
                calendar,
                period,
                after,
            } => {
                let local = earned.with_timezone(&tz).date_naive();
                let next = match calendar {
                    CalendarKind::Gregorian => gregorian_period_end(local, period, after)?,
                    CalendarKind::Jalali => jalali_period_end(local, period, after)?,
                };
                local_midnight(next, tz)
            }
        }
    }
}

/// The first day after the `after`-th period following the one `day` is in (Gregorian).
fn gregorian_period_end(day: NaiveDate, period: PeriodKind, after: u32) -> Option<NaiveDate> {
    let len = period.months();
    let month0 = day.month0();
    let start = i64::from(day.year()) * 12 + i64::from(month0 - month0 % len);
    let end = start + i64::from(len) * (i64::from(after) + 1);
    let year = i32::try_from(end.div_euclid(12)).ok()?;
    let month = u32::try_from(end.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The first day after the `after`-th period following the one `day` is in (Jalali).
fn jalali_period_end(day: NaiveDate, period: PeriodKind, after: u32) -> Option<NaiveDate> {
    let j = JalaliDate::from_gregorian(day);
    let len = period.months();
    let month0 = u32::from(j.month) - 1;
    let start = i64::from(j.year) * 12 + i64::from(month0 - month0 % len);
    let end = start + i64::from(len) * (i64::from(after) + 1);
    let year = i32::try_from(end.div_euclid(12)).ok()?;
    let month = u8::try_from(end.rem_euclid(12)).ok()? + 1;
    JalaliDate::new(year, month, 1)
        .ok()
        .map(|d| d.to_gregorian())
}

fn local_midnight(day: NaiveDate, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let midnight = day.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Tehran;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    fn tehran_midnight(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        local_midnight(NaiveDate::from_ymd_opt(y, m, d).unwrap(), Tehran).unwrap()
    }

    #[test]
    fn periods_end_in_their_calendar() {
        let earned = at(2026, 5, 10); // 1405/02/20
        let end = |calendar, period, after| {
            ExpiryPolicy::EndOf {
                calendar,
                period,
                after,
            }
            .expires_at(earned, Tehran)
            .unwrap()
        };
        use CalendarKind::*;
        use PeriodKind::*;
        assert_eq!(end(Gregorian, Month, 0), tehran_midnight(2026, 6, 1));
        assert_eq!(end(Gregorian, Quarter, 1), tehran_midnight(2026, 10, 1));
        assert_eq!(end(Gregorian, Year, 0), tehran_midnight(2027, 1, 1));
        // Ordibehesht 1405 ends on 2026-05-21 (Khordad 1 is 2026-05-22).
        assert_eq!(end(Jalali, Month, 0), tehran_midnight(2026, 5, 22));
        // The first Jalali quarter (Farvardin to Khordad) ends with Tir 1 = 2026-06-22.
        assert_eq!(end(Jalali, Quarter, 0), tehran_midnight(2026, 6, 22));
        // A year after 1405: Nowruz 1407 (2028-03-20).
        let nowruz_1407 = JalaliDate::new(1407, 1, 1).unwrap().to_gregorian();
        assert_eq!(
            end(Jalali, Year, 1),
            local_midnight(nowruz_1407, Tehran).unwrap()
        );
        let life = ExpiryPolicy::Lifetime { days: 30 };
        assert_eq!(life.expires_at(earned, Tehran), Some(at(2026, 6, 9)));
        assert_eq!(ExpiryPolicy::Never.expires_at(earned, Tehran), None);
        assert!(ExpiryPolicy::Lifetime { days: 0 }.validate().is_err());
    }
}

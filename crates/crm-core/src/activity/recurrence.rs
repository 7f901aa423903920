//! Recurrence: a subset of iCalendar rules (daily, weekly on weekdays, monthly on a day or on
//! the last day, yearly), each evaluated in the Gregorian or the Jalali calendar.
//!
//! A day a month lacks (the 31st of a 30-day month, February 29 or Esfand 30 in a common
//! year) falls on that month's last day.

use crate::calendar::JalaliDate;
use crate::customer::OccasionCalendar;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Largest interval a rule may have.
pub const MAX_INTERVAL: u32 = 99;

/// How often a rule repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frequency {
    /// Every `interval` days.
    Daily,
    /// On the given weekdays (0 Monday .. 6 Sunday) of every `interval`-th week (weeks start
    /// on Monday; an empty list: the anchor's weekday).
    Weekly {
        /// Weekdays, 0 = Monday.
        weekdays: Vec<u8>,
    },
    /// On day `day` of every `interval`-th month (the last day when the month is shorter).
    MonthlyOnDay {
        /// Day of the month, 1 to 31.
        day: u8,
    },
    /// On the last day of every `interval`-th month.
    MonthlyLastDay,
    /// On `month`/`day` every `interval`-th year (the month's last day when shorter).
    Yearly {
        /// Month, 1 to 12.
        month: u8,
        /// Day, 1 to 31.
        day: u8,
    },
}

/// A recurrence rule, anchored at the date of its first occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    /// How often.
    pub frequency: Frequency,
    /// Every how many days, weeks, months or years (1 to [`MAX_INTERVAL`]).
    pub interval: u32,
    /// The calendar months, days and years are counted in.
    pub calendar: OccasionCalendar,
    /// The last date an occurrence may fall on.
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

/// A date's year, month, day and days in that month, in a calendar.
fn parts(calendar: OccasionCalendar, date: NaiveDate) -> (i32, u8, u8, u8) {
    match calendar {
        OccasionCalendar::Gregorian => {
            let (y, m) = (date.year(), date.month());
            let month = u8::try_from(m).unwrap_or(1);
            let day = u8::try_from(date.day()).unwrap_or(1);
            (y, month, day, gregorian_days_in_month(y, month))
        }
        OccasionCalendar::Jalali => {
            let j = JalaliDate::from_gregorian(date);
            (
                j.year,
                j.month,
                j.day,
                JalaliDate::days_in_month(j.year, j.month),
            )
        }
    }
}

/// Days in Gregorian `month` of `year`.
pub fn gregorian_days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if NaiveDate::from_ymd_opt(year, 2, 29).is_some() => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `date` is the day `wanted` of its month falls on: itself, or the month's last day
/// when the month is shorter. `(day, days_in_month)` are the date's.
pub fn falls_on(wanted: u8, day: u8, days_in_month: u8) -> bool {
    day == wanted.min(days_in_month)
}

fn monday(date: NaiveDate) -> NaiveDate {
    date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

impl Recurrence {
    /// Checks the rule.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] for an interval outside 1 to [`MAX_INTERVAL`], a weekday
    /// above 6, a day outside 1 to 31 or a month outside 1 to 12.
    pub fn validate(&self) -> crate::Result<()> {
        if !(1..=MAX_INTERVAL).contains(&self.interval) {
            return Err(crate::Error::invalid(
                "recurrence.interval",
                format!("from 1 to {MAX_INTERVAL}"),
            ));
        }
        let ok = match &self.frequency {
            Frequency::Daily | Frequency::MonthlyLastDay => true,
            Frequency::Weekly { weekdays } => weekdays.iter().all(|d| *d <= 6),
            Frequency::MonthlyOnDay { day } => (1..=31).contains(day),
            Frequency::Yearly { month, day } => (1..=12).contains(month) && (1..=31).contains(day),
        };
        if ok {
            Ok(())
        } else {
            Err(crate::Error::invalid(
                "recurrence",
                "a weekday 0 to 6, a day 1 to 31, a month 1 to 12",
            ))
        }
    }

    /// Whether the rule anchored at `anchor` has an occurrence on `date`.
    pub fn matches(&self, anchor: NaiveDate, date: NaiveDate) -> bool {
        if date < anchor || self.until.is_some_and(|u| date > u) {
            return false;
        }
        let interval = i64::from(self.interval.max(1));
        let (ay, am, _, _) = parts(self.calendar, anchor);
        let (y, m, d, dim) = parts(self.calendar, date);
        let months = |y: i32, m: u8| i64::from(y) * 12 + i64::from(m);
        match &self.frequency {
            Frequency::Daily => (date - anchor).num_days() % interval == 0,
            Frequency::Weekly { weekdays } => {
                let weekday = u8::try_from(date.weekday().num_days_from_monday()).unwrap_or(0);
                let on_day = if weekdays.is_empty() {
                    date.weekday() == anchor.weekday()
                } else {
                    weekdays.contains(&weekday)
                };
                let weeks = (monday(date) - monday(anchor)).num_days() / 7;
                on_day && weeks % interval == 0
            }
            Frequency::MonthlyOnDay { day } => {
                falls_on(*day, d, dim) && (months(y, m) - months(ay, am)) % interval == 0
            }
            Frequency::MonthlyLastDay => {
                d == dim && (months(y, m) - months(ay, am)) % interval == 0
            }
            Frequency::Yearly { month, day } => {
                m == *month && falls_on(*day, d, dim) && i64::from(y - ay) % interval == 0
            }
        }
    }

    /// The first occurrence of the rule anchored at `anchor` after `after`, if any (none past
    /// `until`).
    pub fn next_after(&self, anchor: NaiveDate, after: NaiveDate) -> Option<NaiveDate> {
        let start = if after < anchor {
            anchor.pred_opt()?
        } else {
            after
        };
        // The longest gap: `interval` years plus a month.
        let horizon = i64::from(self.interval.max(1)) * 367 + 31;
        let mut date = start;
        for _ in 0..horizon {
            date = date.succ_opt()?;
            if self.until.is_some_and(|u| date > u) {
                return None;
            }
            if self.matches(anchor, date) {
                return Some(date);
            }
        }
        None
    }

    /// Up to `count` occurrences from `anchor` on (the anchor itself when it matches).
    pub fn occurrences(&self, anchor: NaiveDate, count: usize) -> Vec<NaiveDate> {
        let mut out = Vec::with_capacity(count.min(1024));
        let mut after = anchor.pred_opt();
        while out.len() < count {
            let Some(next) = after.and_then(|a| self.next_after(anchor, a)) else {
                break;
            };
            out.push(next);
            after = Some(next);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn jalali_esfand_thirty_falls_on_the_twenty_ninth_in_common_years() {
        let rule = Recurrence {
            frequency: Frequency::Yearly { month: 12, day: 30 },
            interval: 1,
            calendar: OccasionCalendar::Jalali,
            until: None,
        };
        let anchor = JalaliDate::new(1403, 12, 30).unwrap().to_gregorian();
        let got: Vec<JalaliDate> = rule
            .occurrences(anchor, 3)
            .into_iter()
            .map(JalaliDate::from_gregorian)
            .collect();
        assert_eq!(
            got,
            vec![
                JalaliDate::new(1403, 12, 30).unwrap(),
                JalaliDate::new(1404, 12, 29).unwrap(),
                JalaliDate::new(1405, 12, 29).unwrap(),
            ]
        );
    }

    #[test]
    fn monthly_on_the_31st_takes_the_last_day_of_shorter_months() {
        let rule = Recurrence {
            frequency: Frequency::MonthlyOnDay { day: 31 },
            interval: 1,
            calendar: OccasionCalendar::Gregorian,
            until: Some(d(2026, 4, 30)),
        };
        assert_eq!(
            rule.occurrences(d(2026, 1, 31), 10),
            vec![
                d(2026, 1, 31),
                d(2026, 2, 28),
                d(2026, 3, 31),
                d(2026, 4, 30)
            ]
        );
        let bad = Recurrence {
            interval: 0,
            ..rule
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn weekly_on_weekdays_every_other_week() {
        let rule = Recurrence {
            frequency: Frequency::Weekly {
                weekdays: vec![0, 2],
            },
            interval: 2,
            calendar: OccasionCalendar::Gregorian,
            until: None,
        };
        // 2026-12-07 is a Monday.
        assert_eq!(
            rule.occurrences(d(2026, 12, 7), 4),
            vec![
                d(2026, 12, 7),
                d(2026, 12, 9),
                d(2026, 12, 21),
                d(2026, 12, 23)
            ]
        );
    }
}

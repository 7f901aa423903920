//! Business hours: the working week and holidays an SLA clock runs on.

use super::tz::earliest_utc;
use super::{CalendarError, JalaliDate};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How far (in days) [`WorkCalendar::add_business_time`] looks ahead before giving up: about
/// 400 years, far beyond any service-level target, and bounded so that the search always ends.
pub const SEARCH_HORIZON_DAYS: u32 = 146_097;

/// `h:m` as a constant; only ever evaluated at compile time.
const fn hm(hour: u32, minute: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, minute, 0) {
        Some(t) => t,
        None => panic!("invalid constant time"),
    }
}

const H08: NaiveTime = hm(8, 0);
const H09: NaiveTime = hm(9, 0);
const H13: NaiveTime = hm(13, 0);
const H16: NaiveTime = hm(16, 0);
const H17: NaiveTime = hm(17, 0);

/// The working hours of one day of the week, local time: from `start` to `end`.
///
/// An `end` of `00:00` means midnight at the end of the day, so `00:00`–`00:00` is the whole
/// day (for round-the-clock support). Otherwise a day whose `end` is not after its `start`
/// has no working time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkDay {
    /// Opening time (local).
    pub start: NaiveTime,
    /// Closing time (local); `00:00` is the end of the day.
    pub end: NaiveTime,
}

impl WorkDay {
    /// Working hours from `start` to `end` (see the type's documentation for `00:00`).
    pub const fn new(start: NaiveTime, end: NaiveTime) -> Self {
        Self { start, end }
    }

    /// Whether this day has any working time.
    pub fn is_open(&self) -> bool {
        self.end == NaiveTime::MIN || self.end > self.start
    }
}

/// A working week and holiday list in one time zone: the calendar SLA clocks count business
/// time on.
///
/// A working interval is the local `[start, end)` of a [`WorkDay`] on a day that is not in
/// `holidays`; a holiday removes the whole local day. Local times that a daylight-saving
/// change skips are taken at the transition and ones it repeats at their first occurrence.
///
/// Holidays are configuration: no holiday is built in. Iranian official holidays include
/// lunar (Hijri) dates that move about 11 days a year against both the Jalali and the
/// Gregorian calendar, and the official list changes, so the embedding application supplies
/// them (with [`WorkCalendar::with_holidays`] or [`WorkCalendar::with_jalali_holidays`]),
/// typically from the yearly official calendar.
///
/// ```
/// use chrono::{Duration, TimeZone};
/// use crm_core::calendar::WorkCalendar;
///
/// let cal = WorkCalendar::iran();
/// let tehran = chrono_tz::Asia::Tehran;
/// // Thursday 2026-03-26 12:00: one hour left on Thursday, Friday is off, one more on Saturday.
/// let start = tehran.with_ymd_and_hms(2026, 3, 26, 12, 0, 0).unwrap().to_utc();
/// let due = cal.add_business_time(start, Duration::hours(2))?;
/// assert_eq!(due, tehran.with_ymd_and_hms(2026, 3, 28, 9, 0, 0).unwrap().to_utc());
/// assert_eq!(cal.business_time_between(start, due), Duration::hours(2));
/// # Ok::<(), crm_core::calendar::CalendarError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCalendar {
    /// The time zone the working hours and holidays are in.
    pub tz: chrono_tz::Tz,
    /// The working hours of each day of the week, `None` for a day off; indexed by
    /// [`chrono::Weekday::num_days_from_monday`] (0 = Monday ... 6 = Sunday).
    pub week: [Option<WorkDay>; 7],
    /// Local dates on which nobody works, whatever the week says.
    pub holidays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// A calendar in `tz` with the given week and no holidays.
    pub fn new(tz: chrono_tz::Tz, week: [Option<WorkDay>; 7]) -> Self {
        Self {
            tz,
            week,
            holidays: BTreeSet::new(),
        }
    }

    /// The Iranian office week in `Asia/Tehran`: Saturday to Wednesday 08:00–16:00, Thursday
    /// 08:00–13:00, Friday off; no holidays (add them with [`WorkCalendar::with_holidays`]).
    pub fn iran() -> Self {
        let full = Some(WorkDay::new(H08, H16));
        let thursday = Some(WorkDay::new(H08, H13));
        // Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday.
        Self::new(
            chrono_tz::Asia::Tehran,
            [full, full, full, thursday, None, full, full],
        )
    }

    /// Monday to Friday 09:00–17:00 in `tz`, weekends off; no holidays.
    pub fn monday_to_friday(tz: chrono_tz::Tz) -> Self {
        let day = Some(WorkDay::new(H09, H17));
        Self::new(tz, [day, day, day, day, day, None, None])
    }

    /// This calendar with `holidays` (local Gregorian dates) added to its holiday list.
    pub fn with_holidays(mut self, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(holidays);
        self
    }

    /// This calendar with `holidays` given as Jalali dates added to its holiday list.
    ///
    /// ```
    /// use crm_core::calendar::{JalaliDate, WorkCalendar};
    ///
    /// let nowruz = (1..=4).map(|d| JalaliDate::new(1405, 1, d)).collect::<Result<Vec<_>, _>>()?;
    /// let cal = WorkCalendar::iran().with_jalali_holidays(nowruz);
    /// assert_eq!(cal.holidays.len(), 4);
    /// # Ok::<(), crm_core::calendar::CalendarError>(())
    /// ```
    pub fn with_jalali_holidays(self, holidays: impl IntoIterator<Item = JalaliDate>) -> Self {
        self.with_holidays(holidays.into_iter().map(|d| d.to_gregorian()))
    }

    /// Whether the week has any working time at all.
    fn has_working_week(&self) -> bool {
        self.week.iter().flatten().any(WorkDay::is_open)
    }

    /// The working interval of the local `date`, if it has one.
    fn interval(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holidays.contains(&date) {
            return None;
        }
        let day = self.week[date.weekday().num_days_from_monday() as usize]?;
        if !day.is_open() {
            return None;
        }
        let start = earliest_utc(self.tz, date.and_time(day.start))?;
        let end = if day.end == NaiveTime::MIN {
            earliest_utc(self.tz, date.succ_opt()?.and_time(NaiveTime::MIN))?
        } else {
            earliest_utc(self.tz, date.and_time(day.end))?
        };
        (start < end).then_some((start, end))
    }

    /// The local date of `at`, less one day to be safe around time-zone transitions.
    fn first_date(&self, at: DateTime<Utc>) -> NaiveDate {
        let date = at.with_timezone(&self.tz).date_naive();
        date.pred_opt().unwrap_or(date)
    }

    /// Whether `at` is within working hours (on a working day, at or after opening and before
    /// closing).
    pub fn is_working_time(&self, at: DateTime<Utc>) -> bool {
        let date = at.with_timezone(&self.tz).date_naive();
        [date.pred_opt(), Some(date)]
            .into_iter()
            .flatten()
            .filter_map(|d| self.interval(d))
            .any(|(start, end)| start <= at && at < end)
    }

    /// The instant at which `duration` of working time has elapsed, counting from `start`.
    ///
    /// - Time is counted only inside working intervals; starting outside them counts from the
    ///   next opening.
    /// - The result is the earliest such instant for a positive `duration`: when the time runs
    ///   out exactly at closing, the result is the closing time, not the next opening.
    /// - **A zero `duration` gives `start` itself if `start` is within working hours, and
    ///   otherwise the next opening** (a target of "zero business hours" for a request that
    ///   arrives on a Friday is due when the office opens, which is also the limit of the
    ///   result as `duration` shrinks to zero).
    /// - `business_time_between(start, result) == duration` always holds, and the result grows
    ///   with `duration`.
    ///
    /// Works a day at a time (never minute by minute), up to [`SEARCH_HORIZON_DAYS`] days.
    ///
    /// Errors: [`CalendarError::NegativeDuration`] for a negative `duration`,
    /// [`CalendarError::NoWorkingTime`] if the week has no working time at all,
    /// [`CalendarError::BeyondHorizon`] if the time is not reached within the horizon, and
    /// [`CalendarError::OutOfRange`] at the end of chrono's dates.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone};
    /// use crm_core::calendar::WorkCalendar;
    ///
    /// let cal = WorkCalendar::iran();
    /// let tehran = chrono_tz::Asia::Tehran;
    /// // Saturday 10:00 + 8 business hours = Sunday 10:00 (6 hours on Saturday, 2 on Sunday).
    /// let start = tehran.with_ymd_and_hms(2026, 3, 28, 10, 0, 0).unwrap().to_utc();
    /// let due = cal.add_business_time(start, Duration::hours(8))?;
    /// assert_eq!(due, tehran.with_ymd_and_hms(2026, 3, 29, 10, 0, 0).unwrap().to_utc());
    /// # Ok::<(), crm_core::calendar::CalendarError>(())
    /// ```
    pub fn add_business_time(
        &self,
        start: DateTime<Utc>,
        duration: Duration,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if duration < Duration::zero() {
            return Err(CalendarError::NegativeDuration { duration });
        }
        if !self.has_working_week() {
            return Err(CalendarError::NoWorkingTime);
        }
        let mut remaining = duration;
        let mut date = self.first_date(start);
        for _ in 0..=SEARCH_HORIZON_DAYS {
            if let Some((open, close)) = self.interval(date) {
                let from = open.max(start);
                if from < close {
                    let available = close - from;
                    if remaining <= available {
                        return Ok(from + remaining);
                    }
                    remaining -= available;
                }
            }
            date = date.succ_opt().ok_or_else(|| CalendarError::OutOfRange {
                what: format!("business time {duration} after {start}"),
            })?;
        }
        Err(CalendarError::BeyondHorizon {
            days: SEARCH_HORIZON_DAYS,
        })
    }

    /// The working time within `[from, to)`; zero when `to <= from`.
    ///
    /// Additive: for `a <= b <= c`, `between(a, c) == between(a, b) + between(b, c)`. Works a
    /// day at a time, so its cost grows with the number of days in the range.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone};
    /// use crm_core::calendar::WorkCalendar;
    ///
    /// let cal = WorkCalendar::monday_to_friday(chrono_tz::Europe::London);
    /// let london = chrono_tz::Europe::London;
    /// // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
    /// let from = london.with_ymd_and_hms(2026, 1, 9, 16, 0, 0).unwrap().to_utc();
    /// let to = london.with_ymd_and_hms(2026, 1, 12, 10, 0, 0).unwrap().to_utc();
    /// assert_eq!(cal.business_time_between(from, to), Duration::hours(2));
    /// ```
    pub fn business_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        // One day past the local date of `to`, to be safe around time-zone transitions.
        let last = to.with_timezone(&self.tz).date_naive();
        let last = last.succ_opt().unwrap_or(last);
        let mut date = self.first_date(from);
        while date <= last {
            if let Some((open, close)) = self.interval(date) {
                let (s, e) = (open.max(from), close.min(to));
                if s < e {
                    total += e - s;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }
}

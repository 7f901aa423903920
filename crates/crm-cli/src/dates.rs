//! Dates, times, durations and periods as people read them, in the chosen calendar.
//!
//! Gregorian: ISO dates, `2026-03-21 14:30`. Jalali: the date in Persian digits,
//! `۱۴۰۵/۰۱/۰۱ ۱۴:۳۰`; periods are labelled with Persian month and season names
//! (`مهر ۱۴۰۵`, `پاییز ۱۴۰۵`). Times are wall-clock times in the chosen zone (Tehran by
//! default).

use crate::CalendarArg;
use crate::error::CliError;
use chrono::{DateTime, Duration, Utc};
use crm::calendar::{JalaliDate, Period, to_persian_digits};

/// How dates are shown: a calendar and a time zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dates {
    /// The calendar.
    pub(crate) calendar: CalendarArg,
    /// The time zone.
    pub(crate) tz: chrono_tz::Tz,
}

/// The English names of the Gregorian months, January first.
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The Persian names of the Jalali quarters (the seasons), spring first.
const SEASONS_FA: [&str; 4] = ["بهار", "تابستان", "پاییز", "زمستان"];

impl Dates {
    /// The calendar and the zone named `tz` (IANA, e.g. `Asia/Tehran`).
    ///
    /// # Errors
    /// An invalid-input error for an unknown zone.
    pub(crate) fn new(calendar: CalendarArg, tz: &str) -> Result<Self, CliError> {
        let tz = tz.parse::<chrono_tz::Tz>().map_err(|_| {
            CliError::invalid(format!("unknown time zone {tz:?} (try Asia/Tehran or UTC)"))
        })?;
        Ok(Self { calendar, tz })
    }

    /// The instant as a date and a time of day, e.g. `2026-03-21 14:30` or
    /// `۱۴۰۵/۰۱/۰۱ ۱۴:۳۰`.
    pub(crate) fn datetime(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.tz);
        match self.calendar {
            CalendarArg::Gregorian => local.format("%Y-%m-%d %H:%M").to_string(),
            CalendarArg::Jalali => {
                let date = JalaliDate::from_instant(at, self.tz);
                to_persian_digits(&format!("{date} {}", local.format("%H:%M")))
            }
        }
    }

    /// The date of the instant, e.g. `2026-03-21` or `۱۴۰۵/۰۱/۰۱`.
    pub(crate) fn date(&self, at: DateTime<Utc>) -> String {
        match self.calendar {
            CalendarArg::Gregorian => at.with_timezone(&self.tz).format("%Y-%m-%d").to_string(),
            CalendarArg::Jalali => JalaliDate::from_instant(at, self.tz).format_fa(),
        }
    }

    /// An optional instant, `-` when absent.
    pub(crate) fn maybe(&self, at: Option<DateTime<Utc>>) -> String {
        at.map_or_else(|| "-".to_owned(), |at| self.datetime(at))
    }

    /// The current period of the chosen calendar: this quarter.
    pub(crate) fn current_quarter(&self, now: DateTime<Utc>) -> Period {
        match self.calendar {
            CalendarArg::Jalali => {
                let today = JalaliDate::from_instant(now, self.tz);
                Period::JalaliQuarter {
                    year: today.year,
                    quarter: today.quarter(),
                }
            }
            CalendarArg::Gregorian => {
                use chrono::Datelike;
                let today = now.with_timezone(&self.tz).date_naive();
                Period::GregorianQuarter {
                    year: today.year(),
                    quarter: (today.month0() / 3 + 1) as u8,
                }
            }
        }
    }
}

/// A label for people: `مهر ۱۴۰۵`, `پاییز ۱۴۰۵ (سه‌ماههٔ ۳: مهر تا آذر)`, `سال ۱۴۰۵`, `March
/// 2026`, `Q1 2026 (January–March)`, `2026`; a custom range as its ends.
pub(crate) fn period_label(period: &Period, dates: &Dates) -> String {
    let fa = |n: i64| to_persian_digits(&n.to_string());
    match *period {
        Period::JalaliMonth { year, month } => {
            format!(
                "{} {}",
                JalaliDate::month_name_fa(month),
                fa(i64::from(year))
            )
        }
        Period::JalaliQuarter { year, quarter } => {
            let first = (quarter.clamp(1, 4) - 1) * 3 + 1;
            let season = SEASONS_FA
                .get(usize::from(quarter.clamp(1, 4) - 1))
                .copied()
                .unwrap_or("");
            format!(
                "{season} {} (سه‌ماههٔ {}: {} تا {})",
                fa(i64::from(year)),
                fa(i64::from(quarter)),
                JalaliDate::month_name_fa(first),
                JalaliDate::month_name_fa(first + 2)
            )
        }
        Period::JalaliYear { year } => format!("سال {}", fa(i64::from(year))),
        Period::GregorianMonth { year, month } => {
            let name = MONTHS_EN
                .get(usize::from(month.clamp(1, 12) - 1))
                .copied()
                .unwrap_or("");
            format!("{name} {year}")
        }
        Period::GregorianQuarter { year, quarter } => {
            let first = usize::from((quarter.clamp(1, 4) - 1) * 3);
            let name = |i: usize| MONTHS_EN.get(i).copied().unwrap_or("");
            format!("Q{quarter} {year} ({}–{})", name(first), name(first + 2))
        }
        Period::GregorianYear { year } => year.to_string(),
        _ => match period.utc_range(dates.tz) {
            Ok((from, to)) => format!("{} – {}", dates.datetime(from), dates.datetime(to)),
            Err(_) => period.label(),
        },
    }
}

/// A duration for people: `45s`, `12m`, `3h 05m`, `2d 4h`; `-` for none.
pub(crate) fn duration(d: Option<Duration>) -> String {
    let Some(d) = d else {
        return "-".to_owned();
    };
    let secs = d.num_seconds().max(0);
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins:02}m")
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn jalali() -> Dates {
        Dates::new(CalendarArg::Jalali, "Asia/Tehran").unwrap()
    }

    #[test]
    fn jalali_dates_use_persian_digits_and_tehran_time() {
        let at = Utc.with_ymd_and_hms(2026, 3, 20, 21, 0, 0).unwrap();
        assert_eq!(jalali().datetime(at), "۱۴۰۵/۰۱/۰۱ ۰۰:۳۰");
        let g = Dates::new(CalendarArg::Gregorian, "UTC").unwrap();
        assert_eq!(g.datetime(at), "2026-03-20 21:00");
    }

    #[test]
    fn periods_have_persian_labels() {
        let q = Period::parse("1405-Q3").unwrap();
        assert_eq!(
            period_label(&q, &jalali()),
            "پاییز ۱۴۰۵ (سه‌ماههٔ ۳: مهر تا آذر)"
        );
        let m = Period::parse("1405-01").unwrap();
        assert_eq!(period_label(&m, &jalali()), "فروردین ۱۴۰۵");
        let g = Period::parse("2026-q1").unwrap();
        assert_eq!(period_label(&g, &jalali()), "Q1 2026 (January–March)");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(Some(Duration::minutes(185))), "3h 05m");
        assert_eq!(duration(Some(Duration::hours(52))), "2d 4h");
        assert_eq!(duration(None), "-");
    }

    #[test]
    fn unknown_zone_is_invalid_input() {
        assert_eq!(
            Dates::new(CalendarArg::Jalali, "Mars/Base")
                .unwrap_err()
                .code,
            2
        );
    }
}

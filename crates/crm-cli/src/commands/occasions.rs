//! Occasions and quiet hours as people type them: `--birthday 1370-05-12`,
//! `--anniversary 06-21 --occasion-calendar gregorian`, `crm settings set quiet-hours 22:00-08:00`.

use crate::error::{CliError, CliResult};
use chrono::{NaiveDate, NaiveTime};
use clap::ValueEnum;
use crm::calendar::JalaliDate;
use crm::customer::{Occasion, OccasionCalendar, OccasionKind};
use crm::workspace::QuietHours;

/// The calendar an occasion typed on the command line is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CalendarName {
    /// The Jalali (Persian solar) calendar.
    Jalali,
    /// The Gregorian calendar.
    Gregorian,
}

impl From<CalendarName> for OccasionCalendar {
    fn from(c: CalendarName) -> Self {
        match c {
            CalendarName::Jalali => OccasionCalendar::Jalali,
            CalendarName::Gregorian => OccasionCalendar::Gregorian,
        }
    }
}

/// An occasion of `kind` from `text`: `YYYY-MM-DD` (the year it happened) or `MM-DD`, in
/// `calendar`, or when none is named in the calendar its year tells (below 1700: Jalali,
/// else Gregorian); `MM-DD` needs a calendar named. The date must exist in that calendar
/// (with a year: in that year; without: in some year, so Esfand 30 and February 29 are
/// accepted).
///
/// # Errors
/// Invalid input for anything else.
pub(crate) fn parse_occasion(
    kind: OccasionKind,
    text: &str,
    calendar: Option<CalendarName>,
) -> CliResult<Occasion> {
    let bad = || {
        CliError::invalid(format!(
            "{text:?}: an occasion is YYYY-MM-DD or MM-DD (with --occasion-calendar)"
        ))
    };
    let parts: Vec<&str> = text.trim().split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] => (Some(y.parse::<i32>().map_err(|_| bad())?), m, d),
        [m, d] => (None, m, d),
        _ => return Err(bad()),
    };
    let month: u8 = month.parse().map_err(|_| bad())?;
    let day: u8 = day.parse().map_err(|_| bad())?;
    let calendar: OccasionCalendar = match (calendar, year) {
        (Some(c), _) => c.into(),
        (None, Some(y)) if y < 1700 => OccasionCalendar::Jalali,
        (None, Some(_)) => OccasionCalendar::Gregorian,
        (None, None) => {
            return Err(CliError::invalid(format!(
                "{text:?}: without a year, say which calendar: --occasion-calendar jalali|gregorian"
            )));
        }
    };
    let occasion = Occasion {
        kind,
        calendar,
        month,
        day,
        year,
    };
    if !occasion.is_valid() {
        return Err(CliError::invalid(format!(
            "{text:?}: no such month and day"
        )));
    }
    if let Some(y) = year {
        let exists = match calendar {
            OccasionCalendar::Jalali => JalaliDate::new(y, month, day).is_ok(),
            OccasionCalendar::Gregorian => {
                NaiveDate::from_ymd_opt(y, u32::from(month), u32::from(day)).is_some()
            }
        };
        if !exists {
            return Err(CliError::invalid(format!("{text:?}: no such date")));
        }
    }
    Ok(occasion)
}

/// `occasions` with `new` in place of the ones of the same kind.
pub(crate) fn replace_occasion(occasions: &mut Vec<Occasion>, new: Occasion) {
    occasions.retain(|o| o.kind != new.kind);
    occasions.push(new);
}

/// Quiet hours from `HH:MM-HH:MM` (across midnight when the end is not after the start);
/// `off` (or `none`) for none.
///
/// # Errors
/// Invalid input for anything else, or an empty span (start equal to end).
pub(crate) fn parse_quiet_hours(text: &str) -> CliResult<Option<QuietHours>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let bad = || {
        CliError::invalid(format!(
            "{text:?}: quiet hours are HH:MM-HH:MM (22:00-08:00), or off"
        ))
    };
    let (start, end) = text.split_once('-').ok_or_else(bad)?;
    let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
    let (start, end) = (time(start)?, time(end)?);
    if start == end {
        return Err(CliError::invalid(format!(
            "{text:?}: the start and the end are the same"
        )));
    }
    Ok(Some(QuietHours { start, end }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occasions_take_their_calendar_from_the_year_or_the_flag() {
        let b = parse_occasion(OccasionKind::Birthday, "1370-05-12", None).unwrap();
        assert_eq!(
            (b.calendar, b.month, b.day, b.year),
            (OccasionCalendar::Jalali, 5, 12, Some(1370))
        );
        let a = parse_occasion(OccasionKind::Anniversary, "2001-02-28", None).unwrap();
        assert_eq!(a.calendar, OccasionCalendar::Gregorian);
        let g = parse_occasion(
            OccasionKind::Birthday,
            "02-29",
            Some(CalendarName::Gregorian),
        )
        .unwrap();
        assert_eq!((g.month, g.day, g.year), (2, 29, None));
        // Esfand 30 exists only in leap years: 1403 is one, 1404 is not.
        assert!(parse_occasion(OccasionKind::Birthday, "1403-12-30", None).is_ok());
        assert!(parse_occasion(OccasionKind::Birthday, "1404-12-30", None).is_err());
        assert!(parse_occasion(OccasionKind::Birthday, "1370-07-31", None).is_err());
        assert!(parse_occasion(OccasionKind::Birthday, "05-12", None).is_err());
        assert!(parse_occasion(OccasionKind::Birthday, "1370/05/12", None).is_err());
    }

    #[test]
    fn quiet_hours_cross_midnight_or_are_off() {
        let q = parse_quiet_hours("22:00-08:00").unwrap().unwrap();
        assert!(q.contains(NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
        assert!(!q.contains(NaiveTime::from_hms_opt(8, 0, 0).unwrap()));
        assert_eq!(parse_quiet_hours("off").unwrap(), None);
        assert!(parse_quiet_hours("22:00").is_err());
        assert!(parse_quiet_hours("25:00-08:00").is_err());
        assert!(parse_quiet_hours("08:00-08:00").is_err());
    }
}

//! When a customer's personal occasion falls: on its Jalali date when recorded in the Jalali
//! calendar, on its Gregorian date when recorded in the Gregorian one; a day the month lacks
//! this year (February 29, Esfand 30) falls on the month's last day.

use super::recurrence::{falls_on, gregorian_days_in_month};
use crate::calendar::JalaliDate;
use crate::customer::{Occasion, OccasionCalendar};
use chrono::{Datelike, NaiveDate};

/// The `(calendar, month, day)` of the recorded occasions that fall on `date`: the date
/// itself in both calendars, and on a month's last day also the later days the month lacks
/// (Gregorian February 28 in a common year also matches February 29; Jalali Esfand 29 in a
/// common year also matches Esfand 30).
pub fn keys_on(date: NaiveDate) -> Vec<(OccasionCalendar, u8, u8)> {
    let mut keys = Vec::new();
    let month = u8::try_from(date.month()).unwrap_or(1);
    let day = u8::try_from(date.day()).unwrap_or(1);
    let dim = gregorian_days_in_month(date.year(), month);
    keys.push((OccasionCalendar::Gregorian, month, day));
    if day == dim {
        keys.extend((day + 1..=31).map(|d| (OccasionCalendar::Gregorian, month, d)));
    }
    let j = JalaliDate::from_gregorian(date);
    let dim = JalaliDate::days_in_month(j.year, j.month);
    keys.push((OccasionCalendar::Jalali, j.month, j.day));
    if j.day == dim {
        keys.extend((j.day + 1..=31).map(|d| (OccasionCalendar::Jalali, j.month, d)));
    }
    keys
}

/// Whether `occasion` falls on `date`.
pub fn falls_on_date(occasion: &Occasion, date: NaiveDate) -> bool {
    match occasion.calendar {
        OccasionCalendar::Gregorian => {
            let month = u8::try_from(date.month()).unwrap_or(0);
            let day = u8::try_from(date.day()).unwrap_or(0);
            occasion.month == month
                && falls_on(
                    occasion.day,
                    day,
                    gregorian_days_in_month(date.year(), month),
                )
        }
        OccasionCalendar::Jalali => {
            let j = JalaliDate::from_gregorian(date);
            occasion.month == j.month
                && falls_on(
                    occasion.day,
                    j.day,
                    JalaliDate::days_in_month(j.year, j.month),
                )
        }
    }
}

/// The year an occasion falling on `date` is celebrated in, in its own calendar (a greeting
/// goes out once per occasion and year).
pub fn occasion_year(calendar: OccasionCalendar, date: NaiveDate) -> i32 {
    match calendar {
        OccasionCalendar::Gregorian => date.year(),
        OccasionCalendar::Jalali => JalaliDate::from_gregorian(date).year,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::OccasionKind;

    fn occasion(calendar: OccasionCalendar, month: u8, day: u8) -> Occasion {
        Occasion {
            kind: OccasionKind::Birthday,
            calendar,
            month,
            day,
            year: None,
        }
    }

    #[test]
    fn leap_day_occasions_fall_on_the_last_day_in_common_years() {
        let feb29 = occasion(OccasionCalendar::Gregorian, 2, 29);
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert!(falls_on_date(&feb29, d(2027, 2, 28)));
        assert!(!falls_on_date(&feb29, d(2028, 2, 28)));
        assert!(falls_on_date(&feb29, d(2028, 2, 29)));
        let esfand30 = occasion(OccasionCalendar::Jalali, 12, 30);
        let common = JalaliDate::new(1404, 12, 29).unwrap().to_gregorian();
        let leap = JalaliDate::new(1403, 12, 29).unwrap().to_gregorian();
        assert!(falls_on_date(&esfand30, common));
        assert!(!falls_on_date(&esfand30, leap));
        assert!(keys_on(common).contains(&(OccasionCalendar::Jalali, 12, 30)));
        assert!(!keys_on(leap).contains(&(OccasionCalendar::Jalali, 12, 30)));
        for key in keys_on(d(2027, 2, 28)) {
            let o = occasion(key.0, key.1, key.2);
            assert!(falls_on_date(&o, d(2027, 2, 28)), "{key:?}");
        }
    }
}

//! Recurrence rules against independent implementations: the Gregorian rules against the
//! `rrule` crate (RFC 5545), the Jalali rules against `jdatetime` (tests/oracle/
//! jalali_recurrence.py) over the Jalali years 1400 to 1430.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oracle;
use chrono::{Datelike, NaiveDate};
use crm_core::activity::{Frequency, Recurrence};
use crm_core::calendar::JalaliDate;
use crm_core::customer::OccasionCalendar;
use oracle::SplitMix;

fn rule(frequency: Frequency, interval: u32, calendar: OccasionCalendar) -> Recurrence {
    Recurrence {
        frequency,
        interval,
        calendar,
        until: None,
    }
}

#[test]
fn gregorian_rules_match_the_rrule_crate() {
    let mut rng = SplitMix(12);
    let days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    for case in 0..300 {
        let anchor = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
            + chrono::Duration::days(i64::try_from(rng.below(3000)).unwrap());
        let interval = u32::try_from(1 + rng.below(3)).unwrap();
        let (frequency, rrule) = match case % 5 {
            0 => (Frequency::Daily, "FREQ=DAILY".to_owned()),
            1 => {
                let mut weekdays: Vec<u8> = (0..7u8).filter(|_| rng.below(3) == 0).collect();
                if weekdays.is_empty() {
                    weekdays.push(u8::try_from(rng.below(7)).unwrap());
                }
                let by: Vec<&str> = weekdays.iter().map(|d| days[usize::from(*d)]).collect();
                (
                    Frequency::Weekly { weekdays },
                    format!("FREQ=WEEKLY;WKST=MO;BYDAY={}", by.join(",")),
                )
            }
            2 => {
                let day = u8::try_from(1 + rng.below(28)).unwrap();
                (
                    Frequency::MonthlyOnDay { day },
                    format!("FREQ=MONTHLY;BYMONTHDAY={day}"),
                )
            }
            3 => (
                Frequency::MonthlyLastDay,
                "FREQ=MONTHLY;BYMONTHDAY=-1".to_owned(),
            ),
            _ => {
                let month = u8::try_from(1 + rng.below(12)).unwrap();
                let day = u8::try_from(1 + rng.below(28)).unwrap();
                (
                    Frequency::Yearly { month, day },
                    format!("FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}"),
                )
            }
        };
        let ours = rule(frequency, interval, OccasionCalendar::Gregorian).occurrences(anchor, 40);
        let text = format!(
            "DTSTART:{}T000000Z\nRRULE:{rrule};INTERVAL={interval};COUNT=40",
            anchor.format("%Y%m%d")
        );
        let set: rrule::RRuleSet = text.parse().unwrap();
        let theirs: Vec<NaiveDate> = set
            .all(100)
            .dates
            .into_iter()
            .map(|d| d.date_naive())
            .collect();
        // RFC 5545 counts DTSTART as the first occurrence even when it does not match the
        // rule; ours lists only matching dates. Compare the matching ones.
        let theirs: Vec<NaiveDate> = theirs
            .into_iter()
            .filter(|d| *d != anchor || ours.first() == Some(&anchor))
            .collect();
        let n = ours.len().min(theirs.len()).min(30);
        assert!(n >= 20, "case {case}: {text}: too few ({n})");
        assert_eq!(ours[..n], theirs[..n], "case {case}: {text}");
    }
}

#[test]
fn jalali_rules_match_jdatetime_over_1400_to_1430() {
    let mut rng = SplitMix(1400);
    let end = JalaliDate::new(1431, 1, 1).unwrap().to_gregorian();
    let mut rules = Vec::new();
    let mut requests = Vec::new();
    for case in 0..60 {
        let year = 1400 + i32::try_from(rng.below(25)).unwrap();
        let month = u8::try_from(1 + rng.below(12)).unwrap();
        let day =
            u8::try_from(1 + rng.below(u64::from(JalaliDate::days_in_month(year, month)))).unwrap();
        let anchor = JalaliDate::new(year, month, day).unwrap();
        let interval = u32::try_from(1 + rng.below(3)).unwrap();
        let at = format!("{year:04}/{month:02}/{day:02}");
        let (frequency, request) = match case % 3 {
            0 => {
                // Days 29 to 31 exercise the short months (and Esfand in common years).
                let d = u8::try_from(26 + rng.below(6)).unwrap();
                (
                    Frequency::MonthlyOnDay { day: d },
                    format!("monthly_day {d} {interval} {at}"),
                )
            }
            1 => (
                Frequency::MonthlyLastDay,
                format!("monthly_last {interval} {at}"),
            ),
            _ => {
                let m = if rng.below(2) == 0 {
                    12
                } else {
                    u8::try_from(1 + rng.below(12)).unwrap()
                };
                let d = if m == 12 {
                    30
                } else {
                    u8::try_from(1 + rng.below(31)).unwrap()
                };
                (
                    Frequency::Yearly { month: m, day: d },
                    format!("yearly {m} {d} {interval} {at}"),
                )
            }
        };
        rules.push((
            rule(frequency, interval, OccasionCalendar::Jalali),
            anchor.to_gregorian(),
        ));
        requests.push(request);
    }
    let Some(answers) = oracle::jdatetime("jalali_recurrence.py", &requests) else {
        eprintln!("SKIPPED: jdatetime not installed (pip install jdatetime)");
        return;
    };
    for ((rule, anchor), (request, expected)) in rules.iter().zip(requests.iter().zip(&answers)) {
        let ours: Vec<String> = rule
            .occurrences(*anchor, 2000)
            .into_iter()
            .take_while(|d| *d < end)
            .map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
            .collect();
        assert_eq!(ours.join(" "), *expected, "{request}");
    }
}

//! Recurrence rules against independent implementations: the Gregorian rules against the
//! `rrule` crate (RFC 5545), the Jalali rules against `jdatetime` (tests/oracle/
//! jalali_recurrence.py) over the Jalali years 1400 to 1430.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, NaiveDate};
use crm_core::activity::{Frequency, Recurrence};
use crm_core::calendar::JalaliDate;
use crm_core::customer::OccasionCalendar;
use std::io::Write;
use std::process::{Command, Stdio};

/// A small deterministic generator (SplitMix64), so the tests are reproducible.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

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

/// Runs the jdatetime oracle; `None` when python3 or jdatetime is missing.
fn oracle(requests: &[String]) -> Option<Vec<String>> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let available = Command::new(&python)
        .args(["-c", "import jdatetime"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        return None;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracle/jalali_recurrence.py"
    );
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = requests.join("\n") + "\n";
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    Some(answers)
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
    let Some(answers) = oracle(&requests) else {
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

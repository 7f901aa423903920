//! Property and example tests of `crm_core::calendar`: Jalali conversions (checked against the
//! independent `jdatetime` Python package when it is installed), reporting periods, business
//! time on work calendars, and percentiles.

#![allow(clippy::unwrap_used)]

mod oracle;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use crm_core::calendar::{
    CalendarError, JalaliDate, Period, WorkCalendar, WorkDay, median, months_back, percentile,
    to_persian_digits,
};
use oracle::SplitMix;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn jalali(y: i32, m: u8, d: u8) -> JalaliDate {
    JalaliDate::new(y, m, d).unwrap()
}

fn local(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().to_utc()
}

const TEHRAN: Tz = chrono_tz::Asia::Tehran;

// ---------------------------------------------------------------------------------------
// Jalali: examples
// ---------------------------------------------------------------------------------------

#[test]
fn jalali_known_values() {
    // Nowruz 1405 and 1404.
    assert_eq!(
        JalaliDate::from_gregorian(date(2026, 3, 21)),
        jalali(1405, 1, 1)
    );
    assert_eq!(
        JalaliDate::from_gregorian(date(2025, 3, 21)),
        jalali(1404, 1, 1)
    );
    // 1403 is a leap year: Esfand 30 exists and is the day before Nowruz 1404.
    assert!(JalaliDate::is_leap_year(1403));
    assert_eq!(jalali(1403, 12, 30).to_gregorian(), date(2025, 3, 20));
    assert_eq!(
        JalaliDate::from_gregorian(date(2025, 3, 20)),
        jalali(1403, 12, 30)
    );
    // 1404 is not.
    assert!(!JalaliDate::is_leap_year(1404));
    assert_eq!(JalaliDate::days_in_month(1404, 12), 29);
    assert_eq!(
        JalaliDate::from_gregorian(date(2026, 3, 20)),
        jalali(1404, 12, 29)
    );
    // The Unix epoch.
    assert_eq!(
        JalaliDate::from_gregorian(date(1970, 1, 1)),
        jalali(1348, 10, 11)
    );
    // Mehr 1 1405 and Dey 1 1405 (the bounds of Jalali Q3 1405).
    assert_eq!(jalali(1405, 7, 1).to_gregorian(), date(2026, 9, 23));
    assert_eq!(jalali(1405, 10, 1).to_gregorian(), date(2026, 12, 22));
}

#[test]
fn jalali_validation() {
    assert_eq!(
        JalaliDate::new(1404, 12, 30),
        Err(CalendarError::InvalidDay {
            year: 1404,
            month: 12,
            day: 30,
            days_in_month: 29
        })
    );
    assert!(JalaliDate::new(1403, 12, 30).is_ok());
    assert!(matches!(
        JalaliDate::new(1404, 7, 31),
        Err(CalendarError::InvalidDay {
            days_in_month: 30,
            ..
        })
    ));
    assert!(JalaliDate::new(1404, 6, 31).is_ok());
    assert!(matches!(
        JalaliDate::new(1404, 1, 0),
        Err(CalendarError::InvalidDay { .. })
    ));
    assert_eq!(
        JalaliDate::new(1404, 0, 1),
        Err(CalendarError::InvalidMonth { month: 0 })
    );
    assert_eq!(
        JalaliDate::new(1404, 13, 1),
        Err(CalendarError::InvalidMonth { month: 13 })
    );
    assert!(matches!(
        JalaliDate::new(i32::MAX, 1, 1),
        Err(CalendarError::OutOfRange { .. })
    ));
    // Messages say what is wrong.
    let message = JalaliDate::new(1404, 12, 30).unwrap_err().to_string();
    assert!(message.contains("29 days"), "{message}");
}

#[test]
fn jalali_text() {
    let d = jalali(1405, 1, 1);
    assert_eq!(d.to_string(), "1405/01/01");
    assert_eq!(d.format_fa(), "۱۴۰۵/۰۱/۰۱");
    assert_eq!(jalali(1404, 12, 29).format_fa(), "۱۴۰۴/۱۲/۲۹");
    assert_eq!(to_persian_digits("0123456789 abc"), "۰۱۲۳۴۵۶۷۸۹ abc");
    let fa: Vec<&str> = (1..=12).map(JalaliDate::month_name_fa).collect();
    assert_eq!(
        fa,
        [
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
            "اسفند"
        ]
    );
    let en: Vec<&str> = (1..=12).map(JalaliDate::month_name_en).collect();
    assert_eq!(
        en,
        [
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
            "Esfand"
        ]
    );
    assert_eq!(JalaliDate::month_name_fa(0), "");
    assert_eq!(JalaliDate::month_name_en(13), "");
    assert_eq!(jalali(1405, 7, 1).quarter(), 3);
}

#[test]
fn jalali_instant_in_zone() {
    // 20:29 UTC on 2026-03-20 is 23:59 in Tehran: still Esfand 29.
    let before = Utc.with_ymd_and_hms(2026, 3, 20, 20, 29, 0).unwrap();
    assert_eq!(
        JalaliDate::from_instant(before, TEHRAN),
        jalali(1404, 12, 29)
    );
    let after = Utc.with_ymd_and_hms(2026, 3, 20, 20, 30, 0).unwrap();
    assert_eq!(JalaliDate::from_instant(after, TEHRAN), jalali(1405, 1, 1));
}

#[test]
fn jalali_serde_validates() {
    let d = jalali(1403, 12, 30);
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(json, r#"{"year":1403,"month":12,"day":30}"#);
    assert_eq!(serde_json::from_str::<JalaliDate>(&json).unwrap(), d);
    let bad = r#"{"year":1404,"month":12,"day":30}"#;
    let err = serde_json::from_str::<JalaliDate>(bad).unwrap_err();
    assert!(err.to_string().contains("29 days"), "{err}");
}

#[test]
fn jalali_extremes_of_chrono() {
    for d in [NaiveDate::MIN, NaiveDate::MAX] {
        let j = JalaliDate::from_gregorian(d);
        assert_eq!(j.to_gregorian(), d);
        assert_eq!(JalaliDate::new(j.year, j.month, j.day), Ok(j));
    }
}

#[test]
fn hand_written_invalid_fields_are_read_leniently() {
    let overflow = JalaliDate {
        year: 1404,
        month: 7,
        day: 31,
    };
    assert_eq!(overflow.to_gregorian(), jalali(1404, 8, 1).to_gregorian());
    let far = JalaliDate {
        year: i32::MAX,
        month: 1,
        day: 1,
    };
    assert_eq!(far.to_gregorian(), NaiveDate::MAX);
}

// ---------------------------------------------------------------------------------------
// Jalali: properties
// ---------------------------------------------------------------------------------------

fn any_naive_date() -> impl Strategy<Value = NaiveDate> {
    let (lo, hi) = (
        NaiveDate::MIN.num_days_from_ce(),
        NaiveDate::MAX.num_days_from_ce(),
    );
    prop_oneof![
        (lo..=hi).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap()),
        // Dates a business keeps: 1800 to 2300.
        (657_073..=839_701).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap()),
    ]
}

proptest! {
    #[test]
    fn gregorian_jalali_round_trip(d in any_naive_date()) {
        let j = JalaliDate::from_gregorian(d);
        prop_assert_eq!(j.to_gregorian(), d);
        prop_assert!((1..=12).contains(&j.month));
        prop_assert!(j.day >= 1 && j.day <= JalaliDate::days_in_month(j.year, j.month));
        prop_assert_eq!(JalaliDate::new(j.year, j.month, j.day), Ok(j));
    }

    #[test]
    fn next_day_is_next_jalali_day(d in any_naive_date()) {
        prop_assume!(d < NaiveDate::MAX);
        let (a, b) = (
            JalaliDate::from_gregorian(d),
            JalaliDate::from_gregorian(d.succ_opt().unwrap()),
        );
        prop_assert!(a < b);
        let expected = if a.day < JalaliDate::days_in_month(a.year, a.month) {
            (a.year, a.month, a.day + 1)
        } else if a.month < 12 {
            (a.year, a.month + 1, 1)
        } else {
            (a.year + 1, 1, 1)
        };
        prop_assert_eq!((b.year, b.month, b.day), expected);
    }

    #[test]
    fn jalali_gregorian_round_trip(year in 1000i32..3000, month in 1u8..=12, day in 1u8..=31) {
        match JalaliDate::new(year, month, day) {
            Ok(j) => {
                prop_assert!(day <= JalaliDate::days_in_month(year, month));
                prop_assert_eq!(JalaliDate::from_gregorian(j.to_gregorian()), j);
            }
            Err(CalendarError::InvalidDay { days_in_month, .. }) => {
                prop_assert!(day > days_in_month);
                prop_assert_eq!(days_in_month, JalaliDate::days_in_month(year, month));
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    #[test]
    fn new_rejects_invalid_days(year in -5000i32..5000, month in 0u8..=20, day in 0u8..=255) {
        let valid = (1..=12).contains(&month)
            && day >= 1
            && day <= JalaliDate::days_in_month(year, month);
        prop_assert_eq!(JalaliDate::new(year, month, day).is_ok(), valid);
    }

    #[test]
    fn year_length_matches_leap_flag(year in -5000i32..5000) {
        let first = JalaliDate::new(year, 1, 1).unwrap().to_gregorian();
        let next = JalaliDate::new(year + 1, 1, 1).unwrap().to_gregorian();
        let days = (next - first).num_days();
        prop_assert_eq!(days, if JalaliDate::is_leap_year(year) { 366 } else { 365 });
    }
}

// ---------------------------------------------------------------------------------------
// Jalali: the jdatetime oracle
// ---------------------------------------------------------------------------------------

#[test]
fn jalali_matches_jdatetime() {
    let (lo, hi) = (
        date(1900, 1, 1).num_days_from_ce(),
        date(2100, 12, 31).num_days_from_ce(),
    );
    let mut rng = SplitMix(0x1405_0101);
    let mut dates: Vec<NaiveDate> = (0..2000)
        .map(|_| {
            let n = lo + rng.below((hi - lo + 1) as u64) as i32;
            NaiveDate::from_num_days_from_ce_opt(n).unwrap()
        })
        .collect();
    // Every year's turn (March 18 to 23), where leap-year rules show.
    for y in 1900..=2100 {
        dates.extend((18..=23).map(|d| date(y, 3, d)));
    }
    let mut requests: Vec<String> = dates
        .iter()
        .map(|d| format!("g {}", d.format("%Y-%m-%d")))
        .collect();
    let years: Vec<i32> = (1279..=1479).collect();
    requests.extend(years.iter().map(|y| format!("l {y}")));
    // And back: the last day of every Jalali year, Jalali to Gregorian.
    let last_days: Vec<JalaliDate> = years
        .iter()
        .map(|&y| jalali(y, 12, JalaliDate::days_in_month(y, 12)))
        .collect();
    requests.extend(last_days.iter().map(|j| format!("j {j}")));

    let Some(answers) = oracle::jdatetime("jalali.py", &requests) else {
        eprintln!("SKIPPED: jdatetime not installed (pip install jdatetime)");
        return;
    };

    let mut mismatches = Vec::new();
    let (to_jalali, rest) = answers.split_at(dates.len());
    let (leaps, to_gregorian) = rest.split_at(years.len());
    for (d, expected) in dates.iter().zip(to_jalali) {
        let ours = JalaliDate::from_gregorian(*d).to_string();
        if &ours != expected {
            mismatches.push(format!("{d}: ours {ours}, jdatetime {expected}"));
        }
    }
    for (y, expected) in years.iter().zip(leaps) {
        let ours = if JalaliDate::is_leap_year(*y) {
            "1"
        } else {
            "0"
        };
        if ours != expected {
            mismatches.push(format!("leap {y}: ours {ours}, jdatetime {expected}"));
        }
    }
    for (j, expected) in last_days.iter().zip(to_gregorian) {
        let ours = j.to_gregorian().format("%Y-%m-%d").to_string();
        if &ours != expected {
            mismatches.push(format!("{j}: ours {ours}, jdatetime {expected}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} checks differ from jdatetime, first: {:#?}",
        mismatches.len(),
        requests.len(),
        &mismatches[..mismatches.len().min(20)]
    );
    eprintln!("checked {} conversions against jdatetime", requests.len());
}

// ---------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------

#[test]
fn parse_examples() {
    let cases = [
        (
            "1405-Q3",
            Period::JalaliQuarter {
                year: 1405,
                quarter: 3,
            },
        ),
        (
            "jalali:1405-Q3",
            Period::JalaliQuarter {
                year: 1405,
                quarter: 3,
            },
        ),
        (
            "  JALALI:1405-q3 ",
            Period::JalaliQuarter {
                year: 1405,
                quarter: 3,
            },
        ),
        ("shamsi:1405", Period::JalaliYear { year: 1405 }),
        (
            "1405-07",
            Period::JalaliMonth {
                year: 1405,
                month: 7,
            },
        ),
        (
            "1405/7",
            Period::JalaliMonth {
                year: 1405,
                month: 7,
            },
        ),
        (
            "۱۴۰۵/۰۷",
            Period::JalaliMonth {
                year: 1405,
                month: 7,
            },
        ),
        ("1405", Period::JalaliYear { year: 1405 }),
        (
            "2026-Q1",
            Period::GregorianQuarter {
                year: 2026,
                quarter: 1,
            },
        ),
        ("2026", Period::GregorianYear { year: 2026 }),
        (
            "2026-03",
            Period::GregorianMonth {
                year: 2026,
                month: 3,
            },
        ),
        (
            "gregorian:1600-12",
            Period::GregorianMonth {
                year: 1600,
                month: 12,
            },
        ),
        ("g:1699", Period::GregorianYear { year: 1699 }),
        ("1699", Period::JalaliYear { year: 1699 }),
        ("1700", Period::GregorianYear { year: 1700 }),
        ("j:1700", Period::JalaliYear { year: 1700 }),
        (
            "2026-01-01T00:00:00Z..2026-02-01T03:30:00+03:30",
            Period::Custom {
                from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                to: Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Period::parse(text), Ok(expected), "{text}");
        assert_eq!(text.parse::<Period>(), Ok(expected), "{text}");
    }
    for bad in [
        "",
        "14",
        "1405-",
        "1405-13",
        "1405-00",
        "1405-Q0",
        "1405-Q5",
        "1405-123",
        "x1405",
        "persian:1405",
        "1405-07-01",
        "2026-01-01..",
        "2026-02-01T00:00:00Z..2026-01-01T00:00:00Z",
    ] {
        assert!(Period::parse(bad).is_err(), "{bad:?} should not parse");
    }
}

#[test]
fn labels() {
    assert_eq!(
        Period::JalaliQuarter {
            year: 1405,
            quarter: 3
        }
        .label(),
        "1405-Q3"
    );
    assert_eq!(
        Period::JalaliMonth {
            year: 1405,
            month: 7
        }
        .label(),
        "1405-07"
    );
    assert_eq!(Period::JalaliYear { year: 1405 }.label(), "1405");
    assert_eq!(
        Period::GregorianQuarter {
            year: 2026,
            quarter: 1
        }
        .label(),
        "2026-Q1"
    );
    assert_eq!(
        Period::GregorianMonth {
            year: 2026,
            month: 3
        }
        .to_string(),
        "2026-03"
    );
    assert_eq!(
        Period::GregorianYear { year: 1600 }.label(),
        "gregorian:1600"
    );
    assert_eq!(Period::JalaliYear { year: 1800 }.label(), "jalali:1800");
    let custom = Period::Custom {
        from: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        to: Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
    };
    assert_eq!(custom.label(), "2026-01-01T00:00:00Z..2026-02-01T00:00:00Z");
}

#[test]
fn utc_ranges_in_tehran() {
    // Jalali Q3 1405: 1405/07/01 (2026-09-23) to 1405/10/01 (2026-12-22), Tehran is +03:30.
    let q3 = Period::JalaliQuarter {
        year: 1405,
        quarter: 3,
    };
    assert_eq!(
        q3.utc_range(TEHRAN).unwrap(),
        (
            Utc.with_ymd_and_hms(2026, 9, 22, 20, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 21, 20, 30, 0).unwrap()
        )
    );
    // Jalali year 1403 (a leap year: 366 days).
    let (start, end) = Period::JalaliYear { year: 1403 }.utc_range(TEHRAN).unwrap();
    assert_eq!(start, Utc.with_ymd_and_hms(2024, 3, 19, 20, 30, 0).unwrap());
    assert_eq!(end - start, Duration::days(366));
    // Esfand 1403 has 30 days.
    let (start, end) = Period::JalaliMonth {
        year: 1403,
        month: 12,
    }
    .utc_range(TEHRAN)
    .unwrap();
    assert_eq!(end - start, Duration::days(30));
    // Gregorian periods in Tehran.
    let (start, end) = Period::GregorianYear { year: 2026 }
        .utc_range(TEHRAN)
        .unwrap();
    assert_eq!(
        start,
        Utc.with_ymd_and_hms(2025, 12, 31, 20, 30, 0).unwrap()
    );
    assert_eq!(end, Utc.with_ymd_and_hms(2026, 12, 31, 20, 30, 0).unwrap());
    // While Iran still had daylight saving time (+04:30 from Farvardin 2 to Shahrivar 30).
    let (start, end) = Period::JalaliMonth {
        year: 1400,
        month: 2,
    }
    .utc_range(TEHRAN)
    .unwrap();
    assert_eq!(start, Utc.with_ymd_and_hms(2021, 4, 20, 19, 30, 0).unwrap());
    assert_eq!(end, Utc.with_ymd_and_hms(2021, 5, 21, 19, 30, 0).unwrap());
    // Custom ranges ignore the zone.
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let custom = Period::Custom { from, to: from };
    assert_eq!(custom.utc_range(TEHRAN).unwrap(), (from, from));
}

#[test]
fn utc_range_errors() {
    assert_eq!(
        Period::JalaliQuarter {
            year: 1405,
            quarter: 5
        }
        .utc_range(TEHRAN),
        Err(CalendarError::InvalidQuarter { quarter: 5 })
    );
    assert_eq!(
        Period::GregorianMonth {
            year: 2026,
            month: 13
        }
        .utc_range(TEHRAN),
        Err(CalendarError::InvalidMonth { month: 13 })
    );
    assert!(matches!(
        Period::GregorianYear { year: i32::MAX }.utc_range(TEHRAN),
        Err(CalendarError::OutOfRange { .. })
    ));
    assert!(matches!(
        Period::JalaliYear { year: i32::MAX }.utc_range(TEHRAN),
        Err(CalendarError::OutOfRange { .. })
    ));
    let from = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        Period::Custom { from, to }.utc_range(TEHRAN),
        Err(CalendarError::InvertedRange { from, to })
    );
}

#[test]
fn utc_range_with_midnight_gap() {
    // Paraguay turned 2023-10-01 00:00 (-04) into 01:00 (-03): October 2023 has no first
    // midnight there, and starts at the transition, which is also where September ends.
    let tz = chrono_tz::America::Asuncion;
    let transition = Utc.with_ymd_and_hms(2023, 10, 1, 4, 0, 0).unwrap();
    let (start, _) = Period::GregorianMonth {
        year: 2023,
        month: 10,
    }
    .utc_range(tz)
    .unwrap();
    assert_eq!(start, transition);
    let (_, end) = Period::GregorianMonth {
        year: 2023,
        month: 9,
    }
    .utc_range(tz)
    .unwrap();
    assert_eq!(end, transition);
    // Santiago (Chile) turned 2022-09-11 00:00 (-04) into 01:00 (-03): round-the-clock work
    // has 23 hours on September 10 + 24 on September 11 minus the skipped hour = 47 hours.
    let tz = chrono_tz::America::Santiago;
    let always = Some(WorkDay::new(NaiveTime::MIN, NaiveTime::MIN));
    let cal = WorkCalendar::new(tz, [always; 7]);
    let start = Utc.with_ymd_and_hms(2022, 9, 10, 4, 0, 0).unwrap(); // 2022-09-10 00:00 -04
    let end = Utc.with_ymd_and_hms(2022, 9, 12, 3, 0, 0).unwrap(); // 2022-09-12 00:00 -03
    assert_eq!(cal.business_time_between(start, end), Duration::hours(47));
}

#[test]
fn period_serde() {
    let p = Period::JalaliQuarter {
        year: 1405,
        quarter: 3,
    };
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, r#"{"kind":"jalali_quarter","year":1405,"quarter":3}"#);
    assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
}

#[test]
fn months_back_window() {
    let now = Utc.with_ymd_and_hms(2026, 8, 31, 12, 0, 0).unwrap();
    assert_eq!(
        months_back(now, 6),
        (Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap(), now)
    );
    assert_eq!(months_back(now, 0), (now, now));
    assert_eq!(months_back(now, u32::MAX).0, DateTime::<Utc>::MIN_UTC);
}

fn any_calendar_period() -> impl Strategy<Value = Period> {
    let year = 0i32..=999_999;
    prop_oneof![
        (year.clone(), 1u8..=12).prop_map(|(year, month)| Period::GregorianMonth { year, month }),
        (year.clone(), 1u8..=4)
            .prop_map(|(year, quarter)| Period::GregorianQuarter { year, quarter }),
        year.clone().prop_map(|year| Period::GregorianYear { year }),
        (year.clone(), 1u8..=12).prop_map(|(year, month)| Period::JalaliMonth { year, month }),
        (year.clone(), 1u8..=4).prop_map(|(year, quarter)| Period::JalaliQuarter { year, quarter }),
        year.prop_map(|year| Period::JalaliYear { year }),
    ]
}

fn any_zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        chrono_tz::Asia::Tehran,
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::America::Santiago,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
    ])
}

proptest! {
    #[test]
    fn label_round_trips(p in any_calendar_period()) {
        prop_assert_eq!(Period::parse(&p.label()), Ok(p));
    }

    #[test]
    fn custom_label_round_trips(a in 0i64..4_102_444_800_000_000_000, len in 0i64..1_000_000_000_000_000) {
        let from = DateTime::from_timestamp_nanos(a);
        let to = DateTime::from_timestamp_nanos(a + len);
        let p = Period::Custom { from, to };
        prop_assert_eq!(Period::parse(&p.label()), Ok(p));
    }

    #[test]
    fn jalali_months_tile_their_quarter_and_year(year in 1300i32..1500, tz in any_zone()) {
        let (year_start, year_end) = Period::JalaliYear { year }.utc_range(tz).unwrap();
        let mut cursor = year_start;
        for month in 1..=12u8 {
            let (s, e) = Period::JalaliMonth { year, month }.utc_range(tz).unwrap();
            prop_assert_eq!(s, cursor);
            prop_assert!(s < e);
            cursor = e;
            if month % 3 == 0 {
                let quarter = month / 3;
                let (qs, qe) = Period::JalaliQuarter { year, quarter }.utc_range(tz).unwrap();
                prop_assert_eq!(qe, e);
                prop_assert_eq!(qs, Period::JalaliMonth { year, month: month - 2 }.utc_range(tz).unwrap().0);
            }
        }
        prop_assert_eq!(cursor, year_end);
        // The next year starts where this one ends.
        prop_assert_eq!(Period::JalaliYear { year: year + 1 }.utc_range(tz).unwrap().0, year_end);
    }

    #[test]
    fn gregorian_months_tile_their_year(year in 1900i32..2100, tz in any_zone()) {
        let (year_start, year_end) = Period::GregorianYear { year }.utc_range(tz).unwrap();
        let mut cursor = year_start;
        for month in 1..=12u8 {
            let (s, e) = Period::GregorianMonth { year, month }.utc_range(tz).unwrap();
            prop_assert_eq!(s, cursor);
            cursor = e;
        }
        prop_assert_eq!(cursor, year_end);
        let (q4s, q4e) = Period::GregorianQuarter { year, quarter: 4 }.utc_range(tz).unwrap();
        prop_assert_eq!(q4s, Period::GregorianMonth { year, month: 10 }.utc_range(tz).unwrap().0);
        prop_assert_eq!(q4e, year_end);
    }

    #[test]
    fn period_start_is_local_midnight_of_first_day(year in 1300i32..1500, month in 1u8..=12) {
        let (start, _) = Period::JalaliMonth { year, month }.utc_range(TEHRAN).unwrap();
        let local = start.with_timezone(&TEHRAN);
        prop_assert_eq!(JalaliDate::from_gregorian(local.date_naive()), JalaliDate::new(year, month, 1).unwrap());
        // Midnight, or the moment clocks jumped over it.
        prop_assert!(local.time() < NaiveTime::from_hms_opt(1, 0, 1).unwrap());
    }
}

// ---------------------------------------------------------------------------------------
// Work calendars: examples
// ---------------------------------------------------------------------------------------

#[test]
fn iran_saturday_plus_eight_hours_is_sunday() {
    let cal = WorkCalendar::iran();
    // 2026-03-28 is a Saturday.
    let start = local(TEHRAN, 2026, 3, 28, 10, 0);
    let due = cal.add_business_time(start, Duration::hours(8)).unwrap();
    assert_eq!(due, local(TEHRAN, 2026, 3, 29, 10, 0));
    assert_eq!(cal.business_time_between(start, due), Duration::hours(8));
}

#[test]
fn iran_thursday_runs_into_saturday() {
    let cal = WorkCalendar::iran();
    // 2026-03-26 is a Thursday: open until 13:00; Friday is off.
    let start = local(TEHRAN, 2026, 3, 26, 12, 0);
    let due = cal.add_business_time(start, Duration::hours(2)).unwrap();
    assert_eq!(due, local(TEHRAN, 2026, 3, 28, 9, 0));
    // Exactly the rest of Thursday ends at closing time, not at the next opening.
    let due = cal.add_business_time(start, Duration::hours(1)).unwrap();
    assert_eq!(due, local(TEHRAN, 2026, 3, 26, 13, 0));
}

#[test]
fn holidays_are_skipped() {
    // Sunday 2026-03-29 is a holiday: Saturday 15:00 + 2h = Monday 09:00.
    let cal = WorkCalendar::iran().with_holidays([date(2026, 3, 29)]);
    let start = local(TEHRAN, 2026, 3, 28, 15, 0);
    let due = cal.add_business_time(start, Duration::hours(2)).unwrap();
    assert_eq!(due, local(TEHRAN, 2026, 3, 30, 9, 0));
    assert_eq!(cal.business_time_between(start, due), Duration::hours(2));
    // Nowruz holidays given as Jalali dates: 1405/01/01-04 is Saturday 2026-03-21 to Tuesday.
    let nowruz: Vec<JalaliDate> = (1..=4).map(|d| jalali(1405, 1, d)).collect();
    let cal = WorkCalendar::iran().with_jalali_holidays(nowruz);
    let friday = local(TEHRAN, 2026, 3, 20, 12, 0);
    let due = cal
        .add_business_time(friday, Duration::minutes(30))
        .unwrap();
    assert_eq!(due, local(TEHRAN, 2026, 3, 25, 8, 30));
}

#[test]
fn monday_to_friday_across_a_weekend() {
    let tz = chrono_tz::Europe::London;
    let cal = WorkCalendar::monday_to_friday(tz);
    // Friday 2026-01-09 15:00 + 4h: 2h on Friday, 2h on Monday.
    let start = local(tz, 2026, 1, 9, 15, 0);
    let due = cal.add_business_time(start, Duration::hours(4)).unwrap();
    assert_eq!(due, local(tz, 2026, 1, 12, 11, 0));
    // Across the spring-forward weekend in London (2026-03-29), hours are still local.
    let start = local(tz, 2026, 3, 27, 16, 0);
    let due = cal.add_business_time(start, Duration::hours(2)).unwrap();
    assert_eq!(due, local(tz, 2026, 3, 30, 10, 0));
    assert_eq!(due - start, Duration::hours(65));
}

#[test]
fn zero_duration_rule() {
    let cal = WorkCalendar::iran();
    // Inside hours: the start itself.
    let inside = local(TEHRAN, 2026, 3, 28, 10, 0);
    assert_eq!(cal.add_business_time(inside, Duration::zero()), Ok(inside));
    // Outside hours (a Friday): the next opening.
    let friday = local(TEHRAN, 2026, 3, 27, 10, 0);
    assert_eq!(
        cal.add_business_time(friday, Duration::zero()),
        Ok(local(TEHRAN, 2026, 3, 28, 8, 0))
    );
    // Exactly at closing time counts as outside.
    let closing = local(TEHRAN, 2026, 3, 28, 16, 0);
    assert_eq!(
        cal.add_business_time(closing, Duration::zero()),
        Ok(local(TEHRAN, 2026, 3, 29, 8, 0))
    );
    assert!(cal.is_working_time(inside));
    assert!(!cal.is_working_time(friday));
    assert!(!cal.is_working_time(closing));
    assert!(cal.is_working_time(local(TEHRAN, 2026, 3, 28, 8, 0)));
}

#[test]
fn errors_instead_of_endless_loops() {
    let none = WorkCalendar::new(TEHRAN, [None; 7]);
    let start = local(TEHRAN, 2026, 3, 28, 10, 0);
    assert_eq!(
        none.add_business_time(start, Duration::hours(1)),
        Err(CalendarError::NoWorkingTime)
    );
    assert_eq!(
        none.business_time_between(start, start + Duration::days(30)),
        Duration::zero()
    );
    // Empty days count as no working time.
    let h9 = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let empty = WorkCalendar::new(TEHRAN, [Some(WorkDay::new(h9, h9)); 7]);
    assert_eq!(
        empty.add_business_time(start, Duration::hours(1)),
        Err(CalendarError::NoWorkingTime)
    );
    let cal = WorkCalendar::iran();
    assert_eq!(
        cal.add_business_time(start, Duration::hours(-1)),
        Err(CalendarError::NegativeDuration {
            duration: Duration::hours(-1)
        })
    );
    assert!(matches!(
        cal.add_business_time(start, Duration::MAX),
        Err(CalendarError::BeyondHorizon { .. })
    ));
    // A working week with every day a holiday for years on end still ends.
    let blocked =
        WorkCalendar::iran().with_holidays((0..3000).map(|i| date(2026, 1, 1) + Duration::days(i)));
    let due = blocked
        .add_business_time(start, Duration::hours(1))
        .unwrap();
    assert_eq!(due.with_timezone(&TEHRAN).date_naive(), date(2034, 3, 20));
}

#[test]
fn large_durations_are_fast() {
    // 10,000 business hours is about 5 years of days; a day at a time this is instant.
    let cal = WorkCalendar::iran();
    let start = local(TEHRAN, 2026, 3, 28, 10, 0);
    let t = std::time::Instant::now();
    let due = cal
        .add_business_time(start, Duration::hours(10_000))
        .unwrap();
    assert_eq!(
        cal.business_time_between(start, due),
        Duration::hours(10_000)
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn work_calendar_serde() {
    let cal = WorkCalendar::iran().with_holidays([date(2026, 3, 29)]);
    let json = serde_json::to_string(&cal).unwrap();
    assert!(json.contains(r#""tz":"Asia/Tehran""#), "{json}");
    assert!(json.contains(r#""start":"08:00:00""#), "{json}");
    assert_eq!(serde_json::from_str::<WorkCalendar>(&json).unwrap(), cal);
}

#[test]
fn presets() {
    let iran = WorkCalendar::iran();
    assert_eq!(iran.tz, TEHRAN);
    let day = |w: Weekday| iran.week[w.num_days_from_monday() as usize];
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    for w in [
        Weekday::Sat,
        Weekday::Sun,
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
    ] {
        assert_eq!(day(w), Some(WorkDay::new(t(8), t(16))), "{w}");
    }
    assert_eq!(day(Weekday::Thu), Some(WorkDay::new(t(8), t(13))));
    assert_eq!(day(Weekday::Fri), None);
    assert!(iran.holidays.is_empty());
    let mf = WorkCalendar::monday_to_friday(chrono_tz::UTC);
    assert_eq!(mf.week[0], Some(WorkDay::new(t(9), t(17))));
    assert_eq!(mf.week[5], None);
    assert_eq!(mf.week[6], None);
    // One Iranian week: 5 * 8 + 5 hours.
    let sat = local(TEHRAN, 2026, 3, 28, 0, 0);
    assert_eq!(
        iran.business_time_between(sat, sat + Duration::days(7)),
        Duration::hours(45)
    );
}

// ---------------------------------------------------------------------------------------
// Work calendars: properties
// ---------------------------------------------------------------------------------------

/// The calendars under test: the two presets (Tehran had daylight saving time until 2022, New
/// York has it), and round-the-clock work in a zone whose clocks jump at midnight.
fn calendars() -> Vec<WorkCalendar> {
    let always = Some(WorkDay::new(NaiveTime::MIN, NaiveTime::MIN));
    vec![
        WorkCalendar::iran().with_holidays([date(2019, 3, 21), date(2026, 3, 29)]),
        WorkCalendar::monday_to_friday(chrono_tz::America::New_York)
            .with_holidays([date(2025, 12, 25)]),
        WorkCalendar::new(chrono_tz::America::Santiago, [always; 7]),
    ]
}

/// Instants between 2015 and 2030, to the second.
fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (1_420_070_400i64..1_893_456_000).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

/// Durations up to 200 hours, to the second.
fn any_duration() -> impl Strategy<Value = Duration> {
    (0i64..=200 * 3600).prop_map(Duration::seconds)
}

/// Whether `at` is working time, decided from its local wall-clock time alone (an oracle
/// independent of the interval arithmetic, exact where opening hours avoid DST changes).
fn working_by_wall_clock(cal: &WorkCalendar, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&cal.tz);
    let date = local.date_naive();
    if cal.holidays.contains(&date) {
        return false;
    }
    match cal.week[date.weekday().num_days_from_monday() as usize] {
        Some(day) => day.start <= local.time() && local.time() < day.end,
        None => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn add_then_measure_is_identity(which in 0usize..3, start in any_instant(), d in any_duration()) {
        let cal = &calendars()[which];
        let due = cal.add_business_time(start, d).unwrap();
        prop_assert!(due >= start);
        prop_assert_eq!(cal.business_time_between(start, due), d);
        // The result is the earliest such instant: for positive d, a moment earlier is short.
        if d > Duration::zero() {
            let earlier = due - Duration::seconds(1);
            prop_assert!(cal.business_time_between(start, earlier) < d);
        }
    }

    #[test]
    fn add_is_monotonic(which in 0usize..3, start in any_instant(), a in any_duration(), b in any_duration()) {
        let cal = &calendars()[which];
        let (small, large) = (a.min(b), a.max(b));
        prop_assert!(cal.add_business_time(start, small).unwrap() <= cal.add_business_time(start, large).unwrap());
    }

    #[test]
    fn between_is_additive(
        which in 0usize..3,
        a in any_instant(),
        ab in 0i64..200 * 86_400,
        bc in 0i64..200 * 86_400,
    ) {
        let cal = &calendars()[which];
        let b = a + Duration::seconds(ab);
        let c = b + Duration::seconds(bc);
        prop_assert_eq!(
            cal.business_time_between(a, c),
            cal.business_time_between(a, b) + cal.business_time_between(b, c)
        );
        prop_assert_eq!(cal.business_time_between(c, a), Duration::zero());
    }

    #[test]
    fn between_matches_minute_by_minute_count(which in 0usize..2, start in any_instant(), minutes in 0i64..4 * 24 * 60) {
        let cal = &calendars()[which];
        // Whole minutes, so that counting minutes is exact.
        let start = DateTime::from_timestamp(start.timestamp() / 60 * 60, 0).unwrap();
        let end = start + Duration::minutes(minutes);
        let counted = (0..minutes)
            .filter(|m| working_by_wall_clock(cal, start + Duration::minutes(*m)))
            .count() as i64;
        prop_assert_eq!(cal.business_time_between(start, end), Duration::minutes(counted));
        prop_assert_eq!(cal.is_working_time(start), working_by_wall_clock(cal, start));
    }

    #[test]
    fn zero_duration_lands_on_working_time(which in 0usize..3, start in any_instant()) {
        let cal = &calendars()[which];
        let due = cal.add_business_time(start, Duration::zero()).unwrap();
        prop_assert!(due >= start);
        prop_assert!(cal.is_working_time(due));
        prop_assert_eq!(due == start, cal.is_working_time(start));
        prop_assert_eq!(cal.business_time_between(start, due), Duration::zero());
    }
}

// ---------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------

fn minutes(values: &[i64]) -> Vec<Duration> {
    values.iter().map(|m| Duration::minutes(*m)).collect()
}

#[test]
fn percentile_examples() {
    // The textbook nearest-rank example.
    let mut v = minutes(&[35, 20, 15, 50, 40]);
    assert_eq!(percentile(&mut v, 5.0), Some(Duration::minutes(15)));
    assert_eq!(percentile(&mut v, 30.0), Some(Duration::minutes(20)));
    assert_eq!(percentile(&mut v, 40.0), Some(Duration::minutes(20)));
    assert_eq!(percentile(&mut v, 50.0), Some(Duration::minutes(35)));
    assert_eq!(percentile(&mut v, 100.0), Some(Duration::minutes(50)));
    assert_eq!(v, minutes(&[15, 20, 35, 40, 50]), "sorted in place");
    // p * n / 100 that is a whole number takes that rank exactly (70% of 10 is rank 7).
    let mut v = minutes(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(percentile(&mut v, 70.0), Some(Duration::minutes(7)));
    assert_eq!(percentile(&mut v, 90.0), Some(Duration::minutes(9)));
    assert_eq!(percentile(&mut v, 90.1), Some(Duration::minutes(10)));
    assert_eq!(percentile(&mut v, 0.0), Some(Duration::minutes(1)));
    assert_eq!(median(&mut v), Some(Duration::minutes(5)));
    // Invalid input.
    assert_eq!(percentile(&mut [], 50.0), None);
    assert_eq!(median(&mut []), None);
    assert_eq!(percentile(&mut v, -1.0), None);
    assert_eq!(percentile(&mut v, 100.5), None);
    assert_eq!(percentile(&mut v, f64::NAN), None);
    let mut one = minutes(&[42]);
    assert_eq!(median(&mut one), Some(Duration::minutes(42)));
    assert_eq!(percentile(&mut one, 90.0), Some(Duration::minutes(42)));
}

proptest! {
    #[test]
    fn percentile_is_nearest_rank(values in prop::collection::vec(-1_000_000i64..1_000_000, 1..200), p in 0.0f64..=100.0) {
        let mut v: Vec<Duration> = values.iter().map(|s| Duration::seconds(*s)).collect();
        let got = percentile(&mut v, p).unwrap();
        let n = v.len();
        // At least p% of the values are <= the result, and fewer than p% are < it.
        let at_most = v.iter().filter(|x| **x <= got).count() as f64;
        let below = v.iter().filter(|x| **x < got).count() as f64;
        prop_assert!(at_most * 100.0 >= p * n as f64);
        prop_assert!(below * 100.0 < p * n as f64 || below == 0.0);
        prop_assert!(v.contains(&got));
        prop_assert_eq!(median(&mut v), Some(v[n.div_ceil(2) - 1]));
    }
}

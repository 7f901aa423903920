//! The filters every template has: `date`, `datetime` and `digits`, in the message's language.
//!
//! A filter never fails: a value it cannot read is rendered unchanged.

use super::Language;
use crate::calendar::{JalaliDate, to_persian_digits};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use minijinja::{Environment, State, Value};

/// The time zone dates are shown in when the context has no (valid) `tz`.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Tehran;

/// Registers the filters for `language` in `env`.
pub(super) fn register(env: &mut Environment<'_>, language: Language) {
    env.add_filter("date", move |state: &State, value: Value| {
        date(state, &value, language, false)
    });
    env.add_filter("datetime", move |state: &State, value: Value| {
        date(state, &value, language, true)
    });
    env.add_filter("digits", move |value: Value| digits(value, language));
}

/// What a value can be read as.
enum When {
    /// An instant (an RFC 3339 string or a Unix timestamp in seconds).
    Instant(DateTime<Utc>),
    /// A calendar date without a time (`YYYY-MM-DD`).
    Day(NaiveDate),
}

fn read(value: &Value) -> Option<When> {
    if let Some(s) = value.as_str() {
        let s = s.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(s) {
            return Some(When::Instant(at.with_timezone(&Utc)));
        }
        return NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(When::Day);
    }
    if !value.is_number() {
        return None;
    }
    let at = if value.is_integer() {
        DateTime::from_timestamp(value.as_i64()?, 0)
    } else {
        let secs = f64::try_from(value.clone()).ok()?;
        if !secs.is_finite() || secs.abs() > 1e15 {
            return None;
        }
        // In range (checked above): the casts cannot truncate meaningfully.
        let whole = secs.floor();
        let nanos = ((secs - whole) * 1e9) as u32;
        DateTime::from_timestamp(whole as i64, nanos.min(999_999_999))
    };
    at.map(When::Instant)
}

/// The time zone named by the context key `tz`, or [`DEFAULT_TIME_ZONE`].
fn time_zone(state: &State) -> Tz {
    state
        .lookup("tz")
        .and_then(|v| v.as_str().and_then(|s| s.trim().parse::<Tz>().ok()))
        .unwrap_or(DEFAULT_TIME_ZONE)
}

/// `value` as a date (with `hh:mm` when `with_time`) in `language`: Jalali with Persian
/// digits for Persian (`۱۴۰۵/۰۱/۰۱ ۱۱:۳۰`), ISO for English (`2026-03-21 11:30`); the value
/// unchanged when it is not a date. A date without a time is shown without one.
fn date(state: &State, value: &Value, language: Language, with_time: bool) -> Value {
    let Some(when) = read(value) else {
        return value.clone();
    };
    let (day, time) = match when {
        When::Day(day) => (day, None),
        When::Instant(at) => {
            let local = at.with_timezone(&time_zone(state));
            let time = with_time.then(|| local.format("%H:%M").to_string());
            (local.date_naive(), time)
        }
    };
    let day = match language {
        Language::Persian => JalaliDate::from_gregorian(day).to_string(),
        _ => day.format("%Y-%m-%d").to_string(),
    };
    let shown = match time {
        Some(time) => format!("{day} {time}"),
        None => day,
    };
    Value::from(digits_in(&shown, language))
}

/// `value` with Persian digits in Persian; unchanged in English, and for undefined or none.
fn digits(value: Value, language: Language) -> Value {
    if value.is_undefined() || value.is_none() || language != Language::Persian {
        return value;
    }
    Value::from(to_persian_digits(&value.to_string()))
}

fn digits_in(text: &str, language: Language) -> String {
    match language {
        Language::Persian => to_persian_digits(text),
        _ => text.to_owned(),
    }
}

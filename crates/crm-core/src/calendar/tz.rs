//! Turning local wall-clock times into UTC instants.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The UTC instant of the local wall-clock time `local` in `tz`.
///
/// - A time that exists once maps to that instant.
/// - A time that exists twice (clocks turned back) maps to the earlier instant.
/// - A time that does not exist (clocks turned forward over it) maps to the earliest instant
///   whose wall-clock time is at or after `local`: the instant of the transition.
///
/// `None` only when the result falls outside chrono's representable range.
pub(crate) fn earliest_utc(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(at) = tz.from_local_datetime(&local).earliest() {
        return Some(at.with_timezone(&Utc));
    }
    // In a gap. Offsets are well within +-26 hours, so the wall-clock time is before `local` at
    // `lo` and at or after it at `hi`; bisect down to the second of the transition.
    const SPAN: i64 = 26 * 3600;
    let wall = |secs: i64| -> Option<NaiveDateTime> {
        DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&tz).naive_local())
    };
    let guess = local.and_utc().timestamp();
    let mut lo = guess.checked_sub(SPAN)?;
    let mut hi = guess.checked_add(SPAN)?;
    if wall(lo)? >= local || wall(hi)? < local {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if wall(mid)? < local {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .unwrap()
    }

    #[test]
    fn plain_time() {
        let t = earliest_utc(chrono_tz::Asia::Tehran, local(2025, 1, 1, 0, 0)).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-12-31T20:30:00+00:00");
    }

    #[test]
    fn gap_at_midnight_maps_to_transition() {
        // Sao Paulo turned 2018-11-04 00:00 (-03) into 01:00 (-02).
        let tz = chrono_tz::America::Sao_Paulo;
        let t = earliest_utc(tz, local(2018, 11, 4, 0, 0)).unwrap();
        assert_eq!(t.to_rfc3339(), "2018-11-04T03:00:00+00:00");
        let t = earliest_utc(tz, local(2018, 11, 4, 0, 30)).unwrap();
        assert_eq!(t.to_rfc3339(), "2018-11-04T03:00:00+00:00");
        // Tehran (before 2023) turned Farvardin 2 00:00 (+03:30) into 01:00 (+04:30).
        let t = earliest_utc(chrono_tz::Asia::Tehran, local(2022, 3, 22, 0, 0)).unwrap();
        assert_eq!(t.to_rfc3339(), "2022-03-21T20:30:00+00:00");
    }

    #[test]
    fn ambiguous_time_maps_to_earlier() {
        // New York turned 2024-11-03 02:00 (-04) back to 01:00 (-05).
        let tz = chrono_tz::America::New_York;
        let t = earliest_utc(tz, local(2024, 11, 3, 1, 30)).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-11-03T05:30:00+00:00");
    }
}

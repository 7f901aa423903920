//! The stage log of a deal: every change of stage or outcome (from, to, by, at), and the time
//! spent in each stage, in calendar time and in business hours.

use super::lost_reason::LostReason;
use crate::audit::Actor;
use crate::calendar::WorkCalendar;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Where a deal is: at a stage of its pipeline, or won, or lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Open, at the stage with this key.
    Stage(String),
    /// Won.
    Won,
    /// Lost.
    Lost,
}

impl Position {
    /// The stage key, or `won` / `lost`.
    pub fn label(&self) -> &str {
        match self {
            Position::Stage(key) => key,
            Position::Won => "won",
            Position::Lost => "lost",
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One entry of the stage log. The first entry of a deal has no `from` (it was created at
/// `to`); reopening is an entry from `won` or `lost` back to a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// Where the deal was (none for its creation).
    #[serde(default)]
    pub from: Option<Position>,
    /// Where it went.
    pub to: Position,
    /// Who moved it.
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// Why it was lost, for a change to [`Position::Lost`].
    #[serde(default)]
    pub reason: Option<LostReason>,
}

/// Time a deal spent in one stage (or outcome), summed over every visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageTime {
    /// The stage (or outcome).
    pub position: Position,
    /// How many times the deal entered it.
    pub visits: usize,
    /// Wall-clock time spent in it.
    pub calendar: Duration,
    /// Working time of the workspace's calendar spent in it.
    pub business: Duration,
}

/// The position the log ends at, replaying it from the start: `None` for an empty log or one
/// whose entries do not chain (an entry's `from` is not the previous entry's `to`).
pub fn replay(log: &[StageChange]) -> Option<Position> {
    let mut at: Option<&Position> = None;
    for change in log {
        if change.from.as_ref() != at {
            return None;
        }
        at = Some(&change.to);
    }
    at.cloned()
}

/// Time in each position of `log` up to `now` (the last, current one counts until `now`),
/// in order of first entry. Won and lost count too, so a reopened deal shows how long it sat
/// closed.
pub fn time_in_stages(
    log: &[StageChange],
    calendar: &WorkCalendar,
    now: DateTime<Utc>,
) -> Vec<StageTime> {
    let mut times: Vec<StageTime> = Vec::new();
    for (i, change) in log.iter().enumerate() {
        let until = log.get(i + 1).map_or(now, |next| next.at).max(change.at);
        let calendar_time = until - change.at;
        let business = calendar.business_time_between(change.at, until);
        match times.iter_mut().find(|t| t.position == change.to) {
            Some(t) => {
                t.visits += 1;
                t.calendar += calendar_time;
                t.business += business;
            }
            None => times.push(StageTime {
                position: change.to.clone(),
                visits: 1,
                calendar: calendar_time,
                business,
            }),
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn change(from: Option<Position>, to: Position, at: DateTime<Utc>) -> StageChange {
        StageChange {
            from,
            to,
            by: Actor::System("test".into()),
            at,
            reason: None,
        }
    }

    #[test]
    fn time_in_stage_counts_calendar_and_business_hours() {
        let tehran = chrono_tz::Asia::Tehran;
        // Saturday 10:00 Tehran, moved on Sunday 10:00, won on Sunday 12:00.
        let t0 = tehran
            .with_ymd_and_hms(2026, 3, 28, 10, 0, 0)
            .unwrap()
            .to_utc();
        let t1 = tehran
            .with_ymd_and_hms(2026, 3, 29, 10, 0, 0)
            .unwrap()
            .to_utc();
        let t2 = tehran
            .with_ymd_and_hms(2026, 3, 29, 12, 0, 0)
            .unwrap()
            .to_utc();
        let a = Position::Stage("a".into());
        let b = Position::Stage("b".into());
        let log = vec![
            change(None, a.clone(), t0),
            change(Some(a.clone()), b.clone(), t1),
            change(Some(b.clone()), Position::Won, t2),
        ];
        assert_eq!(replay(&log), Some(Position::Won));
        let times = time_in_stages(&log, &WorkCalendar::iran(), t2);
        assert_eq!(times[0].calendar, Duration::hours(24));
        assert_eq!(times[0].business, Duration::hours(8)); // 6 on Saturday, 2 on Sunday
        assert_eq!(times[1].calendar, Duration::hours(2));
        assert_eq!(times[1].business, Duration::hours(2));
        assert_eq!(times[2].position, Position::Won);
    }

    #[test]
    fn a_broken_chain_does_not_replay() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let a = Position::Stage("a".into());
        let log = vec![
            change(None, a.clone(), t),
            change(Some(Position::Won), Position::Lost, t),
        ];
        assert_eq!(replay(&log), None);
        assert_eq!(replay(&[]), None);
    }
}

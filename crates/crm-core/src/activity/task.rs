//! Tasks: a to-do, call or meeting, assigned to a staff member, due on a date or at a time.

use super::recurrence::Recurrence;
use crate::id::{CustomerId, DealId, RequestId, StaffId, TaskId};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What kind of work a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    /// Something to do.
    ToDo,
    /// A call to make.
    Call,
    /// A meeting.
    Meeting,
}

impl TaskKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToDo => "to_do",
            Self::Call => "call",
            Self::Meeting => "meeting",
        }
    }

    /// The kind named `name` (`to_do`, `todo`, `call`, `meeting`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "to_do" | "todo" => Some(Self::ToDo),
            "call" => Some(Self::Call),
            "meeting" => Some(Self::Meeting),
            _ => None,
        }
    }
}

/// How urgent a task is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Low.
    Low,
    /// Normal (the default).
    #[default]
    Normal,
    /// High.
    High,
}

impl Priority {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }

    /// The priority named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "low" => Some(Self::Low),
            "normal" => Some(Self::Normal),
            "high" => Some(Self::High),
            _ => None,
        }
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// To be done.
    Open,
    /// Done.
    Done,
    /// Cancelled.
    Cancelled,
}

impl TaskStatus {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The record a task is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum TaskLink {
    /// A customer.
    Customer(CustomerId),
    /// A deal.
    Deal(DealId),
    /// A request.
    Request(RequestId),
}

impl TaskLink {
    /// A stable rank of the linked kind, as index keys hold it.
    pub fn rank(self) -> u8 {
        match self {
            Self::Customer(_) => 1,
            Self::Deal(_) => 2,
            Self::Request(_) => 3,
        }
    }

    /// The linked record's id.
    pub fn uuid(self) -> uuid::Uuid {
        match self {
            Self::Customer(id) => id.0,
            Self::Deal(id) => id.0,
            Self::Request(id) => id.0,
        }
    }
}

/// When a task is due: a date, or a date and a time of day, in the workspace's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Due {
    /// The local date.
    pub date: NaiveDate,
    /// The local time of day; `None`: some time that day.
    #[serde(default)]
    pub time: Option<NaiveTime>,
}

impl Due {
    /// The hour a task due on a date only counts as due at, for reminders (09:00 local).
    pub const DAY_START_HOUR: u32 = 9;

    /// Due on `date`.
    pub fn on(date: NaiveDate) -> Self {
        Self { date, time: None }
    }

    /// Due on `date` at `time`.
    pub fn at(date: NaiveDate, time: NaiveTime) -> Self {
        Self {
            date,
            time: Some(time),
        }
    }

    /// The instant it is due in time zone `tz`: the time of day, or 09:00 for a date only.
    /// A local time skipped by a daylight-saving change counts from the hour after it.
    pub fn instant(&self, tz: chrono_tz::Tz) -> DateTime<Utc> {
        let time = self.time.unwrap_or_else(|| {
            NaiveTime::from_hms_opt(Self::DAY_START_HOUR, 0, 0).unwrap_or(NaiveTime::MIN)
        });
        let local = self.date.and_time(time);
        match tz.from_local_datetime(&local).earliest() {
            Some(at) => at.with_timezone(&Utc),
            None => {
                let later = local + chrono::Duration::hours(1);
                tz.from_local_datetime(&later)
                    .earliest()
                    .map(|at| at.with_timezone(&Utc))
                    .unwrap_or_else(|| later.and_utc())
            }
        }
    }

    /// Seconds into the day (0 for a date only), as index keys hold it.
    pub fn seconds(&self) -> u64 {
        use chrono::Timelike;
        self.time
            .map_or(0, |t| u64::from(t.num_seconds_from_midnight()) + 1)
    }
}

/// A task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The id.
    pub id: TaskId,
    /// Optimistic version.
    pub version: u64,
    /// To-do, call or meeting.
    pub kind: TaskKind,
    /// What to do.
    pub title: String,
    /// Notes.
    #[serde(default)]
    pub notes: String,
    /// Who does it.
    pub assignee: StaffId,
    /// When it is due, if it is.
    #[serde(default)]
    pub due: Option<Due>,
    /// How urgent.
    #[serde(default)]
    pub priority: Priority,
    /// Open, done or cancelled.
    pub status: TaskStatus,
    /// The customer, deal or request it is about.
    #[serde(default)]
    pub link: Option<TaskLink>,
    /// Staff told of every change.
    #[serde(default)]
    pub followers: BTreeSet<StaffId>,
    /// Reminders: minutes before the due time (each reminds the assignee once per due time).
    #[serde(default)]
    pub reminders: BTreeSet<u32>,
    /// The rule it repeats by (every occurrence of a series carries it).
    #[serde(default)]
    pub recurrence: Option<Recurrence>,
    /// The first task of its series (itself for the first), when recurring.
    #[serde(default)]
    pub series: Option<TaskId>,
    /// The staff member who created it (`None`: the system).
    #[serde(default)]
    pub created_by: Option<StaffId>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// When done or cancelled.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// For a service-recovery follow-up: its unique key ([`Task::recovery_key`]), so one
    /// request gets one follow-up per cause.
    #[serde(default)]
    pub recovery: Option<String>,
}

impl Task {
    /// True while open.
    pub fn is_open(&self) -> bool {
        self.status == TaskStatus::Open
    }

    /// The unique key of the service-recovery follow-up of `request` for `cause`
    /// (`rating`, `breach`).
    pub fn recovery_key(request: RequestId, cause: &str) -> String {
        format!("task:recovery:{request}:{cause}")
    }

    /// Whoever is told of a change: the assignee and the followers.
    pub fn audience(&self) -> BTreeSet<StaffId> {
        let mut to = self.followers.clone();
        to.insert(self.assignee);
        to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_only_due_counts_from_nine_local_and_sorts_before_timed_ones() {
        let tz: chrono_tz::Tz = "Asia/Tehran".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let due = Due::on(date);
        assert_eq!(due.instant(tz).to_rfc3339(), "2026-12-07T05:30:00+00:00");
        let timed = Due::at(date, NaiveTime::from_hms_opt(0, 0, 0).unwrap());
        assert!(due.seconds() < timed.seconds());
        assert_eq!(TaskKind::parse("todo"), Some(TaskKind::ToDo));
        assert_eq!(Priority::parse("urgent"), None);
    }
}

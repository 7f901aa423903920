//! An open task as the workspace's today list shows it: the summary carried at the end of the
//! task's [`super::TASK_OPEN_BY_DUE`] entry, so that everyone's tasks of a day are read from
//! index keys alone ([`crate::Session::tasks_today`]) without fetching whole tasks.

use super::task::{Due, Priority, Task, TaskKind, TaskLink};
use crate::id::{StaffId, TaskId};
use serde::{Deserialize, Serialize};

/// An open task as a list of tasks shows it: what, for whom, when, how urgent, about what.
///
/// Stored in index keys as MessagePack with its fields in this order: never insert, remove or
/// reorder them, and raise the task kind's index version when what they hold changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenTask {
    /// The id.
    pub id: TaskId,
    /// Its version (to change it with an expected version).
    pub version: u64,
    /// To-do, call or meeting.
    pub kind: TaskKind,
    /// What to do.
    pub title: String,
    /// Who does it.
    pub assignee: StaffId,
    /// When it is due, if it is.
    pub due: Option<Due>,
    /// How urgent.
    pub priority: Priority,
    /// The customer, deal or request it is about.
    pub link: Option<TaskLink>,
}

impl OpenTask {
    /// The summary of `task`; `None` when it is done or cancelled.
    pub fn of(task: &Task) -> Option<Self> {
        task.is_open().then(|| Self {
            id: task.id,
            version: task.version,
            kind: task.kind,
            title: task.title.clone(),
            assignee: task.assignee,
            due: task.due,
            priority: task.priority,
            link: task.link,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{OPEN_BY_DUE_SORT_LEN, TASK_OPEN_BY_DUE, TaskStatus};
    use crate::id::CustomerId;
    use crate::record::{Entity, read_summary};
    use crate::sales::day_number;
    use chrono::{DateTime, NaiveDate, NaiveTime};
    use std::collections::BTreeSet;
    use uuid::Uuid;

    fn task() -> Task {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        Task {
            id: TaskId(Uuid::from_u128(1)),
            version: 3,
            kind: TaskKind::Call,
            title: "تماس با سارا".into(),
            notes: "long notes the list never shows".into(),
            assignee: StaffId(Uuid::from_u128(2)),
            due: Some(Due::at(date, NaiveTime::from_hms_opt(9, 30, 0).unwrap())),
            priority: Priority::High,
            status: TaskStatus::Open,
            link: Some(TaskLink::Customer(CustomerId(Uuid::from_u128(3)))),
            followers: BTreeSet::new(),
            reminders: BTreeSet::new(),
            recurrence: None,
            series: None,
            created_by: None,
            created_at: at,
            updated_at: at,
            closed_at: None,
            recovery: None,
        }
    }

    #[test]
    fn the_due_entry_carries_the_summary_and_a_closed_task_has_none() {
        let mut t = task();
        let summary = OpenTask::of(&t).unwrap();
        assert_eq!(summary.title, t.title);
        assert_eq!(summary.due, t.due);
        let entries = t.index_entries();
        let by_due: Vec<_> = entries
            .iter()
            .filter(|e| e.index == TASK_OPEN_BY_DUE)
            .collect();
        assert_eq!(by_due.len(), 1);
        let key = by_due[0].key.as_bytes();
        let due = t.due.unwrap();
        let sort = crate::record::Key::new()
            .i64(day_number(due.date))
            .u64(due.seconds());
        assert_eq!(&key[..OPEN_BY_DUE_SORT_LEN], sort.as_bytes());
        let position = [key, t.id.0.as_bytes()].concat();
        let read: Option<OpenTask> = read_summary(&position, OPEN_BY_DUE_SORT_LEN).unwrap();
        assert_eq!(read, Some(summary));
        t.status = TaskStatus::Done;
        assert_eq!(OpenTask::of(&t), None);
        assert!(
            t.index_entries()
                .iter()
                .all(|e| e.index != TASK_OPEN_BY_DUE)
        );
    }
}

//! Reminders: a task's assignee told a chosen time before the task is due, once per task,
//! offset and due time.

use crate::id::{ReminderId, TaskId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Largest reminder offset: 30 days, in minutes.
pub const MAX_OFFSET_MINUTES: u32 = 30 * 24 * 60;

/// Most reminders a task may have.
pub const MAX_REMINDERS: usize = 5;

/// A reminder planned for one due time of one task.
///
/// Its unique key ([`Reminder::key`]) names the task, the offset and the due time, so a
/// reminder is planned at most once for them, and the commit that queues its message in the
/// outbox also marks it sent: it goes out exactly once, whoever runs the reminder job and
/// however often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The id.
    pub id: ReminderId,
    /// Optimistic version.
    pub version: u64,
    /// The task.
    pub task: TaskId,
    /// Minutes before the due time.
    pub offset_minutes: u32,
    /// The due time it was planned for.
    pub due_at: DateTime<Utc>,
    /// When it goes out: `due_at` minus the offset.
    pub fire_at: DateTime<Utc>,
    /// When its message was queued (`None` while planned).
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
}

impl Reminder {
    /// The unique key of the reminder of `task`, `offset_minutes` before `due_at`.
    pub fn key(task: TaskId, offset_minutes: u32, due_at: DateTime<Utc>) -> String {
        format!(
            "reminder:{task}:{offset_minutes}:{}",
            due_at.timestamp_millis()
        )
    }

    /// True once its message is queued.
    pub fn is_sent(&self) -> bool {
        self.sent_at.is_some()
    }
}

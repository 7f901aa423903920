//! Activities: tasks with followers, due dates, reminders and recurrence; personal occasions
//! and the greetings sent on them.
//!
//! The types are here with the keys they claim; the logic is in [`crate::service`]
//! ([`crate::Session::create_task`], [`crate::Session::complete_task`],
//! [`crate::Session::due_greetings`], [`crate::Session::hand_over`], ...). See
//! `docs/activities.md`.

mod celebrant;
mod fence;
mod greeting;
mod greeting_language;
mod indexes;
mod occasion;
mod open_task;
mod recurrence;
mod reminder;
mod task;

pub use celebrant::Celebrant;
pub use fence::AssignmentFence;
pub use greeting::{Greeting, Succession};
pub use greeting_language::{LANGUAGE_FIELD, greeting_language, own_language, preferred_language};
pub use indexes::{
    CUSTOMER_BY_OCCASION, GREETING_BY_CUSTOMER, OCCASION_SORT_LEN, OPEN_BY_DUE_SORT_LEN,
    REMINDER_BY_TASK, REMINDER_PLANNED, TASK_BY_FOLLOWER, TASK_BY_LINK, TASK_BY_SERIES,
    TASK_OPEN_BY_ASSIGNEE, TASK_OPEN_BY_DUE, calendar_rank, occasion_entries,
};
pub use occasion::{falls_on_date, keys_on, occasion_year};
pub use open_task::OpenTask;
pub use recurrence::{Frequency, MAX_INTERVAL, Recurrence, gregorian_days_in_month};
pub use reminder::{MAX_OFFSET_MINUTES, MAX_REMINDERS, Reminder};
pub use task::{Due, Priority, Task, TaskKind, TaskLink, TaskStatus};

//! How activities are stored: their kinds (tags 40 to 44), unique keys and indexes (tags 90
//! to 98).

use super::{AssignmentFence, Celebrant, Greeting, OpenTask, Reminder, Succession, Task};
use crate::customer::{Customer, OccasionCalendar};
use crate::record::{
    Column, ColumnType as T, Entity, Index, IndexEntry, Key, KindSpec, RecordKind, Table,
    with_summary,
};
use crate::sales::day_number;
use uuid::Uuid;

// Index version 2: the `TASK_OPEN_BY_DUE` key ends with the task's id and its `OpenTask`
// summary.
static TASK: KindSpec = KindSpec::of::<Task>("task", 40, 2, Some(&TASK_TABLE));
static REMINDER: KindSpec = KindSpec::of::<Reminder>("reminder", 41, 1, Some(&REMINDER_TABLE));
static GREETING: KindSpec = KindSpec::of::<Greeting>("greeting", 42, 1, Some(&GREETING_TABLE));
static SUCCESSION: KindSpec =
    KindSpec::of::<Succession>("succession", 43, 1, Some(&SUCCESSION_TABLE));
static ASSIGNMENT_FENCE: KindSpec =
    KindSpec::of::<AssignmentFence>("assignment_fence", 44, 1, Some(&ASSIGNMENT_FENCE_TABLE));

static TASK_TABLE: Table = Table {
    name: "tasks",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("kind", T::Text, &["kind"]),
        Column::new("title", T::Text, &["title"]),
        Column::new("notes", T::Text, &["notes"]),
        Column::new("assignee_id", T::Uuid, &["assignee"]),
        Column::new("due", T::Json, &["due"]),
        Column::new("priority", T::Text, &["priority"]),
        Column::new("status", T::Text, &["status"]),
        Column::new("link", T::Json, &["link"]),
        Column::new("followers", T::UuidArray, &["followers"]),
        Column::new("reminders", T::Json, &["reminders"]),
        Column::new("recurrence", T::Json, &["recurrence"]),
        Column::new("series_id", T::Uuid, &["series"]),
        Column::new("created_by", T::Uuid, &["created_by"]),
        Column::new("created_at", T::Timestamp, &["created_at"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
        Column::new("closed_at", T::Timestamp, &["closed_at"]),
        Column::new("recovery", T::Text, &["recovery"]),
    ],
    children: &[],
};

static REMINDER_TABLE: Table = Table {
    name: "reminders",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("task_id", T::Uuid, &["task"]),
        Column::new("offset_minutes", T::BigInt, &["offset_minutes"]),
        Column::new("due_at", T::Timestamp, &["due_at"]),
        Column::new("fire_at", T::Timestamp, &["fire_at"]),
        Column::new("sent_at", T::Timestamp, &["sent_at"]),
    ],
    children: &[],
};

static GREETING_TABLE: Table = Table {
    name: "greetings",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("customer_id", T::Uuid, &["customer"]),
        Column::new("occasion", T::Text, &["occasion"]),
        Column::new("calendar", T::Text, &["calendar"]),
        Column::new("year", T::BigInt, &["year"]),
        Column::new("date", T::Date, &["date"]),
        Column::new("message_id", T::Uuid, &["message"]),
        Column::new("at", T::Timestamp, &["at"]),
    ],
    children: &[],
};

static SUCCESSION_TABLE: Table = Table {
    name: "successions",
    columns: &[
        Column::new("leaver_id", T::Uuid, &["leaver"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("successor_id", T::Uuid, &["successor"]),
        Column::new("at", T::Timestamp, &["at"]),
    ],
    children: &[],
};

static ASSIGNMENT_FENCE_TABLE: Table = Table {
    name: "assignment_fences",
    columns: &[
        Column::new("staff_id", T::Uuid, &["staff"]),
        Column::new("version", T::BigInt, &["version"]),
    ],
    children: &[],
};

/// Open tasks by assignee, due day ([`day_number`], `i64::MAX` when not due), due second
/// ([`super::Due::seconds`]): one person's open tasks by due date.
pub const TASK_OPEN_BY_ASSIGNEE: Index = Index::new(Task::KIND, 90, "task_open_by_assignee");
/// Open tasks with a due date, by due day and second: the workspace's today and overdue. The
/// key ends with the task's id and its [`OpenTask`] summary (see
/// [`read_summary`](crate::record::read_summary), [`OPEN_BY_DUE_SORT_LEN`]).
pub const TASK_OPEN_BY_DUE: Index = Index::new(Task::KIND, 91, "task_open_by_due");
/// Tasks by linked record (kind rank, id), creation time.
pub const TASK_BY_LINK: Index = Index::new(Task::KIND, 92, "task_by_link");
/// Tasks by follower, creation time.
pub const TASK_BY_FOLLOWER: Index = Index::new(Task::KIND, 93, "task_by_follower");
/// Tasks of a recurring series by series id, due day.
pub const TASK_BY_SERIES: Index = Index::new(Task::KIND, 94, "task_by_series");
/// Reminders not yet sent, by the time they go out.
pub const REMINDER_PLANNED: Index = Index::new(Reminder::KIND, 95, "reminder_planned");
/// Reminders by task.
pub const REMINDER_BY_TASK: Index = Index::new(Reminder::KIND, 96, "reminder_by_task");
/// Live customers by each occasion's calendar ([`calendar_rank`]), month and day. The key
/// ends with the customer's id and its [`Celebrant`] summary for that date (see
/// [`read_summary`](crate::record::read_summary), [`OCCASION_SORT_LEN`]).
pub const CUSTOMER_BY_OCCASION: Index = Index::new(Customer::KIND, 97, "customer_by_occasion");
/// Greetings by customer, time.
pub const GREETING_BY_CUSTOMER: Index = Index::new(Greeting::KIND, 98, "greeting_by_customer");

/// Bytes of the sort parts of a [`TASK_OPEN_BY_DUE`] key (due day, due second), before the
/// task's id and summary.
pub const OPEN_BY_DUE_SORT_LEN: usize = 8 + 8;

/// Bytes of the sort parts of a [`CUSTOMER_BY_OCCASION`] key (calendar rank, month, day),
/// before the customer's id and summary.
pub const OCCASION_SORT_LEN: usize = 3;

/// The rank of a calendar in [`CUSTOMER_BY_OCCASION`]: 0 Gregorian, 1 Jalali.
pub fn calendar_rank(calendar: OccasionCalendar) -> u8 {
    match calendar {
        OccasionCalendar::Gregorian => 0,
        OccasionCalendar::Jalali => 1,
    }
}

/// The [`CUSTOMER_BY_OCCASION`] entries of a live customer: one per distinct valid occasion
/// date, each ending with the customer's id and its [`Celebrant`] for that date (left out
/// when over [`crate::record::MAX_SUMMARY`] bytes).
pub fn occasion_entries(customer: &Customer) -> Vec<IndexEntry> {
    let mut keys: Vec<(u8, OccasionCalendar, u8, u8)> = customer
        .occasions
        .iter()
        .filter(|o| o.is_valid())
        .map(|o| (calendar_rank(o.calendar), o.calendar, o.month, o.day))
        .collect();
    keys.sort_unstable_by_key(|&(rank, _, m, d)| (rank, m, d));
    keys.dedup_by_key(|&mut (rank, _, m, d)| (rank, m, d));
    keys.into_iter()
        .map(|(rank, calendar, m, d)| {
            let summary = Celebrant::of(customer, (calendar, m, d));
            let sort = Key::new().u8(rank).u8(m).u8(d);
            CUSTOMER_BY_OCCASION.entry(with_summary(sort, customer.id.0, Some(&summary)))
        })
        .collect()
}

impl Entity for Task {
    const KIND: RecordKind = RecordKind::of(&TASK);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// Its service-recovery key, if it is a follow-up.
    fn unique_keys(&self) -> Vec<String> {
        self.recovery.iter().cloned().collect()
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = Vec::new();
        if self.is_open() {
            let (day, second) = self
                .due
                .map_or((i64::MAX, 0), |d| (day_number(d.date), d.seconds()));
            entries.push(
                TASK_OPEN_BY_ASSIGNEE.entry(Key::new().id(self.assignee.0).i64(day).u64(second)),
            );
            if self.due.is_some() {
                let by_due = Key::new().i64(day).u64(second);
                let summary = OpenTask::of(self);
                entries.push(TASK_OPEN_BY_DUE.entry(with_summary(
                    by_due,
                    self.id.0,
                    summary.as_ref(),
                )));
            }
        }
        if let Some(link) = self.link {
            entries.push(
                TASK_BY_LINK.entry(
                    Key::new()
                        .u8(link.rank())
                        .id(link.uuid())
                        .time(self.created_at),
                ),
            );
        }
        entries.extend(
            self.followers
                .iter()
                .map(|f| TASK_BY_FOLLOWER.entry(Key::new().id(f.0).time(self.created_at))),
        );
        if let Some(series) = self.series {
            let day = self.due.map_or(i64::MAX, |d| day_number(d.date));
            entries.push(TASK_BY_SERIES.entry(Key::new().id(series.0).i64(day)));
        }
        entries
    }
}

impl Entity for Reminder {
    const KIND: RecordKind = RecordKind::of(&REMINDER);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// [`Reminder::key`].
    fn unique_keys(&self) -> Vec<String> {
        vec![Reminder::key(self.task, self.offset_minutes, self.due_at)]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = vec![REMINDER_BY_TASK.entry(Key::new().id(self.task.0))];
        if !self.is_sent() {
            entries.push(REMINDER_PLANNED.entry(Key::new().time(self.fire_at)));
        }
        entries
    }
}

impl Entity for Greeting {
    const KIND: RecordKind = RecordKind::of(&GREETING);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// [`Greeting::key`].
    fn unique_keys(&self) -> Vec<String> {
        vec![Greeting::key(
            self.customer,
            &self.occasion,
            self.calendar,
            self.year,
        )]
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![GREETING_BY_CUSTOMER.entry(Key::new().id(self.customer.0).time(self.at))]
    }
}

impl Entity for Succession {
    const KIND: RecordKind = RecordKind::of(&SUCCESSION);

    fn id(&self) -> Uuid {
        self.leaver.0
    }

    fn version(&self) -> u64 {
        self.version
    }
}

impl Entity for AssignmentFence {
    const KIND: RecordKind = RecordKind::of(&ASSIGNMENT_FENCE);

    fn id(&self) -> Uuid {
        self.staff.0
    }

    fn version(&self) -> u64 {
        self.version
    }
}

//! Tasks: creating, changing (one occurrence or the whole series), completing, cancelling and
//! following them, and the views: my open tasks, today's and the overdue ones, the tasks of a
//! record, the tasks I follow. The assignee and the followers are told of every change,
//! except the one who made it.
//!
//! Who may change a task: its assignee, its creator, a manager of the assignee's department,
//! an administrator, and the system. Anyone who works tasks may create one for any active
//! colleague and follow any task.

use super::Session;
use super::summaries::SUMMARY_BATCH;
use crate::access::{Permission, Principal};
use crate::activity::{
    Due, MAX_OFFSET_MINUTES, MAX_REMINDERS, OPEN_BY_DUE_SORT_LEN, OpenTask, Priority,
    REMINDER_BY_TASK, Recurrence, Reminder, TASK_BY_FOLLOWER, TASK_BY_LINK, TASK_BY_SERIES,
    TASK_OPEN_BY_ASSIGNEE, TASK_OPEN_BY_DUE, Task, TaskKind, TaskLink, TaskStatus,
};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::{ReminderId, StaffId, TaskId};
use crate::limits::{self, MAX_FIELD_TEXT, MAX_NAME};
use crate::outbox::Recipient;
use crate::record::{Key, RecordKind, RecordRef};
use crate::sales::day_number;
use crate::staff::{Role, Staff};
use crate::store::{Commit, Page, PageRequest, Scan, StoreExt};
use std::collections::BTreeSet;

/// Most followers a task may have.
pub const MAX_TASK_FOLLOWERS: usize = 50;

/// A task to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// To-do, call or meeting.
    pub kind: TaskKind,
    /// What to do.
    pub title: String,
    /// Notes.
    pub notes: String,
    /// Who does it (default: the acting staff member).
    pub assignee: Option<StaffId>,
    /// When it is due.
    pub due: Option<Due>,
    /// How urgent.
    pub priority: Priority,
    /// The customer, deal or request it is about.
    pub link: Option<TaskLink>,
    /// Staff to tell of every change.
    pub followers: BTreeSet<StaffId>,
    /// Reminders, in minutes before the due time.
    pub reminders: BTreeSet<u32>,
    /// The rule it repeats by (needs a due date: the first occurrence).
    pub recurrence: Option<Recurrence>,
}

impl NewTask {
    /// A task of `kind` titled `title`, for the acting staff member, not due.
    pub fn new(kind: TaskKind, title: &str) -> Self {
        Self {
            kind,
            title: title.to_owned(),
            notes: String::new(),
            assignee: None,
            due: None,
            priority: Priority::Normal,
            link: None,
            followers: BTreeSet::new(),
            reminders: BTreeSet::new(),
            recurrence: None,
        }
    }
}

/// Changes to a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskChanges {
    /// A new title.
    pub title: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// A new assignee (an active staff member).
    pub assignee: Option<StaffId>,
    /// A new due time (`Some(None)` clears it). Moving it plans the reminders again.
    pub due: Option<Option<Due>>,
    /// A new priority.
    pub priority: Option<Priority>,
    /// New reminders.
    pub reminders: Option<BTreeSet<u32>>,
    /// A new rule (`Some(None)` ends the recurrence); only with [`EditScope::Series`].
    pub recurrence: Option<Option<Recurrence>>,
}

/// What an edit of a recurring task applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EditScope {
    /// This occurrence only.
    #[default]
    Occurrence,
    /// Every open occurrence of the series (the due time moves this one only).
    Series,
}

/// A completed task and, for a recurring one, its next occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDone {
    /// The task, done.
    pub task: Task,
    /// The next occurrence, created open in the same commit.
    pub next: Option<Task>,
}

/// Today's open tasks and the overdue ones, in the workspace's time zone, as summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct TodayTasks {
    /// The local date taken as today.
    pub today: chrono::NaiveDate,
    /// Open tasks due before today, oldest first.
    pub overdue: Vec<OpenTask>,
    /// Open tasks due today, by time (those due on the date only first).
    pub due_today: Vec<OpenTask>,
    /// Whether more overdue tasks exist than `overdue` holds.
    pub more_overdue: bool,
}

pub(super) fn task_ref(id: TaskId) -> RecordRef {
    RecordRef {
        kind: RecordKind::TASK,
        id: id.0,
    }
}

fn check_task_version(t: &Task, version: u64) -> Result<()> {
    if t.version == version {
        Ok(())
    } else {
        Err(Error::Conflict(crate::Conflict::StaleVersion {
            kind: RecordKind::TASK,
            id: t.id.0,
            expected: version,
            found: t.version,
        }))
    }
}

fn check_reminders(reminders: &BTreeSet<u32>) -> Result<()> {
    limits::count("reminders", reminders.len(), MAX_REMINDERS)?;
    if reminders.iter().any(|m| *m > MAX_OFFSET_MINUTES) {
        return Err(Error::invalid(
            "reminders",
            format!("at most {MAX_OFFSET_MINUTES} minutes before"),
        ));
    }
    Ok(())
}

impl Session {
    /// Creates a task, planning its reminders and telling its assignee and followers, in one
    /// commit.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty or long title, long notes, an unknown or inactive
    /// assignee or follower, a linked record that does not exist, bad reminders or a bad
    /// rule (or a rule without a due date); [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_task", record = tracing::field::Empty))]
    pub async fn create_task(&self, new: NewTask) -> Result<Task> {
        self.check(Permission::WorkTasks, None)?;
        limits::required("title", &new.title, MAX_NAME)?;
        limits::text("notes", &new.notes, MAX_FIELD_TEXT)?;
        limits::count("followers", new.followers.len(), MAX_TASK_FOLLOWERS)?;
        check_reminders(&new.reminders)?;
        if let Some(rule) = &new.recurrence {
            rule.validate()?;
            if new.due.is_none() {
                return Err(Error::invalid(
                    "recurrence",
                    "a recurring task needs a due date (its first occurrence)",
                ));
            }
        }
        let assignee = match new.assignee.or(self.principal.staff_id()) {
            Some(id) => self.active_staff(id).await?.id,
            None => return Err(Error::invalid("assignee", "required for the system")),
        };
        for f in &new.followers {
            self.active_staff(*f)
                .await
                .map_err(|_| Error::invalid("followers", format!("no active staff member {f}")))?;
        }
        if let Some(link) = new.link {
            self.check_link(link).await?;
        }
        let now = self.now();
        let id = TaskId(self.new_id());
        let task = Task {
            id,
            version: 1,
            kind: new.kind,
            title: new.title.trim().to_owned(),
            notes: new.notes,
            assignee,
            due: new.due,
            priority: new.priority,
            status: TaskStatus::Open,
            link: new.link,
            followers: new.followers,
            reminders: new.reminders,
            series: new.recurrence.as_ref().map(|_| id),
            recurrence: new.recurrence,
            created_by: self.principal.staff_id(),
            created_at: now,
            updated_at: now,
            closed_at: None,
            recovery: None,
        };
        let mut commit = Commit::new();
        self.fence_assignment(&mut commit, assignee).await?;
        commit.put(task.clone());
        self.plan_reminders(&mut commit, &task).await?;
        self.audit(&mut commit, AuditAction::Created, task_ref(id), &task.title);
        self.notify_task(&mut commit, &task, "task.changed", "created")
            .await;
        self.commit(commit).await?;
        Ok(task)
    }

    /// The task `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "task", record = %id))]
    pub async fn task(&self, id: TaskId) -> Result<Task> {
        self.check(Permission::WorkTasks, None)?;
        self.store().fetch::<Task>(self.ws, id.0).await
    }

    /// Changes a task (or, with [`EditScope::Series`], every open occurrence of its series),
    /// re-planning reminders when the due time moves, in one commit.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it changed since `version`; [`Error::Invalid`] for bad
    /// values, a closed task, a rule change without [`EditScope::Series`];
    /// [`Error::Unauthorized`] when the actor may not change it.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "update_task", record = %id))]
    pub async fn update_task(
        &self,
        id: TaskId,
        version: u64,
        changes: TaskChanges,
        scope: EditScope,
    ) -> Result<Task> {
        self.check(Permission::WorkTasks, None)?;
        let mut task = self.store().fetch::<Task>(self.ws, id.0).await?;
        check_task_version(&task, version)?;
        self.may_change_task(&task).await?;
        require_open(&task)?;
        if let Some(title) = &changes.title {
            limits::required("title", title, MAX_NAME)?;
        }
        if let Some(notes) = &changes.notes {
            limits::text("notes", notes, MAX_FIELD_TEXT)?;
        }
        if let Some(reminders) = &changes.reminders {
            check_reminders(reminders)?;
        }
        if let Some(Some(rule)) = &changes.recurrence {
            rule.validate()?;
        }
        if changes.recurrence.is_some() && scope != EditScope::Series {
            return Err(Error::invalid(
                "recurrence",
                "a rule is changed for the whole series",
            ));
        }
        let assignee = match changes.assignee {
            Some(a) => Some(self.active_staff(a).await?.id),
            None => None,
        };
        let mut others = Vec::new();
        if scope == EditScope::Series
            && let Some(series) = task.series
        {
            let scan = Scan::index(TASK_BY_SERIES).prefix(&Key::new().id(series.0));
            others = self
                .collect::<Task>(scan)
                .await?
                .into_iter()
                .filter(|t| t.id != task.id && t.is_open())
                .collect();
        }
        let now = self.now();
        let apply = |t: &mut Task, this: bool| {
            if let Some(title) = &changes.title {
                t.title = title.trim().to_owned();
            }
            if let Some(notes) = &changes.notes {
                t.notes = notes.clone();
            }
            if let Some(a) = assignee {
                t.assignee = a;
            }
            if let Some(p) = changes.priority {
                t.priority = p;
            }
            if let Some(r) = &changes.reminders {
                t.reminders = r.clone();
            }
            if let Some(rule) = &changes.recurrence {
                t.recurrence = rule.clone();
                t.series = match rule {
                    Some(_) => t.series.or(Some(t.id)),
                    None => t.series,
                };
            }
            if this && let Some(due) = changes.due {
                t.due = due;
            }
            t.version += 1;
            t.updated_at = now;
        };
        apply(&mut task, true);
        if task.recurrence.is_some() && task.due.is_none() {
            return Err(Error::invalid("due", "a recurring task needs a due date"));
        }
        let mut commit = Commit::new();
        if let Some(a) = assignee {
            self.fence_assignment(&mut commit, a).await?;
        }
        let mut changed = vec![task.clone()];
        for mut other in others {
            apply(&mut other, false);
            changed.push(other);
        }
        for t in &changed {
            commit.put(t.clone());
            self.plan_reminders(&mut commit, t).await?;
            self.audit(
                &mut commit,
                AuditAction::Updated,
                task_ref(t.id),
                if scope == EditScope::Series {
                    "series"
                } else {
                    "occurrence"
                },
            );
        }
        self.notify_task(&mut commit, &task, "task.changed", "updated")
            .await;
        self.commit(commit).await?;
        Ok(task)
    }

    /// Marks a task done; for a recurring one, creates its next occurrence (due on the rule's
    /// next date, at the same time of day) in the same commit.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it changed since `version`; [`Error::Invalid`] when it is
    /// not open; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "complete_task", record = %id))]
    pub async fn complete_task(&self, id: TaskId, version: u64) -> Result<TaskDone> {
        let mut task = self.close_task_checked(id, version).await?;
        let now = self.now();
        task.status = TaskStatus::Done;
        task.closed_at = Some(now);
        let next = match (&task.recurrence, task.due) {
            (Some(rule), Some(due)) => {
                let anchor = self.series_anchor(&task).await?;
                rule.next_after(anchor, due.date).map(|date| {
                    let mut next = task.clone();
                    next.id = TaskId(self.new_id());
                    next.version = 1;
                    next.status = TaskStatus::Open;
                    next.closed_at = None;
                    next.due = Some(Due {
                        date,
                        time: due.time,
                    });
                    next.created_at = now;
                    next.updated_at = now;
                    next.recovery = None;
                    next
                })
            }
            _ => None,
        };
        let mut commit = Commit::new();
        commit.put(task.clone());
        self.plan_reminders(&mut commit, &task).await?;
        self.audit(&mut commit, AuditAction::Closed, task_ref(id), "done");
        if let Some(next) = &next {
            self.fence_assignment(&mut commit, next.assignee).await?;
            commit.put(next.clone());
            self.plan_reminders(&mut commit, next).await?;
            self.audit(
                &mut commit,
                AuditAction::Created,
                task_ref(next.id),
                &format!("next occurrence of {id}"),
            );
        }
        self.notify_task(&mut commit, &task, "task.changed", "done")
            .await;
        self.commit(commit).await?;
        Ok(TaskDone { task, next })
    }

    /// Cancels a task, or with [`EditScope::Series`] every open occurrence of its series
    /// (the series ends).
    ///
    /// # Errors
    /// As [`Session::complete_task`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "cancel_task", record = %id))]
    pub async fn cancel_task(&self, id: TaskId, version: u64, scope: EditScope) -> Result<Task> {
        let mut task = self.close_task_checked(id, version).await?;
        let now = self.now();
        let mut closing = vec![];
        if scope == EditScope::Series
            && let Some(series) = task.series
        {
            let scan = Scan::index(TASK_BY_SERIES).prefix(&Key::new().id(series.0));
            closing = self
                .collect::<Task>(scan)
                .await?
                .into_iter()
                .filter(|t| t.id != id && t.is_open())
                .collect();
        }
        task.status = TaskStatus::Cancelled;
        task.closed_at = Some(now);
        let mut commit = Commit::new();
        for mut t in closing.into_iter().chain(std::iter::once(task.clone())) {
            if t.id != id {
                t.status = TaskStatus::Cancelled;
                t.closed_at = Some(now);
                t.version += 1;
                t.updated_at = now;
            }
            commit.put(t.clone());
            self.plan_reminders(&mut commit, &t).await?;
            self.audit(
                &mut commit,
                AuditAction::Closed,
                task_ref(t.id),
                "cancelled",
            );
        }
        self.notify_task(&mut commit, &task, "task.changed", "cancelled")
            .await;
        self.commit(commit).await?;
        Ok(task)
    }

    /// Follows (or stops following) a task. Anyone who works tasks follows or leaves one
    /// themselves; adding someone else takes the right to change the task.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it changed since `version`; [`Error::Invalid`] for an
    /// unknown or inactive staff member or too many followers; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "follow_task", record = %id))]
    pub async fn follow_task(
        &self,
        id: TaskId,
        version: u64,
        staff: StaffId,
        follow: bool,
    ) -> Result<Task> {
        self.check(Permission::WorkTasks, None)?;
        let mut task = self.store().fetch::<Task>(self.ws, id.0).await?;
        check_task_version(&task, version)?;
        if Some(staff) != self.principal.staff_id() {
            self.may_change_task(&task).await?;
        }
        if follow {
            self.active_staff(staff).await?;
            task.followers.insert(staff);
            limits::count("followers", task.followers.len(), MAX_TASK_FOLLOWERS)?;
        } else {
            task.followers.remove(&staff);
        }
        task.version += 1;
        task.updated_at = self.now();
        let mut commit = Commit::new();
        commit.put(task.clone());
        self.audit(
            &mut commit,
            AuditAction::FollowersChanged,
            task_ref(id),
            &format!("{} {staff}", if follow { "+" } else { "-" }),
        );
        self.commit(commit).await?;
        Ok(task)
    }

    /// A staff member's open tasks by due date (those without one last): one's own, a
    /// department member's (managers), anyone's (administrators).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "open_tasks", record = tracing::field::Empty))]
    pub async fn open_tasks(&self, staff: StaffId, page: &PageRequest) -> Result<Page<Task>> {
        self.check(Permission::WorkTasks, None)?;
        self.may_see_tasks_of(staff).await?;
        let scan = Scan::index(TASK_OPEN_BY_ASSIGNEE).prefix(&Key::new().id(staff.0));
        self.store().page(self.ws, scan, page).await
    }

    /// Today's open tasks and up to `limit` overdue ones, in the workspace's time zone: of
    /// `staff` (see [`Session::open_tasks`] for whose), or of everyone when `None`
    /// (managers and administrators). Everyone's are read from the [`OpenTask`] summaries in
    /// the keys of [`TASK_OPEN_BY_DUE`], without fetching the tasks.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Corrupted`] for an entry that does not decode; store
    /// errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "tasks_today", record = tracing::field::Empty))]
    pub async fn tasks_today(&self, staff: Option<StaffId>, limit: usize) -> Result<TodayTasks> {
        self.check(Permission::WorkTasks, None)?;
        let today = self.now().with_timezone(&self.tz).date_naive();
        let day = day_number(today);
        let limit = limit.clamp(1, crate::store::MAX_PAGE);
        let prefix = match staff {
            Some(s) => {
                self.may_see_tasks_of(s).await?;
                Key::new().id(s.0)
            }
            None => {
                if !self.is_manager_or_admin() {
                    return Err(Error::unauthorized(
                        "only managers and administrators see everyone's tasks",
                    ));
                }
                Key::new()
            }
        };
        if staff.is_some() {
            let overdue_scan = Scan::index(TASK_OPEN_BY_ASSIGNEE)
                .from(&prefix)
                .until(&prefix.clone().i64(day))
                .limit(limit);
            let overdue = self
                .store()
                .page::<Task>(self.ws, overdue_scan, &PageRequest::first(limit))
                .await?;
            let today_scan = Scan::index(TASK_OPEN_BY_ASSIGNEE).prefix(&prefix.i64(day));
            let due_today = self.collect::<Task>(today_scan).await?;
            return Ok(TodayTasks {
                today,
                more_overdue: overdue.next.is_some(),
                overdue: overdue.items.iter().filter_map(OpenTask::of).collect(),
                due_today: due_today.iter().filter_map(OpenTask::of).collect(),
            });
        }
        // Everyone's: the summaries in the `TASK_OPEN_BY_DUE` keys, no task fetched.
        let overdue_scan = Scan::index(TASK_OPEN_BY_DUE)
            .until(&Key::new().i64(day))
            .keys_only()
            .limit(limit + 1);
        let mut overdue = self.open_task_summaries(overdue_scan, false).await?;
        let more_overdue = overdue.len() > limit;
        overdue.truncate(limit);
        let today_scan = Scan::index(TASK_OPEN_BY_DUE)
            .prefix(&Key::new().i64(day))
            .keys_only()
            .limit(SUMMARY_BATCH);
        let due_today = self.open_task_summaries(today_scan, true).await?;
        Ok(TodayTasks {
            today,
            more_overdue,
            overdue,
            due_today,
        })
    }

    /// The [`OpenTask`] summaries of the [`TASK_OPEN_BY_DUE`] entries `scan` (keys only)
    /// reads, each task whose summary was left out fetched (and skipped if no longer open);
    /// with `all`, batch after batch to the end of its range.
    async fn open_task_summaries(&self, scan: Scan, all: bool) -> Result<Vec<OpenTask>> {
        self.summaries(scan, OPEN_BY_DUE_SORT_LEN, all, |id| async move {
            let task = self.store().load::<Task>(self.ws, id).await?;
            Ok(task.as_ref().and_then(OpenTask::of))
        })
        .await
    }

    /// The tasks of a customer, deal or request, newest first.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "tasks_of", record = tracing::field::Empty))]
    pub async fn tasks_of(&self, link: TaskLink, page: &PageRequest) -> Result<Page<Task>> {
        self.check(Permission::WorkTasks, None)?;
        let scan = Scan::index(TASK_BY_LINK)
            .prefix(&Key::new().u8(link.rank()).id(link.uuid()))
            .reverse();
        self.store().page(self.ws, scan, page).await
    }

    /// The tasks `staff` follows, newest first (one's own; managers and administrators:
    /// anyone's).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "followed_tasks", record = tracing::field::Empty))]
    pub async fn followed_tasks(&self, staff: StaffId, page: &PageRequest) -> Result<Page<Task>> {
        self.check(Permission::WorkTasks, None)?;
        self.may_see_tasks_of(staff).await?;
        let scan = Scan::index(TASK_BY_FOLLOWER)
            .prefix(&Key::new().id(staff.0))
            .reverse();
        self.store().page(self.ws, scan, page).await
    }

    /// Loads an open task for closing and checks version and rights; returns it with its
    /// version raised.
    async fn close_task_checked(&self, id: TaskId, version: u64) -> Result<Task> {
        self.check(Permission::WorkTasks, None)?;
        let mut task = self.store().fetch::<Task>(self.ws, id.0).await?;
        check_task_version(&task, version)?;
        self.may_change_task(&task).await?;
        require_open(&task)?;
        task.version += 1;
        task.updated_at = self.now();
        Ok(task)
    }

    /// The due date of the first occurrence of a task's series (the rule's anchor).
    async fn series_anchor(&self, task: &Task) -> Result<chrono::NaiveDate> {
        let fallback = task.due.map(|d| d.date).unwrap_or_default();
        let Some(series) = task.series else {
            return Ok(fallback);
        };
        if series == task.id {
            return Ok(fallback);
        }
        Ok(match self.store().load::<Task>(self.ws, series.0).await? {
            Some(first) => first.due.map_or(fallback, |d| d.date),
            None => fallback,
        })
    }

    fn is_manager_or_admin(&self) -> bool {
        match &self.principal {
            Principal::Staff(s) => s.has_role(Role::Admin) || s.has_role(Role::Manager),
            Principal::System(_) => true,
        }
    }

    /// Whether the actor may change `task`: the assignee, the creator, a manager of the
    /// assignee's department, an administrator, the system.
    async fn may_change_task(&self, task: &Task) -> Result<()> {
        let me = match &self.principal {
            Principal::System(_) => return Ok(()),
            Principal::Staff(s) => s,
        };
        if me.has_role(Role::Admin) || me.id == task.assignee || task.created_by == Some(me.id) {
            return Ok(());
        }
        if me.has_role(Role::Manager) && me.department.is_some() {
            let assignee = self.store().load::<Staff>(self.ws, task.assignee.0).await?;
            if assignee.is_some_and(|a| a.department == me.department) {
                return Ok(());
            }
        }
        Err(Error::unauthorized(
            "the task is neither yours nor your department's",
        ))
    }

    /// Whether the actor may see the task lists of `staff`.
    async fn may_see_tasks_of(&self, staff: StaffId) -> Result<()> {
        let me = match &self.principal {
            Principal::System(_) => return Ok(()),
            Principal::Staff(s) => s,
        };
        if me.id == staff || me.has_role(Role::Admin) {
            return Ok(());
        }
        if me.has_role(Role::Manager) && me.department.is_some() {
            let other = self.store().load::<Staff>(self.ws, staff.0).await?;
            if other.is_some_and(|o| o.department == me.department) {
                return Ok(());
            }
        }
        Err(Error::unauthorized(
            "another person's tasks are for their manager",
        ))
    }

    /// Checks that a task's linked record exists.
    async fn check_link(&self, link: TaskLink) -> Result<()> {
        let exists = match link {
            TaskLink::Customer(id) => self
                .store()
                .load::<crate::customer::Customer>(self.ws, id.0)
                .await?
                .is_some(),
            TaskLink::Deal(id) => self
                .store()
                .load::<crate::sales::Deal>(self.ws, id.0)
                .await?
                .is_some(),
            TaskLink::Request(id) => self
                .store()
                .load::<crate::request::Request>(self.ws, id.0)
                .await?
                .is_some(),
        };
        if exists {
            Ok(())
        } else {
            Err(Error::invalid("link", "no such record"))
        }
    }

    /// Brings a task's planned reminders in line with its due time and offsets: unsent ones
    /// no longer wanted are removed, missing ones added (a sent one is never planned again
    /// for the same due time: its unique key is held). A closed task keeps none planned.
    pub(super) async fn plan_reminders(&self, commit: &mut Commit, task: &Task) -> Result<()> {
        let now = self.now();
        let due_at = task.due.map(|d| d.instant(self.tz));
        let wanted: BTreeSet<(u32, chrono::DateTime<chrono::Utc>)> = match due_at {
            Some(at) if task.is_open() && at > now => {
                task.reminders.iter().map(|m| (*m, at)).collect()
            }
            _ => BTreeSet::new(),
        };
        let scan = Scan::index(REMINDER_BY_TASK).prefix(&Key::new().id(task.id.0));
        let existing = if task.version == 1 {
            Vec::new()
        } else {
            self.collect::<Reminder>(scan).await?
        };
        for r in &existing {
            if !r.is_sent() && !wanted.contains(&(r.offset_minutes, r.due_at)) {
                commit.delete_of::<Reminder>(r.id.0, r.version);
            }
        }
        for (offset, at) in wanted {
            if existing
                .iter()
                .any(|r| r.offset_minutes == offset && r.due_at == at)
            {
                continue;
            }
            commit.put(Reminder {
                id: ReminderId(self.new_id()),
                version: 1,
                task: task.id,
                offset_minutes: offset,
                due_at: at,
                fire_at: at - chrono::Duration::minutes(i64::from(offset)),
                sent_at: None,
            });
        }
        Ok(())
    }

    /// Queues a notification of `event` (`change`: created, updated, done, cancelled, ...)
    /// about `task` for its assignee and followers, except the actor.
    pub(super) async fn notify_task(
        &self,
        commit: &mut Commit,
        task: &Task,
        event: &str,
        change: &str,
    ) {
        let mut to = task.audience();
        if let Some(me) = self.principal.staff_id() {
            to.remove(&me);
        }
        if to.is_empty() {
            return;
        }
        let context = self.task_context(task, change);
        let rendered = self.render(event, self.language, &context).await;
        for staff in to {
            let mut n = rendered.notification(Recipient::Staff { staff }, event);
            n.record = Some(task_ref(task.id));
            self.queue(commit, n);
        }
    }

    /// The context task templates read.
    pub(super) fn task_context(&self, task: &Task, change: &str) -> serde_json::Value {
        let mut context = serde_json::json!({
            "title": task.title,
            "kind": task.kind.as_str(),
            "status": task.status.as_str(),
            "priority": task.priority.as_str(),
            "change": change,
            "actor": self.actor_name(),
            "workspace": self.workspace_name.as_ref(),
            "tz": self.tz.name(),
        });
        if let Some(due) = task.due {
            context["due"] = due.instant(self.tz).to_rfc3339().into();
        }
        if !task.notes.is_empty() {
            context["notes"] = task.notes.clone().into();
        }
        context
    }
}

fn require_open(task: &Task) -> Result<()> {
    if task.is_open() {
        Ok(())
    } else {
        Err(Error::invalid(
            "task.status",
            format!("the task is {}", task.status.as_str()),
        ))
    }
}

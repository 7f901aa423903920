//! Service recovery: a low satisfaction rating (1 or 2) or a breached resolution target
//! creates a follow-up task for the responsible department's manager, linked to the request.

use super::Session;
use super::tasks::task_ref;
use crate::activity::{Due, Priority, Task, TaskKind, TaskLink, TaskStatus};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::TaskId;
use crate::request::Request;
use crate::staff::{Department, Staff};
use crate::store::{Commit, StoreExt};
use std::collections::BTreeSet;

/// Ratings at or below this create a follow-up task.
pub const LOW_RATING: u8 = 2;

impl Session {
    /// Adds to `commit` a follow-up task for the manager of `r`'s department (due today, high
    /// priority, linked to the request) for `cause` (`rating`, `breach`), with a unique key
    /// per request and cause. Returns `false`, adding nothing, when the request has no
    /// department or the department no active manager.
    pub(super) async fn recovery_task_into(
        &self,
        commit: &mut Commit,
        r: &Request,
        cause: &str,
        title: String,
    ) -> Result<bool> {
        let Some(department) = r.department else {
            return Ok(false);
        };
        let Some(dept) = self
            .store()
            .load::<Department>(self.ws, department.0)
            .await?
        else {
            return Ok(false);
        };
        let Some(manager) = dept.manager else {
            return Ok(false);
        };
        let active = self
            .store()
            .load::<Staff>(self.ws, manager.0)
            .await?
            .is_some_and(|s| s.active);
        if !active || self.fence_assignment(commit, manager).await.is_err() {
            return Ok(false);
        }
        let now = self.now();
        let task = Task {
            id: TaskId(self.new_id()),
            version: 1,
            kind: TaskKind::Call,
            title,
            notes: String::new(),
            assignee: manager,
            due: Some(Due::on(now.with_timezone(&self.tz).date_naive())),
            priority: Priority::High,
            status: TaskStatus::Open,
            link: Some(TaskLink::Request(r.id)),
            followers: BTreeSet::new(),
            reminders: BTreeSet::new(),
            recurrence: None,
            series: None,
            created_by: None,
            created_at: now,
            updated_at: now,
            closed_at: None,
            recovery: Some(Task::recovery_key(r.id, cause)),
        };
        commit.put(task.clone());
        self.audit(commit, AuditAction::Created, task_ref(task.id), cause);
        self.notify_task(commit, &task, "task.changed", "created")
            .await;
        Ok(true)
    }

    /// After a rating of `r`: a rating of [`LOW_RATING`] or less creates the follow-up (once
    /// per request; a second low rating finds it made).
    pub(super) async fn recover_low_rating(&self, r: &Request) -> Result<()> {
        let Some(rating) = r.satisfaction.as_ref().map(|s| s.rating) else {
            return Ok(());
        };
        if rating > LOW_RATING {
            return Ok(());
        }
        let mut commit = Commit::new();
        let title = format!("Call back: request #{} rated {rating}", r.number);
        if !self
            .recovery_task_into(&mut commit, r, "rating", title)
            .await?
        {
            return Ok(());
        }
        match self.commit(commit).await {
            Err(Error::Conflict(crate::Conflict::KeyTaken { .. })) => Ok(()),
            other => other,
        }
    }
}

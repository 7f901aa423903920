//! Sending the reminders that are due: each in one commit that marks it sent and queues its
//! message in the outbox, so it goes out exactly once however many workers run the job and
//! however often they are restarted.

use super::Session;
use super::tasks::task_ref;
use crate::access::Permission;
use crate::activity::{REMINDER_PLANNED, Reminder, Task};
use crate::error::{Error, Result};
use crate::outbox::Recipient;
use crate::record::Key;
use crate::store::{Commit, PageRequest, Scan, StoreExt};

/// How many due reminders one run of [`Session::send_due_reminders`] handles at most.
pub const REMINDERS_PER_RUN: usize = 500;

impl Session {
    /// Sends the reminders due by now (up to [`REMINDERS_PER_RUN`]) and returns how many this
    /// call sent. A reminder whose task closed or whose due time moved (so that it is no
    /// longer the one planned) is dropped; one another worker sent first is skipped.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "send_due_reminders", record = tracing::field::Empty))]
    pub async fn send_due_reminders(&self) -> Result<usize> {
        self.check(Permission::WorkTasks, None)?;
        let now = self.now();
        let scan = Scan::index(REMINDER_PLANNED)
            .until(&Key::new().time(now + chrono::Duration::milliseconds(1)))
            .limit(REMINDERS_PER_RUN);
        let due = self
            .store()
            .page::<Reminder>(self.ws, scan, &PageRequest::first(REMINDERS_PER_RUN))
            .await?;
        let mut sent = 0;
        for reminder in due.items {
            match self.send_reminder(reminder).await {
                Ok(true) => sent += 1,
                Ok(false) => {}
                // Another worker got there first: it is sent (or dropped) once, by them.
                Err(Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    async fn send_reminder(&self, mut reminder: Reminder) -> Result<bool> {
        let task = self.store().load::<Task>(self.ws, reminder.task.0).await?;
        let mut commit = Commit::new();
        let current = task.as_ref().filter(|t| {
            t.is_open()
                && t.reminders.contains(&reminder.offset_minutes)
                && t.due.map(|d| d.instant(self.tz)) == Some(reminder.due_at)
        });
        let Some(task) = current else {
            commit.delete_of::<Reminder>(reminder.id.0, reminder.version);
            self.commit(commit).await?;
            return Ok(false);
        };
        reminder.version += 1;
        reminder.sent_at = Some(self.now());
        commit.put(reminder.clone());
        let mut context = self.task_context(task, "reminder");
        context["minutes_before"] = reminder.offset_minutes.into();
        let rendered = self.render("task.reminder", self.language, &context).await;
        let mut n = rendered.notification(
            Recipient::Staff {
                staff: task.assignee,
            },
            "task.reminder",
        );
        n.record = Some(task_ref(task.id));
        self.queue(&mut commit, n);
        self.commit(commit).await?;
        Ok(true)
    }
}

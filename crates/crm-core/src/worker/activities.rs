//! The activity jobs: reminders of tasks and greetings on customers' occasions.

use super::Job;
use crate::customer::CustomerFilter;
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::service::Crm;
use crate::store::StoreExt;
use async_trait::async_trait;
use std::time::Duration;

/// Sends the task reminders that are due ([`crate::Session::send_due_reminders`]), as the
/// system actor `worker`.
#[derive(Debug, Clone, Copy)]
pub struct ReminderJob {
    every: Duration,
}

impl ReminderJob {
    /// The job every `every`.
    pub fn new(every: Duration) -> Self {
        Self { every }
    }
}

impl Default for ReminderJob {
    /// Every 30 seconds.
    fn default() -> Self {
        Self::new(Duration::from_secs(30))
    }
}

#[async_trait]
impl Job for ReminderJob {
    fn name(&self) -> &str {
        "reminders"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run(&self, crm: &Crm, ws: WorkspaceId) -> Result<()> {
        let sent = crm
            .system_session(ws, "worker")
            .await?
            .send_due_reminders()
            .await?;
        if sent > 0 {
            tracing::info!(workspace = %ws, sent, "reminders sent");
        }
        Ok(())
    }
}

/// Sends today's greetings ([`crate::Session::send_greetings`] for the workspace's local
/// date, to the customers the workspace's `settings.greeting_filter` lets through: every
/// customer when it is empty), as the system actor `worker`: once per occasion and year,
/// with consent, outside quiet hours.
#[derive(Debug, Clone, Copy)]
pub struct GreetingJob {
    every: Duration,
}

impl GreetingJob {
    /// The job every `every`.
    pub fn new(every: Duration) -> Self {
        Self { every }
    }
}

impl Default for GreetingJob {
    /// Every 10 minutes.
    fn default() -> Self {
        Self::new(Duration::from_secs(600))
    }
}

#[async_trait]
impl Job for GreetingJob {
    fn name(&self) -> &str {
        "greetings"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run(&self, crm: &Crm, ws: WorkspaceId) -> Result<()> {
        let workspace = crm
            .store()
            .fetch::<crate::workspace::Workspace>(ws, ws.0)
            .await?;
        let tz = workspace.settings.sla.calendar.tz;
        let today = crm.clock().now().with_timezone(&tz).date_naive();
        let run = crm
            .system_session(ws, "worker")
            .await?
            .send_greetings(today, &greeting_filter(&workspace.settings))
            .await?;
        if run.sent > 0 {
            tracing::info!(workspace = %ws, sent = run.sent, "greetings sent");
        }
        Ok(())
    }
}

/// The workspace's greeting filter, its tag normalised as customers' tags are.
fn greeting_filter(settings: &crate::workspace::WorkspaceSettings) -> CustomerFilter {
    let mut filter = settings.greeting_filter.clone();
    filter.tag = filter.tag.map(|t| crate::normalize::normalize_text(&t));
    filter
}

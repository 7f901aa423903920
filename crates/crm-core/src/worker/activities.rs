//! The activity jobs: reminders of tasks, and greetings (with the club's birthday bonus) on
//! customers' occasions.

use super::Job;
use crate::activity::occasion_year;
use crate::club::MembershipStatus;
use crate::customer::{CustomerFilter, OccasionKind};
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::service::{Crm, Session};
use crate::store::StoreExt;
use async_trait::async_trait;
use chrono::NaiveDate;
use std::collections::HashSet;
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
/// with consent, outside quiet hours. It also gives every active club member whose birthday
/// is today their programme's birthday bonus ([`crate::Session::award_birthday_bonus`] for
/// the birthday's year, so once a year), whatever the filter, consent or quiet hours.
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
        let session = crm.system_session(ws, "worker").await?;
        let run = session
            .send_greetings(today, &greeting_filter(&workspace.settings))
            .await?;
        if run.sent > 0 {
            tracing::info!(workspace = %ws, sent = run.sent, "greetings sent");
        }
        award_birthday_bonuses(&session, today).await
    }
}

/// Gives the active cards of the customers whose birthday falls on `date` their programme's
/// birthday bonus for the birthday's year (each card once per run; the ledger keeps it once a
/// year). A card that cannot take it (ended meanwhile, say) is logged and skipped.
async fn award_birthday_bonuses(session: &Session, date: NaiveDate) -> Result<()> {
    let mut done = HashSet::new();
    for due in session
        .due_greetings(date, &CustomerFilter::default())
        .await?
    {
        if due.occasion.kind != OccasionKind::Birthday {
            continue;
        }
        let year = occasion_year(due.occasion.calendar, date);
        for card in session.customer_cards(due.customer.id).await? {
            if card.status != MembershipStatus::Active || !done.insert(card.id) {
                continue;
            }
            if let Err(e) = session.award_birthday_bonus(card.id, year).await {
                tracing::warn!(card = %card.id, error = %e, "birthday bonus not given");
            }
        }
    }
    Ok(())
}

/// The workspace's greeting filter, its tag normalised as customers' tags are.
fn greeting_filter(settings: &crate::workspace::WorkspaceSettings) -> CustomerFilter {
    let mut filter = settings.greeting_filter.clone();
    filter.tag = filter.tag.map(|t| crate::normalize::normalize_text(&t));
    filter
}

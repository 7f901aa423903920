//! Greetings on customers' personal occasions: which fall on a date, and sending them once
//! per occasion and year, with consent, outside the workspace's quiet hours.

use super::Session;
use crate::access::Permission;
use crate::activity::{
    CUSTOMER_BY_OCCASION, Greeting, calendar_rank, falls_on_date, greeting_language, keys_on,
    occasion_year,
};
use crate::audit::AuditAction;
use crate::customer::{Customer, CustomerFilter, Occasion, OccasionKind};
use crate::error::{Error, Result};
use crate::id::{GreetingId, OutboxId};
use crate::outbox::{OutboxMessage, Purpose, Recipient};
use crate::record::{Key, RecordRef};
use crate::store::{Commit, Scan};
use chrono::NaiveDate;
use std::collections::HashSet;

/// A customer with an occasion that falls on the date asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct DueGreeting {
    /// The customer.
    pub customer: Customer,
    /// The occasion.
    pub occasion: Occasion,
}

/// What one run of [`Session::send_greetings`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GreetingRun {
    /// Greetings queued now.
    pub sent: usize,
    /// Greetings already sent this year (by an earlier run).
    pub already_sent: usize,
    /// Customers without consent on any channel they can be greeted on.
    pub without_consent: usize,
    /// True when nothing was sent because it is the workspace's quiet hours.
    pub quiet: bool,
}

impl Session {
    /// The customers whose birthday, anniversary or other occasion falls on `date` (Jalali
    /// occasions on their Jalali date, Gregorian ones on their Gregorian date; February 29
    /// on February 28 and Esfand 30 on Esfand 29 in common years), passing `filter`,
    /// ordered by customer id, one entry per customer and occasion.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "due_greetings", record = tracing::field::Empty))]
    pub async fn due_greetings(
        &self,
        date: NaiveDate,
        filter: &CustomerFilter,
    ) -> Result<Vec<DueGreeting>> {
        self.check(Permission::ReadCustomers, None)?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (calendar, month, day) in keys_on(date) {
            let scan = Scan::index(CUSTOMER_BY_OCCASION)
                .prefix(&Key::new().u8(calendar_rank(calendar)).u8(month).u8(day));
            for customer in self.collect::<Customer>(scan).await? {
                if !filter.matches(&customer) {
                    continue;
                }
                for occasion in &customer.occasions {
                    if occasion.calendar == calendar
                        && occasion.month == month
                        && occasion.day == day
                        && occasion.is_valid()
                        && falls_on_date(occasion, date)
                        && seen.insert((customer.id, occasion.clone()))
                    {
                        out.push(DueGreeting {
                            customer: customer.clone(),
                            occasion: occasion.clone(),
                        });
                    }
                }
            }
        }
        out.sort_by_key(|g| g.customer.id);
        Ok(out)
    }

    /// Queues the greetings of `date` ([`Session::due_greetings`] narrowed by `filter`): each
    /// by email or SMS, on the first channel the customer consented on, rendered from the
    /// `customer.greeting` template in the customer's language ([`greeting_language`]: their
    /// preferred language, else their name's script, else the workspace's), with
    /// [`Purpose::Service`] so that consent is checked again at delivery. A greeting is
    /// recorded with a unique key per customer, occasion and year in the commit that queues
    /// it: it goes out once however often this runs. Nothing is sent in the workspace's
    /// quiet hours.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "send_greetings", record = tracing::field::Empty))]
    pub async fn send_greetings(
        &self,
        date: NaiveDate,
        filter: &CustomerFilter,
    ) -> Result<GreetingRun> {
        self.check(Permission::WorkTasks, None)?;
        let mut run = GreetingRun::default();
        let settings = self.settings().await?;
        if let Some(quiet) = settings.quiet_hours {
            let local = self.now().with_timezone(&self.tz).time();
            if quiet.contains(local) {
                run.quiet = true;
                return Ok(run);
            }
        }
        for due in self.due_greetings(date, filter).await? {
            let Some((channel, address)) = due.customer.consented_address() else {
                run.without_consent += 1;
                continue;
            };
            let now = self.now();
            let year = occasion_year(due.occasion.calendar, date);
            let mut context = serde_json::json!({
                "name": due.customer.display_name(),
                "occasion": occasion_name(&due.occasion.kind),
                "workspace": self.workspace_name.as_ref(),
            });
            if let OccasionKind::Other(label) = &due.occasion.kind {
                context["label"] = label.clone().into();
            }
            let language = greeting_language(&due.customer, self.language);
            let rendered = self.render("customer.greeting", language, &context).await;
            let recipient = Recipient::Customer {
                customer: due.customer.id,
                channel,
                address,
            };
            let mut n = rendered.notification(recipient, "customer.greeting");
            n.purpose = Purpose::Service;
            n.record = Some(RecordRef::to::<Customer>(due.customer.id.0));
            let message = OutboxId(self.new_id());
            let greeting = Greeting {
                id: GreetingId(self.new_id()),
                version: 1,
                customer: due.customer.id,
                occasion: due.occasion.kind.clone(),
                calendar: due.occasion.calendar,
                year,
                date,
                message,
                at: now,
            };
            let mut commit = Commit::new();
            commit.put(OutboxMessage::queued(message, now, n));
            commit.put(greeting.clone());
            self.audit(
                &mut commit,
                AuditAction::Created,
                RecordRef::to::<Greeting>(greeting.id.0),
                &format!("{} {year}", occasion_name(&due.occasion.kind)),
            );
            match self.commit(commit).await {
                Ok(()) => run.sent += 1,
                Err(Error::Conflict(crate::Conflict::KeyTaken { .. })) => run.already_sent += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(run)
    }
}

fn occasion_name(kind: &OccasionKind) -> &str {
    match kind {
        OccasionKind::Birthday => "birthday",
        OccasionKind::Anniversary => "anniversary",
        OccasionKind::Other(label) => label,
    }
}

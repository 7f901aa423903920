//! Greetings on customers' personal occasions: which fall on a date, and sending them once
//! per occasion and year, with consent, outside the workspace's quiet hours.

use super::Session;
use super::summaries::SUMMARY_BATCH;
use crate::access::Permission;
use crate::activity::{
    CUSTOMER_BY_OCCASION, Celebrant, Greeting, OCCASION_SORT_LEN, calendar_rank, falls_on_date,
    keys_on, occasion_year,
};
use crate::audit::AuditAction;
use crate::customer::{Customer, CustomerFilter, Occasion, OccasionCalendar, OccasionKind};
use crate::error::{Error, Result};
use crate::id::{GreetingId, OutboxId};
use crate::outbox::{OutboxMessage, Purpose, Recipient};
use crate::record::{Key, RecordRef};
use crate::store::{Commit, Scan, StoreExt};
use chrono::NaiveDate;
use std::collections::HashSet;

/// A customer with an occasion that falls on the date asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct DueGreeting {
    /// The customer, as a greeting needs them (read from the occasion index's key, or made
    /// from the customer's record when the key holds no summary).
    pub customer: Celebrant,
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
    /// Read from the keys of [`CUSTOMER_BY_OCCASION`] alone: each holds the customer's
    /// [`Celebrant`] for that date. A customer whose summary was too large to be kept in the
    /// key is fetched (and left out if it is gone or merged since the entries were read).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Corrupted`] for an entry that does not decode; store
    /// errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "due_greetings", record = tracing::field::Empty))]
    pub async fn due_greetings(
        &self,
        date: NaiveDate,
        filter: &CustomerFilter,
    ) -> Result<Vec<DueGreeting>> {
        self.check(Permission::ReadCustomers, None)?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for key in keys_on(date) {
            for celebrant in self.celebrants_on(key).await? {
                if !filter.matches_celebrant(&celebrant) {
                    continue;
                }
                for occasion in &celebrant.occasions {
                    if falls_on_date(occasion, date)
                        && seen.insert((celebrant.id, occasion.clone()))
                    {
                        out.push(DueGreeting {
                            customer: celebrant.clone(),
                            occasion: occasion.clone(),
                        });
                    }
                }
            }
        }
        out.sort_by_key(|g| g.customer.id);
        Ok(out)
    }

    /// The customers with a [`CUSTOMER_BY_OCCASION`] entry at `key` (calendar, month, day),
    /// from the entries' summaries, fetching those whose summary was left out.
    async fn celebrants_on(&self, key: (OccasionCalendar, u8, u8)) -> Result<Vec<Celebrant>> {
        let (calendar, month, day) = key;
        let scan = Scan::index(CUSTOMER_BY_OCCASION)
            .prefix(&Key::new().u8(calendar_rank(calendar)).u8(month).u8(day))
            .keys_only()
            .limit(SUMMARY_BATCH);
        self.summaries(scan, OCCASION_SORT_LEN, true, |id| async move {
            let customer = self.store().load::<Customer>(self.ws, id).await?;
            Ok(customer
                .filter(|c| !c.is_merged())
                .map(|c| Celebrant::of(&c, key)))
        })
        .await
    }

    /// Queues the greetings of `date` ([`Session::due_greetings`] narrowed by `filter`): each
    /// by email or SMS, on the first channel the customer consented on, rendered from the
    /// `customer.greeting` template in the customer's language
    /// ([`crate::activity::greeting_language`]: their preferred language, else their name's
    /// script, else the workspace's), with [`Purpose::Service`] so that consent is checked
    /// again at delivery. All of it is read from the [`Celebrant`] summaries, without
    /// fetching the customers. A greeting is
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
            let Some((channel, address)) = due.customer.address.clone() else {
                run.without_consent += 1;
                continue;
            };
            let now = self.now();
            let year = occasion_year(due.occasion.calendar, date);
            let mut context = serde_json::json!({
                "name": due.customer.name,
                "occasion": occasion_name(&due.occasion.kind),
                "workspace": self.workspace_name.as_ref(),
            });
            if let OccasionKind::Other(label) = &due.occasion.kind {
                context["label"] = label.clone().into();
            }
            let language = due.customer.greeting_language(self.language);
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

//! The customer's timeline: interactions, requests, tasks and deals, newest first, paged.

use super::Session;
use crate::access::Permission;
use crate::activity::{TASK_BY_LINK, Task, TaskLink};
use crate::error::Result;
use crate::id::CustomerId;
use crate::interaction::Interaction;
use crate::record::{Entity, Index, Key};
use crate::request::Request;
use crate::sales::{DEAL_BY_CUSTOMER, Deal};
use crate::store::{PageRequest, Scan, StoreExt};
use chrono::{DateTime, Utc};

/// One thing that happened with a customer.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineItem {
    /// An interaction (by when it occurred).
    Interaction(Interaction),
    /// A request (by when it was opened).
    Request(Box<Request>),
    /// A task linked to the customer (by when it was created).
    Task(Task),
    /// A deal (by when it was created).
    Deal(Box<Deal>),
}

/// A timeline item with the time it sorts by.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What.
    pub item: TimelineItem,
}

/// One page of a timeline, newest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimelinePage {
    /// The entries.
    pub entries: Vec<TimelineEntry>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<DateTime<Utc>>,
}

impl Session {
    /// Up to `limit` (1 to [`crate::store::MAX_PAGE`]) timeline entries of `customer` older
    /// than `before` (`None`: the newest), newest first. Entries at one instant are kept
    /// together on a page, so a page may be longer than `limit` when many share one time.
    ///
    /// # Errors
    /// [`crate::Error::Unauthorized`]; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "customer_timeline", record = tracing::field::Empty))]
    pub async fn customer_timeline(
        &self,
        customer: CustomerId,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<TimelinePage> {
        self.check(Permission::ReadCustomers, None)?;
        let limit = limit.clamp(1, crate::store::MAX_PAGE);
        let by_customer = Key::new().id(customer.0);
        let task_prefix = Key::new()
            .u8(TaskLink::Customer(customer).rank())
            .id(customer.0);
        // One more than asked, to tell whether more follow; plus everything at the last
        // instant (read by the second pass below).
        let take = limit + 1;
        let mut entries = Vec::new();
        for i in self
            .newest::<Interaction>(crate::interaction::BY_CUSTOMER, &by_customer, before, take)
            .await?
        {
            entries.push(TimelineEntry {
                at: i.occurred_at,
                item: TimelineItem::Interaction(i),
            });
        }
        for r in self
            .newest::<Request>(crate::request::BY_CUSTOMER, &by_customer, before, take)
            .await?
        {
            entries.push(TimelineEntry {
                at: r.created_at,
                item: TimelineItem::Request(Box::new(r)),
            });
        }
        for t in self
            .newest::<Task>(TASK_BY_LINK, &task_prefix, before, take)
            .await?
        {
            entries.push(TimelineEntry {
                at: t.created_at,
                item: TimelineItem::Task(t),
            });
        }
        for d in self
            .newest::<Deal>(DEAL_BY_CUSTOMER, &by_customer, before, take)
            .await?
        {
            entries.push(TimelineEntry {
                at: d.created_at,
                item: TimelineItem::Deal(Box::new(d)),
            });
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        if entries.len() <= limit {
            return Ok(TimelinePage {
                entries,
                next_before: None,
            });
        }
        // Cut after the limit, keeping every entry of the last instant on this page.
        let last = entries[limit - 1].at;
        entries.truncate(limit);
        let mut page = TimelinePage {
            entries,
            next_before: Some(last),
        };
        self.fill_instant(&mut page, customer, last).await?;
        Ok(page)
    }

    /// The newest records of an index under `prefix` (keys: prefix then time) older than
    /// `before`.
    async fn newest<T: Entity>(
        &self,
        index: Index,
        prefix: &Key,
        before: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<T>> {
        let mut scan = Scan::index(index).prefix(prefix).reverse().limit(limit);
        if let Some(before) = before {
            scan = scan.until(&prefix.clone().time(before));
        }
        let got = self
            .store()
            .page::<T>(self.ws, scan, &PageRequest::first(limit))
            .await?;
        Ok(got.items)
    }

    /// Adds to `page` the entries at exactly `at` it lacks (so the next page, strictly
    /// older, misses none).
    async fn fill_instant(
        &self,
        page: &mut TimelinePage,
        customer: CustomerId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let all = self.customer_timeline_at(customer, at).await?;
        for entry in all {
            if entry.at == at && !page.entries.contains(&entry) {
                page.entries.push(entry);
            }
        }
        Ok(())
    }

    /// Every entry at instant `at` (all of them, not limited).
    async fn customer_timeline_at(
        &self,
        customer: CustomerId,
        at: DateTime<Utc>,
    ) -> Result<Vec<TimelineEntry>> {
        let by_customer = Key::new().id(customer.0);
        let task_prefix = Key::new()
            .u8(TaskLink::Customer(customer).rank())
            .id(customer.0);
        let mut out = Vec::new();
        let scan = |index: Index, prefix: &Key| Scan::index(index).prefix(&prefix.clone().time(at));
        for i in self
            .collect::<Interaction>(scan(crate::interaction::BY_CUSTOMER, &by_customer))
            .await?
        {
            out.push(TimelineEntry {
                at: i.occurred_at,
                item: TimelineItem::Interaction(i),
            });
        }
        for r in self
            .collect::<Request>(scan(crate::request::BY_CUSTOMER, &by_customer))
            .await?
        {
            out.push(TimelineEntry {
                at: r.created_at,
                item: TimelineItem::Request(Box::new(r)),
            });
        }
        for t in self
            .collect::<Task>(scan(TASK_BY_LINK, &task_prefix))
            .await?
        {
            out.push(TimelineEntry {
                at: t.created_at,
                item: TimelineItem::Task(t),
            });
        }
        for d in self
            .collect::<Deal>(scan(DEAL_BY_CUSTOMER, &by_customer))
            .await?
        {
            out.push(TimelineEntry {
                at: d.created_at,
                item: TimelineItem::Deal(Box::new(d)),
            });
        }
        Ok(out)
    }
}

//! Reports over the cartable: volume, times against service levels, bouncing, load.

use super::Session;
use crate::access::Permission;
use crate::calendar::percentile;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, StaffId};
use crate::request::{Holder, Request, RequestView};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Median and 90th percentile of a set of durations (nearest rank).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeStats {
    /// How many values.
    pub count: usize,
    /// The median.
    pub median: Option<Duration>,
    /// The 90th percentile.
    pub p90: Option<Duration>,
}

impl TimeStats {
    fn of(mut values: Vec<Duration>) -> Self {
        Self {
            count: values.len(),
            median: percentile(&mut values, 50.0),
            p90: percentile(&mut values, 90.0),
        }
    }
}

/// One department's or person's share of the work.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadRow {
    /// Requests of the period they handled (held at some point).
    pub handled: usize,
    /// Requests of the period they hold now, still active.
    pub holding: usize,
    /// Requests of the period they resolved (wrote the answer of).
    pub resolved: usize,
    /// Business time from receipt to reply of the requests they resolved.
    pub resolution: TimeStats,
}

/// The cartable report of one period.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RequestReport {
    /// First instant of the period.
    pub from: DateTime<Utc>,
    /// First instant after it.
    pub to: DateTime<Utc>,
    /// Requests created in the period.
    pub total: usize,
    /// Requests per channel (its stable name).
    pub by_channel: BTreeMap<String, usize>,
    /// Requests per category (`-` for none).
    pub by_category: BTreeMap<String, usize>,
    /// Business time to the first response.
    pub first_response: TimeStats,
    /// Business time to the reply, less time waiting on the customer.
    pub resolution: TimeStats,
    /// Share (0..=1) of requests that breached a deadline.
    pub breach_rate: f64,
    /// Share (0..=1) of requests bounced (three or more hops, or a ping-pong) and not
    /// replied.
    pub bounced_unresolved: f64,
    /// Average satisfaction rating, where rated.
    pub satisfaction: Option<f64>,
    /// Load and times per department.
    pub by_department: BTreeMap<DepartmentId, LoadRow>,
    /// Load and times per person.
    pub by_person: BTreeMap<StaffId, LoadRow>,
}

impl Session {
    /// The report of requests created in `[from, to)` (see [`crate::calendar::Period`] for
    /// Jalali and Gregorian months, quarters and years).
    ///
    /// # Errors
    /// [`Error::Invalid`] when `to` is not after `from`; [`Error::Unauthorized`] unless an
    /// officer, manager or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "request_report", record = tracing::field::Empty))]
    pub async fn request_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<RequestReport> {
        self.check(Permission::ReadReports, None)?;
        if to <= from {
            return Err(Error::invalid("period", "the end must be after the start"));
        }
        let calendar = self.settings().await?.sla.calendar;
        let requests = self.all_in(&RequestView::Created { from, to }).await?;
        let total = requests.len();
        let share = |n: usize| {
            if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            }
        };
        let mut by_channel = BTreeMap::new();
        let mut by_category = BTreeMap::new();
        let (mut response, mut resolution) = (Vec::new(), Vec::new());
        let (mut breached, mut bounced, mut ratings) = (0, 0, Vec::new());
        let mut by_department: BTreeMap<DepartmentId, (LoadRow, Vec<Duration>)> = BTreeMap::new();
        let mut by_person: BTreeMap<StaffId, (LoadRow, Vec<Duration>)> = BTreeMap::new();
        for r in &requests {
            *by_channel.entry(r.channel.to_string()).or_insert(0) += 1;
            *by_category
                .entry(r.category.clone().unwrap_or_else(|| "-".into()))
                .or_insert(0) += 1;
            response.extend(r.sla.first_response_time(&calendar, r.received_at));
            let resolved_in = r.sla.resolution_time(&calendar, r.received_at);
            resolution.extend(resolved_in);
            breached += usize::from(r.sla.response_breached || r.sla.resolution_breached);
            bounced += usize::from(r.bounced() && r.reply.is_none());
            ratings.extend(r.satisfaction.as_ref().map(|s| f64::from(s.rating)));
            tally(r, resolved_in, &mut by_department, &mut by_person);
        }
        Ok(RequestReport {
            from,
            to,
            total,
            by_channel,
            by_category,
            first_response: TimeStats::of(response),
            resolution: TimeStats::of(resolution),
            breach_rate: share(breached),
            bounced_unresolved: share(bounced),
            satisfaction: (!ratings.is_empty())
                .then(|| ratings.iter().sum::<f64>() / ratings.len() as f64),
            by_department: rows(by_department),
            by_person: rows(by_person),
        })
    }
}

fn rows<K: Ord>(m: BTreeMap<K, (LoadRow, Vec<Duration>)>) -> BTreeMap<K, LoadRow> {
    m.into_iter()
        .map(|(k, (mut row, times))| {
            row.resolution = TimeStats::of(times);
            (k, row)
        })
        .collect()
}

fn tally(
    r: &Request,
    resolved_in: Option<Duration>,
    by_department: &mut BTreeMap<DepartmentId, (LoadRow, Vec<Duration>)>,
    by_person: &mut BTreeMap<StaffId, (LoadRow, Vec<Duration>)>,
) {
    let mut departments: Vec<DepartmentId> = r.department.into_iter().collect();
    let mut people = Vec::new();
    for h in r.holders() {
        match h {
            Holder::Department(d) => departments.push(d),
            Holder::Staff(s) => people.push(s),
            Holder::Officers => {}
        }
    }
    departments.sort();
    departments.dedup();
    people.sort();
    people.dedup();
    for d in departments {
        let (row, times) = by_department.entry(d).or_default();
        row.handled += 1;
        row.holding += usize::from(r.is_active() && r.department == Some(d));
        if let (Some(t), Some(_)) = (resolved_in, r.answer.as_ref())
            && r.department == Some(d)
        {
            row.resolved += 1;
            times.push(t);
        }
    }
    for p in people {
        let (row, times) = by_person.entry(p).or_default();
        row.handled += 1;
        row.holding += usize::from(r.is_active() && r.holder == Holder::Staff(p));
        if let (Some(t), Some(a)) = (resolved_in, r.answer.as_ref())
            && a.by == p
        {
            row.resolved += 1;
            times.push(t);
        }
    }
}

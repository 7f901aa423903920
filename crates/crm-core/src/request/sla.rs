//! Service levels: first-response and resolution targets in business hours, with the clock
//! paused while waiting on the customer.

use super::Priority;
use crate::calendar::WorkCalendar;
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Targets for one priority, in minutes of business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    /// Until the first response (the first staff action on the request).
    pub first_response_minutes: u32,
    /// Until the reply (the approved answer sent to the customer).
    pub resolution_minutes: u32,
}

/// A workspace's service-level policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Target for urgent requests.
    pub urgent: SlaTarget,
    /// Target for high-priority requests.
    pub high: SlaTarget,
    /// Target for normal requests.
    pub normal: SlaTarget,
    /// Target for low-priority requests.
    pub low: SlaTarget,
    /// Working week and holidays the targets are counted in.
    pub calendar: WorkCalendar,
    /// Warn the holder this many minutes (wall clock) before a deadline.
    pub warn_before_minutes: u32,
}

impl SlaPolicy {
    /// Targets on the Iranian working week (Saturday to Wednesday, a shorter Thursday):
    /// urgent 1 h / 4 h, high 4 h / 16 h, normal 8 h / 40 h, low 16 h / 80 h; warn 60 minutes
    /// before.
    pub fn iran() -> Self {
        Self::with_calendar(WorkCalendar::iran())
    }

    /// The default targets on `calendar`.
    pub fn with_calendar(calendar: WorkCalendar) -> Self {
        let target = |hours: u32, resolve_hours: u32| SlaTarget {
            first_response_minutes: hours * 60,
            resolution_minutes: resolve_hours * 60,
        };
        Self {
            urgent: target(1, 4),
            high: target(4, 16),
            normal: target(8, 40),
            low: target(16, 80),
            calendar,
            warn_before_minutes: 60,
        }
    }

    /// The target for `priority`.
    pub fn target(&self, priority: Priority) -> SlaTarget {
        match priority {
            Priority::Urgent => self.urgent,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

impl Default for SlaPolicy {
    fn default() -> Self {
        Self::iran()
    }
}

/// A request's service-level clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevel {
    /// Deadline of the first response.
    pub first_response_due: DateTime<Utc>,
    /// Deadline of the reply.
    pub resolution_due: DateTime<Utc>,
    /// When staff first acted on it.
    #[serde(default)]
    pub first_response_at: Option<DateTime<Utc>>,
    /// When the reply was sent.
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set while waiting on the customer.
    #[serde(default)]
    pub paused_since: Option<DateTime<Utc>>,
    /// Business seconds spent waiting on the customer so far.
    #[serde(default)]
    pub paused_seconds: i64,
    /// The first response came late (or has not come and the deadline passed).
    #[serde(default)]
    pub response_breached: bool,
    /// The reply came late (or has not come and the deadline passed).
    #[serde(default)]
    pub resolution_breached: bool,
    /// The holder was warned of the coming deadline.
    #[serde(default)]
    pub warned: bool,
}

fn calendar_error(e: crate::calendar::CalendarError) -> Error {
    Error::invalid("sla.calendar", e.to_string())
}

impl ServiceLevel {
    /// The clock of a request of `priority` received at `received_at`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the policy's calendar has no working time.
    pub fn start(
        policy: &SlaPolicy,
        priority: Priority,
        received_at: DateTime<Utc>,
    ) -> Result<Self> {
        let mut level = Self {
            first_response_due: received_at,
            resolution_due: received_at,
            first_response_at: None,
            resolved_at: None,
            paused_since: None,
            paused_seconds: 0,
            response_breached: false,
            resolution_breached: false,
            warned: false,
        };
        level.schedule(policy, priority, received_at)?;
        Ok(level)
    }

    /// Recomputes the deadlines (after a change of priority or a pause).
    ///
    /// # Errors
    /// [`Error::Invalid`] when the policy's calendar has no working time.
    pub fn schedule(
        &mut self,
        policy: &SlaPolicy,
        priority: Priority,
        received_at: DateTime<Utc>,
    ) -> Result<()> {
        let target = policy.target(priority);
        let paused = Duration::seconds(self.paused_seconds);
        let due = |minutes: u32| {
            policy
                .calendar
                .add_business_time(received_at, Duration::minutes(i64::from(minutes)) + paused)
                .map_err(calendar_error)
        };
        self.first_response_due = due(target.first_response_minutes)?;
        self.resolution_due = due(target.resolution_minutes)?;
        Ok(())
    }

    /// The deadline being worked against: none while paused or after the reply; the
    /// first-response deadline until staff act; then the resolution deadline.
    pub fn current_due(&self) -> Option<DateTime<Utc>> {
        if self.paused_since.is_some() || self.resolved_at.is_some() {
            None
        } else if self.first_response_at.is_none() {
            Some(self.first_response_due)
        } else {
            Some(self.resolution_due)
        }
    }

    /// Records the first staff action at `now` (later calls change nothing).
    pub fn respond(&mut self, now: DateTime<Utc>) {
        if self.first_response_at.is_none() {
            self.first_response_at = Some(now);
            self.response_breached |= now > self.first_response_due;
        }
    }

    /// Pauses the clock at `now` (waiting on the customer).
    pub fn pause(&mut self, now: DateTime<Utc>) {
        if self.paused_since.is_none() {
            self.paused_since = Some(now);
        }
    }

    /// Resumes the clock at `now`, moving the deadlines by the business time paused.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the policy's calendar has no working time.
    pub fn resume(
        &mut self,
        policy: &SlaPolicy,
        priority: Priority,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(since) = self.paused_since.take() {
            self.paused_seconds += policy
                .calendar
                .business_time_between(since, now)
                .num_seconds();
            self.schedule(policy, priority, received_at)?;
        }
        Ok(())
    }

    /// Records the reply at `now`.
    pub fn resolve(&mut self, now: DateTime<Utc>) {
        self.respond(now);
        self.paused_since = None;
        if self.resolved_at.is_none() {
            self.resolved_at = Some(now);
            self.resolution_breached |= now > self.resolution_due;
        }
    }

    /// Business time from receipt to the first response, less time paused before it.
    pub fn first_response_time(
        &self,
        calendar: &WorkCalendar,
        received_at: DateTime<Utc>,
    ) -> Option<Duration> {
        self.first_response_at
            .map(|at| calendar.business_time_between(received_at, at))
    }

    /// Business time from receipt to the reply, less the time waiting on the customer.
    pub fn resolution_time(
        &self,
        calendar: &WorkCalendar,
        received_at: DateTime<Utc>,
    ) -> Option<Duration> {
        self.resolved_at.map(|at| {
            let total = calendar.business_time_between(received_at, at);
            (total - Duration::seconds(self.paused_seconds)).max(Duration::zero())
        })
    }
}

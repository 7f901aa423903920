//! The outbox dispatcher: leases due messages, checks consent, delivers, records the outcome.

use super::{DeliveryReport, Notifier, NotifyError, Receipt};
use crate::clock::Clock;
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::notify::destination::{Resolution, resolve};
use crate::outbox::{OutboxMessage, OutboxStatus};
use crate::store::{Commit, Store};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How often and how patiently the dispatcher retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts before a message is parked (at least 1).
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// How long a message being delivered is held against other dispatchers. Keep it well
    /// above the notifiers' timeouts: a delivery still running when its lease ends may be
    /// repeated by another worker.
    pub lease: Duration,
    /// How often a gateway is asked about a sent message's delivery.
    pub report_interval: Duration,
    /// How long after sending the dispatcher keeps asking; then the message stays `Sent`.
    pub report_window: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::seconds(30),
            max_delay: Duration::hours(6),
            lease: Duration::minutes(5),
            report_interval: Duration::minutes(2),
            report_window: Duration::days(2),
        }
    }
}

impl RetryPolicy {
    /// The policy with `max_attempts` attempts and `base_delay` after the first failure.
    pub fn new(max_attempts: u32, base_delay: Duration) -> Self {
        Self {
            max_attempts,
            base_delay,
            ..Self::default()
        }
    }

    /// With `lease` as the time a message being delivered is held.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// With `max_delay` as the longest wait between attempts.
    pub fn with_max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// With `interval` between delivery-report questions and `window` to keep asking.
    pub fn with_reports(mut self, interval: Duration, window: Duration) -> Self {
        self.report_interval = interval;
        self.report_window = window;
        self
    }

    /// The wait after the `attempts`-th failed attempt: `base_delay * 2^(attempts-1)`, at most
    /// `max_delay` (before jitter).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1i32
            .checked_shl(attempts.saturating_sub(1))
            .unwrap_or(i32::MAX);
        self.base_delay
            .checked_mul(factor)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }

    /// [`RetryPolicy::backoff`] with "equal jitter": half of it, plus a random part of the
    /// other half, so that messages failing together do not retry together.
    pub fn backoff_with_jitter(&self, attempts: u32) -> Duration {
        let full = self.backoff(attempts).num_milliseconds().max(0);
        let half = full / 2;
        let jitter = if full - half > 0 {
            rand::random_range(0..=(full - half))
        } else {
            0
        };
        Duration::milliseconds(half + jitter)
    }
}

/// What one pass of the dispatcher did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DispatchReport {
    /// Messages the recipient got (webhooks answered, in-app).
    pub delivered: usize,
    /// Messages handed to a server or gateway.
    pub sent: usize,
    /// Messages that failed and will be tried again.
    pub retrying: usize,
    /// Messages that failed for good.
    pub failed: usize,
    /// Messages whose address was refused.
    pub bounced: usize,
    /// Messages not sent on purpose (consent).
    pub suppressed: usize,
    /// Messages parked after the configured attempts.
    pub parked: usize,
    /// Messages another dispatcher took first.
    pub skipped: usize,
    /// Delivery reports that changed a message.
    pub reported: usize,
}

impl DispatchReport {
    /// Messages this pass finished with (every outcome but `skipped`).
    pub fn handled(&self) -> usize {
        self.delivered
            + self.sent
            + self.retrying
            + self.failed
            + self.bounced
            + self.suppressed
            + self.parked
    }
}

/// Drains a workspace's outbox through a [`Notifier`].
///
/// Each due message is first leased (its next attempt moved `lease` ahead, in a versioned
/// commit that fails if another dispatcher got there first: several dispatchers, in several
/// processes on one PostgreSQL database, never both take one). Then its destination is
/// resolved and consent checked ([`crate::outbox::Purpose`]): a message the customer did not
/// agree to is `Suppressed` with the reason. Then it is delivered, and marked `Sent` or
/// `Delivered`, rescheduled with exponential backoff and jitter, or marked `Failed`,
/// `Bounced` or `Parked` (after [`RetryPolicy::max_attempts`]). Delivery is at-least-once: a
/// dispatcher killed between delivering and recording leaves the lease to run out, and the
/// message is delivered again with the same id. Only messages whose commit is durable are
/// delivered ([`Store::sync`] before each round).
///
/// Several dispatchers on one outbox share it best in lanes ([`Dispatcher::with_lane`]):
/// otherwise they all lease from the head of one due list, and most of their lease commits
/// lose to each other.
pub struct Dispatcher {
    store: Arc<dyn Store>,
    notifier: Arc<dyn Notifier>,
    clock: Arc<dyn Clock>,
    policy: RetryPolicy,
    lane: Lane,
}

/// Which part of the due list a dispatcher takes first (see [`Dispatcher::with_lane`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lane {
    index: u32,
    count: u32,
}

impl Lane {
    /// True when message `id` is in this lane: lanes split messages by id.
    fn holds(self, id: uuid::Uuid) -> bool {
        id.as_u128() % u128::from(self.count) == u128::from(self.index)
    }
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// A dispatcher over `store` delivering through `notifier`.
    pub fn new(
        store: Arc<dyn Store>,
        notifier: Arc<dyn Notifier>,
        clock: Arc<dyn Clock>,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            store,
            notifier,
            clock,
            policy,
            lane: Lane { index: 0, count: 1 },
        }
    }

    /// This dispatcher as lane `index` of `count` dispatchers sharing one outbox: of each due
    /// batch it takes the messages of its own lane first (messages are split between lanes by
    /// id), then the others' that are still due, so a stopped dispatcher's lane is still
    /// delivered. Within a lane, messages keep their due order.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] when `count` is 0 or `index` is not below it.
    pub fn with_lane(mut self, index: u32, count: u32) -> crate::Result<Self> {
        if index >= count {
            return Err(crate::Error::invalid(
                "lane",
                format!("lane {index} of {count}: a lane is below the number of lanes"),
            ));
        }
        self.lane = Lane { index, count };
        Ok(self)
    }

    /// The notifier it delivers through.
    pub fn notifier(&self) -> &Arc<dyn Notifier> {
        &self.notifier
    }

    /// The retry policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Delivers up to `batch` due messages of `ws` once.
    ///
    /// # Errors
    /// A storage error; messages handled before it keep their new state.
    pub async fn dispatch_due(&self, ws: WorkspaceId, batch: usize) -> Result<DispatchReport> {
        self.dispatch_due_until(ws, batch, &AtomicBool::new(false))
            .await
    }

    /// [`Dispatcher::dispatch_due`] that stops taking new messages once `stop` is set; the
    /// message being delivered is finished and recorded first.
    ///
    /// # Errors
    /// A storage error; messages handled before it keep their new state.
    pub async fn dispatch_due_until(
        &self,
        ws: WorkspaceId,
        batch: usize,
        stop: &AtomicBool,
    ) -> Result<DispatchReport> {
        let mut report = DispatchReport::default();
        let now = self.clock.now();
        let mut due = crate::outbox::due(&*self.store, ws, now, batch).await?;
        // A stable sort: its own lane first, each part in due order.
        due.sort_by_key(|m| !self.lane.holds(m.id.0));
        if due.is_empty() {
            return Ok(report);
        }
        // Nothing goes out for a commit that a crash could still lose: the commits that
        // queued these messages are made durable first (a no-op on stores that acknowledge
        // only durable commits).
        self.store.sync().await?;
        for message in due {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Some(leased) = self.lease(ws, message).await? else {
                report.skipped += 1;
                continue;
            };
            let next = self.attempt(ws, leased, &mut report).await?;
            self.record(ws, next).await?;
        }
        Ok(report)
    }

    /// Asks the notifier about up to `batch` sent messages awaiting a delivery report, and
    /// records what it says.
    ///
    /// # Errors
    /// A storage error.
    pub async fn check_reports(&self, ws: WorkspaceId, batch: usize) -> Result<DispatchReport> {
        let mut report = DispatchReport::default();
        let now = self.clock.now();
        for message in crate::outbox::reports_due(&*self.store, ws, now, batch).await? {
            let answer = self.notifier.report(ws, &message).await;
            let now = self.clock.now();
            let mut next = message.clone();
            next.version += 1;
            match answer {
                Ok(DeliveryReport::Delivered) => {
                    next.status = OutboxStatus::Delivered;
                    next.delivered_at = Some(now);
                    next.awaiting_report = false;
                    report.delivered += 1;
                }
                Ok(DeliveryReport::Failed(reason)) => {
                    next.status = OutboxStatus::Failed;
                    next.last_error = Some(reason);
                    next.awaiting_report = false;
                    report.failed += 1;
                }
                Ok(DeliveryReport::Bounced(reason)) => {
                    next.status = OutboxStatus::Bounced;
                    next.last_error = Some(reason);
                    next.awaiting_report = false;
                    report.bounced += 1;
                }
                Ok(DeliveryReport::Pending) | Err(_) => {
                    if let Err(e) = answer {
                        next.last_error = Some(format!("delivery report: {e}"));
                    }
                    let sent = message.sent_at.unwrap_or(message.created_at);
                    if now - sent >= self.policy.report_window {
                        next.awaiting_report = false;
                    } else {
                        next.next_attempt_at = now + self.policy.report_interval;
                    }
                    self.record(ws, next).await?;
                    continue;
                }
            }
            report.reported += 1;
            self.record(ws, next).await?;
        }
        Ok(report)
    }

    /// Runs [`Dispatcher::dispatch_due`] every `poll` until `shutdown` completes.
    ///
    /// # Errors
    /// The first storage error.
    pub async fn run(
        &self,
        ws: WorkspaceId,
        poll: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<()> {
        tokio::pin!(shutdown);
        loop {
            self.dispatch_due(ws, 100).await?;
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Resolves, checks consent and delivers one leased message; returns its next state.
    async fn attempt(
        &self,
        ws: WorkspaceId,
        leased: OutboxMessage,
        report: &mut DispatchReport,
    ) -> Result<OutboxMessage> {
        let mut next = leased.clone();
        next.version += 1;
        let destination = match resolve(&*self.store, ws, &leased).await? {
            Resolution::Deliver(to) => to,
            Resolution::Suppress(reason) => {
                next.status = OutboxStatus::Suppressed;
                next.last_error = Some(reason);
                report.suppressed += 1;
                return Ok(next);
            }
            Resolution::Fail(reason) => {
                next.status = OutboxStatus::Failed;
                next.last_error = Some(reason);
                report.failed += 1;
                return Ok(next);
            }
        };
        let outcome = self.notifier.deliver(ws, &leased, &destination).await;
        next.attempts += 1;
        let now = self.clock.now();
        match outcome {
            Ok(receipt) => self.succeeded(&mut next, receipt, now, report),
            Err(NotifyError::Temporary(error)) => {
                next.last_error = Some(error.to_string());
                if next.attempts >= self.policy.max_attempts.max(1) {
                    next.status = OutboxStatus::Parked;
                    report.parked += 1;
                } else {
                    next.next_attempt_at = now + self.policy.backoff_with_jitter(next.attempts);
                    report.retrying += 1;
                }
            }
            Err(NotifyError::Permanent(error)) => {
                next.status = OutboxStatus::Failed;
                next.last_error = Some(error.to_string());
                report.failed += 1;
            }
            Err(NotifyError::Bounced(error)) => {
                next.status = OutboxStatus::Bounced;
                next.last_error = Some(error.to_string());
                report.bounced += 1;
            }
        }
        Ok(next)
    }

    fn succeeded(
        &self,
        next: &mut OutboxMessage,
        receipt: Receipt,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) {
        next.last_error = None;
        next.sent_at = Some(now);
        next.provider_ref = receipt.provider_ref.or(next.provider_ref.take());
        next.parts = receipt.parts.or(next.parts);
        if receipt.delivered {
            next.status = OutboxStatus::Delivered;
            next.delivered_at = Some(now);
            next.awaiting_report = false;
            report.delivered += 1;
        } else {
            next.status = OutboxStatus::Sent;
            next.awaiting_report = receipt.awaits_report;
            next.next_attempt_at = now + self.policy.report_interval;
            report.sent += 1;
        }
    }

    /// Writes a message's new state; a message changed meanwhile (replayed by a person) keeps
    /// that change.
    async fn record(&self, ws: WorkspaceId, next: OutboxMessage) -> Result<()> {
        let mut commit = Commit::new();
        commit.put(next);
        match self.store.commit(ws, commit).await {
            Err(e) if e.is_conflict() => Ok(()),
            other => other,
        }
    }

    async fn lease(
        &self,
        ws: WorkspaceId,
        message: OutboxMessage,
    ) -> Result<Option<OutboxMessage>> {
        let mut leased = message;
        leased.version += 1;
        leased.next_attempt_at = self.clock.now() + self.policy.lease;
        let mut commit = Commit::new();
        commit.put(leased.clone());
        match self.store.commit(ws, commit).await {
            Ok(()) => Ok(Some(leased)),
            Err(e) if e.is_conflict() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_in_exactly_one_lane() {
        let lanes: Vec<Lane> = (0..4).map(|index| Lane { index, count: 4 }).collect();
        let mut sizes = [0usize; 4];
        for _ in 0..4000 {
            let id = uuid::Uuid::now_v7();
            let holders: Vec<usize> = (0..4).filter(|&i| lanes[i].holds(id)).collect();
            assert_eq!(holders.len(), 1, "{id} is in lanes {holders:?}");
            sizes[holders[0]] += 1;
        }
        // v7 ids end in random bits: the lanes are about even.
        assert!(sizes.iter().all(|&n| (800..1200).contains(&n)), "{sizes:?}");
        assert!(Lane { index: 0, count: 1 }.holds(uuid::Uuid::now_v7()));
    }

    #[test]
    fn jitter_stays_between_half_and_the_whole_backoff() {
        let policy = RetryPolicy::new(8, Duration::seconds(10));
        for attempts in 1..=6 {
            let full = policy.backoff(attempts);
            for _ in 0..50 {
                let d = policy.backoff_with_jitter(attempts);
                assert!(
                    d >= full / 2 && d <= full,
                    "{d} outside [{}, {full}]",
                    full / 2
                );
            }
        }
    }

    #[test]
    fn jitter_spreads_retries() {
        let policy = RetryPolicy::new(8, Duration::seconds(60));
        let waits: std::collections::BTreeSet<_> =
            (0..20).map(|_| policy.backoff_with_jitter(3)).collect();
        assert!(waits.len() > 1, "twenty retries all waited the same");
    }
}

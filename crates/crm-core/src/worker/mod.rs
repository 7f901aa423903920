//! The worker: the clock of crm-rs. It delivers the outbox, asks gateways for delivery
//! reports, and runs the periodic [`Job`]s, until it is told to stop.
//!
//! Run one per sled data directory (the store's lock allows no other), or as many as you
//! like on one PostgreSQL database: each outbox message is leased by one of them, and jobs
//! are safe to run twice.

mod activities;
mod club;
mod job;

pub use activities::{GreetingJob, ReminderJob};
pub use club::{CLUB_BATCH, ClubJob};
pub use job::{ForecastSnapshotJob, Job, ServiceLevelJob};

use crate::error::Result;
use crate::id::WorkspaceId;
use crate::notify::{DispatchReport, Dispatcher, Notifier, RetryPolicy};
use crate::service::Crm;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Delivers the outbox of some workspaces and runs their periodic jobs.
///
/// ```
/// use crm_core::notify::MemoryNotifier;
/// use crm_core::service::NewStaff;
/// use crm_core::staff::Role;
/// use crm_core::worker::Worker;
/// use crm_core::Crm;
/// use std::sync::Arc;
/// # use crm_core::store::Store;
/// # async fn demo(store: Arc<dyn Store>) -> crm_core::Result<()> {
/// let crm = Crm::new(store);
/// let (ws, _) = crm.create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin)).await?;
/// let notifier = Arc::new(MemoryNotifier::new());
/// let worker = Worker::new(crm, notifier, vec![ws.id]);
/// // The host sends on `stop` when it is told to stop (SIGTERM, Ctrl-C).
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// # drop(stop);
/// worker.run(async { let _ = stopped.await; }).await?;
/// # Ok(()) }
/// ```
pub struct Worker {
    crm: Crm,
    dispatcher: Dispatcher,
    workspaces: Vec<WorkspaceId>,
    jobs: Vec<Arc<dyn Job>>,
    last_run: Mutex<HashMap<(usize, WorkspaceId), Instant>>,
    poll: Duration,
    batch: usize,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("workspaces", &self.workspaces)
            .field(
                "jobs",
                &self.jobs.iter().map(|j| j.name()).collect::<Vec<_>>(),
            )
            .field("poll", &self.poll)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// What one round of the worker did, over all its workspaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Round {
    /// Deliveries and delivery reports.
    pub outbox: DispatchReport,
    /// Jobs that ran.
    pub jobs_run: usize,
    /// Jobs or deliveries that failed with an error (logged).
    pub errors: usize,
}

impl Worker {
    /// A worker over `crm`'s store for `workspaces`, delivering through `notifier` with the
    /// default [`RetryPolicy`], polling every second, with the [`ServiceLevelJob`] and the
    /// [`ForecastSnapshotJob`].
    pub fn new(crm: Crm, notifier: Arc<dyn Notifier>, workspaces: Vec<WorkspaceId>) -> Self {
        let dispatcher = Dispatcher::new(
            crm.store().clone(),
            notifier,
            crm.clock().clone(),
            RetryPolicy::default(),
        );
        Self {
            crm,
            dispatcher,
            workspaces,
            jobs: vec![
                Arc::new(ServiceLevelJob::default()),
                Arc::new(ForecastSnapshotJob::default()),
            ],
            last_run: Mutex::new(HashMap::new()),
            poll: Duration::from_secs(1),
            batch: 100,
        }
    }

    /// Replaces the retry policy of deliveries.
    pub fn policy(mut self, policy: RetryPolicy) -> Self {
        self.dispatcher = Dispatcher::new(
            self.crm.store().clone(),
            self.dispatcher.notifier().clone(),
            self.crm.clock().clone(),
            policy,
        );
        self
    }

    /// How long the worker sleeps when there was nothing to do.
    pub fn poll(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }

    /// How many due messages one round takes per workspace.
    pub fn batch(mut self, messages: usize) -> Self {
        self.batch = messages.max(1);
        self
    }

    /// Adds a periodic job.
    pub fn job(mut self, job: Arc<dyn Job>) -> Self {
        self.jobs.push(job);
        self
    }

    /// Removes every job (the worker then only delivers).
    pub fn without_jobs(mut self) -> Self {
        self.jobs.clear();
        self
    }

    /// One round: in each workspace, delivers due messages, asks for due delivery reports,
    /// and runs the jobs whose time has come. Errors are logged and counted, not returned: a
    /// store or server that is down is tried again next round. Once `stop` is set no new
    /// message is taken; the one being delivered is finished and recorded.
    pub async fn round(&self, stop: &AtomicBool) -> Round {
        let mut round = Round::default();
        for &ws in &self.workspaces {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            match self
                .dispatcher
                .dispatch_due_until(ws, self.batch, stop)
                .await
            {
                Ok(r) => add(&mut round.outbox, r),
                Err(e) => {
                    round.errors += 1;
                    tracing::error!(workspace = %ws, error = %e, "delivering the outbox failed");
                }
            }
            match self.dispatcher.check_reports(ws, self.batch).await {
                Ok(r) => add(&mut round.outbox, r),
                Err(e) => {
                    round.errors += 1;
                    tracing::error!(workspace = %ws, error = %e, "asking for delivery reports failed");
                }
            }
            for (index, job) in self.jobs.iter().enumerate() {
                if stop.load(Ordering::SeqCst) || !self.due(index, ws, job.every()) {
                    continue;
                }
                round.jobs_run += 1;
                if let Err(e) = job.run(&self.crm, ws).await {
                    round.errors += 1;
                    tracing::error!(workspace = %ws, job = job.name(), error = %e, "job failed");
                }
            }
        }
        let o = &round.outbox;
        if o.handled() + o.reported > 0 {
            tracing::info!(
                delivered = o.delivered,
                sent = o.sent,
                retrying = o.retrying,
                failed = o.failed,
                bounced = o.bounced,
                suppressed = o.suppressed,
                parked = o.parked,
                reported = o.reported,
                "outbox round"
            );
        }
        round
    }

    /// Runs rounds until `shutdown` completes, then returns after the message in flight is
    /// recorded (messages not yet taken stay queued; a message taken but not recorded because
    /// the process died is delivered again when its lease runs out). Sleeps
    /// [`Worker::poll`] between rounds that had nothing to do.
    ///
    /// # Errors
    /// None so far: errors of a round are logged and the next round tries again. The
    /// `Result` leaves room for fatal errors.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let stop = AtomicBool::new(false);
        tokio::pin!(shutdown);
        tracing::info!(
            workspaces = self.workspaces.len(),
            jobs = self.jobs.len(),
            "worker started"
        );
        loop {
            let round = self.round(&stop);
            tokio::pin!(round);
            let done = tokio::select! {
                done = &mut round => done,
                () = &mut shutdown => {
                    stop.store(true, Ordering::SeqCst);
                    round.await;
                    tracing::info!("worker stopped");
                    return Ok(());
                }
            };
            let busy = done.outbox.handled() >= self.batch;
            if !busy {
                tokio::select! {
                    () = &mut shutdown => {
                        tracing::info!("worker stopped");
                        return Ok(());
                    }
                    () = tokio::time::sleep(self.poll) => {}
                }
            }
        }
    }

    fn due(&self, index: usize, ws: WorkspaceId, every: Duration) -> bool {
        let mut last = self.last_run.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match last.get(&(index, ws)) {
            Some(at) if now.duration_since(*at) < every => false,
            _ => {
                last.insert((index, ws), now);
                true
            }
        }
    }
}

fn add(total: &mut DispatchReport, r: DispatchReport) {
    total.delivered += r.delivered;
    total.sent += r.sent;
    total.retrying += r.retrying;
    total.failed += r.failed;
    total.bounced += r.bounced;
    total.suppressed += r.suppressed;
    total.parked += r.parked;
    total.skipped += r.skipped;
    total.reported += r.reported;
}

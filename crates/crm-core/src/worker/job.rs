//! A periodic job of the worker, and the service-level check that ships with it.

use crate::error::Result;
use crate::id::WorkspaceId;
use crate::service::Crm;
use async_trait::async_trait;
use std::time::Duration;

/// Work the [`super::Worker`] runs every so often in each of its workspaces: the service-level
/// check, and later reminders, greetings, point expiry, forecast snapshots.
///
/// Contract: a job is safe to run again, late or twice at once (several workers on one
/// PostgreSQL database each run it): it decides from stored state what is due and writes
/// versioned commits, so a second run finds nothing left to do.
#[async_trait]
pub trait Job: Send + Sync + 'static {
    /// A short stable name for logs (`service_levels`).
    fn name(&self) -> &str;

    /// How often it runs.
    fn every(&self) -> Duration;

    /// Runs it once in workspace `ws`.
    ///
    /// # Errors
    /// Any; the worker logs it and runs the job again at its next time.
    async fn run(&self, crm: &Crm, ws: WorkspaceId) -> Result<()>;
}

/// Flags breached service levels and warns of coming ones
/// ([`crate::Session::check_service_levels`]), as the system actor `worker`.
#[derive(Debug, Clone, Copy)]
pub struct ServiceLevelJob {
    every: Duration,
}

impl ServiceLevelJob {
    /// The check every `every`.
    pub fn new(every: Duration) -> Self {
        Self { every }
    }
}

impl Default for ServiceLevelJob {
    /// Every minute.
    fn default() -> Self {
        Self::new(Duration::from_secs(60))
    }
}

#[async_trait]
impl Job for ServiceLevelJob {
    fn name(&self) -> &str {
        "service_levels"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run(&self, crm: &Crm, ws: WorkspaceId) -> Result<()> {
        let report = crm
            .system_session(ws, "worker")
            .await?
            .check_service_levels()
            .await?;
        if report.breached + report.warned > 0 {
            tracing::info!(
                workspace = %ws,
                breached = report.breached,
                warned = report.warned,
                "service levels checked"
            );
        }
        Ok(())
    }
}

/// Freezes the forecast snapshots of the current periods ([`crate::Session::freeze_forecasts`]),
/// as the system actor `worker`: once a local day per period and scope, however often it runs.
#[derive(Debug, Clone, Copy)]
pub struct ForecastSnapshotJob {
    every: Duration,
}

impl ForecastSnapshotJob {
    /// The job, tried every `every` (the snapshot itself is taken once a day).
    pub fn new(every: Duration) -> Self {
        Self { every }
    }
}

impl Default for ForecastSnapshotJob {
    /// Tried every hour.
    fn default() -> Self {
        Self::new(Duration::from_secs(3600))
    }
}

#[async_trait]
impl Job for ForecastSnapshotJob {
    fn name(&self) -> &str {
        "forecast_snapshots"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run(&self, crm: &Crm, ws: WorkspaceId) -> Result<()> {
        let session = crm.system_session(ws, "worker").await?;
        let frozen = session.freeze_forecasts(crm.clock().now()).await?;
        if frozen > 0 {
            tracing::info!(workspace = %ws, frozen, "forecast snapshots frozen");
        }
        Ok(())
    }
}

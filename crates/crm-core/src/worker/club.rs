//! The club's periodic work: expiring due lots and stale holds, telling members of points
//! about to expire, and the tier review.

use super::Job;
use crate::club::Programme;
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::service::Crm;
use crate::store::StoreExt;
use async_trait::async_trait;
use std::time::Duration;

/// Lots and holds handled per run and workspace (the next run takes the rest).
pub const CLUB_BATCH: usize = 500;

/// Expires due lots and stale holds, queues expiry notices
/// ([`crate::Session::run_club_expiry`], [`crate::Session::expire_holds`]) and reviews tiers
/// ([`crate::Session::review_tiers`]), as the system actor `worker`. Safe to run twice at
/// once: every change is a versioned commit with its card.
#[derive(Debug, Clone, Copy)]
pub struct ClubJob {
    every: Duration,
}

impl ClubJob {
    /// The job every `every`.
    pub fn new(every: Duration) -> Self {
        Self { every }
    }
}

impl Default for ClubJob {
    /// Every five minutes.
    fn default() -> Self {
        Self::new(Duration::from_secs(300))
    }
}

#[async_trait]
impl Job for ClubJob {
    fn name(&self) -> &str {
        "club"
    }

    fn every(&self) -> Duration {
        self.every
    }

    async fn run(&self, crm: &Crm, ws: WorkspaceId) -> Result<()> {
        let session = crm.system_session(ws, "worker").await?;
        let run = session.run_club_expiry(CLUB_BATCH).await?;
        let holds = session.expire_holds(CLUB_BATCH).await?;
        let mut tiers = 0;
        for programme in crm.store().all::<Programme>(ws).await? {
            tiers += session.review_tiers(programme.id).await?;
        }
        if run.expired_lots + run.noticed + holds + tiers > 0 {
            tracing::info!(
                workspace = %ws,
                expired_lots = run.expired_lots,
                expired_points = run.expired_points,
                noticed = run.noticed,
                holds,
                tiers,
                "club work done"
            );
        }
        Ok(())
    }
}

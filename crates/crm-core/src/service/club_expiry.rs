//! Expiry of points: the worker expires lots past their date and tells members ahead of it.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::club::{Card, LOT_BY_EXPIRY, LOT_TO_NOTICE, Lot, Programme};
use crate::error::Result;
use crate::record::Key;
use crate::store::{Commit, PageRequest, Scan, StoreExt};
use chrono::Duration;

/// What one expiry run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryRun {
    /// Lots expired.
    pub expired_lots: usize,
    /// Points expired.
    pub expired_points: i64,
    /// Notices queued of points about to expire.
    pub noticed: usize,
}

impl Session {
    /// Expires up to `limit` lots past their expiry, and marks up to `limit` lots expiring
    /// within their programme's notice period as noticed, queueing a notice to the member.
    /// Safe to run twice at once: each lot changes in a versioned commit with its card.
    ///
    /// # Errors
    /// [`Error::Unauthorized`](crate::Error::Unauthorized); store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "run_club_expiry"))]
    pub async fn run_club_expiry(&self, limit: usize) -> Result<ExpiryRun> {
        self.check(Permission::RecordOrders, None)?;
        let mut run = ExpiryRun::default();
        let now = self.now();
        let page = PageRequest::first(limit.clamp(1, crate::store::MAX_PAGE));
        let due = Scan::index(LOT_BY_EXPIRY).until(&Key::new().i64(now.timestamp_micros() + 1));
        for lot in self.store().page::<Lot>(self.ws, due, &page).await?.items {
            if let Some(entry) = self.expire_lot(lot.id).await? {
                run.expired_lots += 1;
                run.expired_points -= entry.points;
            }
        }
        let horizon = now + Duration::days(365);
        let soon = Scan::index(LOT_TO_NOTICE)
            .from(&Key::new().i64(now.timestamp_micros() + 1))
            .until(&Key::new().time(horizon));
        for lot in self.store().page::<Lot>(self.ws, soon, &page).await?.items {
            run.noticed += usize::from(self.notice_lot(lot.id).await?);
        }
        Ok(run)
    }

    async fn notice_lot(&self, id: crate::club::LotId) -> Result<bool> {
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut lot = self.store().fetch::<Lot>(self.ws, id.0).await?;
            let card = self.store().fetch::<Card>(self.ws, lot.card.0).await?;
            let programme = self
                .store()
                .fetch::<Programme>(self.ws, card.programme.0)
                .await?;
            let Some(at) = lot.expires_at else {
                return Ok(false);
            };
            let due = at - Duration::days(i64::from(programme.notice_days)) <= self.now();
            if lot.noticed || lot.remaining <= 0 || programme.notice_days == 0 || !due {
                return Ok(false);
            }
            lot.noticed = true;
            lot.version += 1;
            let mut commit = Commit::new();
            let day = crate::calendar::JalaliDate::from_instant(at, self.tz);
            let english = format!(
                "{} points expire on {}",
                lot.remaining,
                at.with_timezone(&self.tz).date_naive()
            );
            let persian = crate::calendar::to_persian_digits(&format!(
                "{} امتیاز شما در {} منقضی می‌شود",
                lot.remaining,
                day.format_fa()
            ));
            commit.put(lot);
            self.club_notice(
                &mut commit,
                &card,
                "club.points_expiring",
                &english,
                &persian,
            )
            .await;
            self.commit(commit).await?;
            Ok(true)
        })
        .await
    }
}

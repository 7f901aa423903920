//! Club reports per period: points issued, redeemed and expired, the outstanding liability,
//! and members per tier.

use super::Session;
use crate::access::Permission;
use crate::club::{Card, ENTRY_BY_TIME, EntryKind, LedgerEntry, MembershipStatus};
use crate::error::Result;
use crate::record::Key;
use crate::store::{PageRequest, Scan, StoreExt};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The club's figures over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClubReport {
    /// Points earned (earn entries and positive adjustments) in the period.
    pub issued: i64,
    /// Points redeemed, net of refunded redemptions, in the period.
    pub redeemed: i64,
    /// Points expired in the period.
    pub expired: i64,
    /// Points taken back by refunds of orders and negative adjustments in the period.
    pub reversed: i64,
    /// Points members hold now (the sum of positive balances): the outstanding liability.
    pub liability: i64,
    /// Active members per tier now.
    pub members_per_tier: BTreeMap<String, u64>,
}

impl Session {
    /// The club's figures for entries written in `[from, to)`, with the liability and the
    /// members per tier as they are now.
    ///
    /// # Errors
    /// [`crate::Error::Unauthorized`] unless allowed to read reports; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "club_report"))]
    pub async fn club_report(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<ClubReport> {
        self.check(Permission::ReadReports, None)?;
        let mut report = ClubReport::default();
        let mut page = PageRequest::first(crate::store::MAX_PAGE);
        loop {
            let scan = Scan::index(ENTRY_BY_TIME)
                .from(&Key::new().time(from))
                .until(&Key::new().time(to));
            let got = self
                .store()
                .page::<LedgerEntry>(self.ws, scan, &page)
                .await?;
            for e in &got.items {
                match (e.kind, e.points >= 0) {
                    (EntryKind::Earn, _) | (EntryKind::Adjust, true) => report.issued += e.points,
                    (EntryKind::Redeem, _) => report.redeemed -= e.points,
                    (EntryKind::Reverse, true) => report.redeemed -= e.points,
                    (EntryKind::Expire, _) => report.expired -= e.points,
                    (EntryKind::Reverse | EntryKind::Adjust, false) => report.reversed -= e.points,
                }
            }
            match got.next {
                Some(next) => page = PageRequest::after(next, crate::store::MAX_PAGE),
                None => break,
            }
        }
        for card in self.store().all::<Card>(self.ws).await? {
            report.liability += card.balance.max(0);
            if card.status == MembershipStatus::Active {
                *report.members_per_tier.entry(card.tier).or_default() += 1;
            }
        }
        Ok(report)
    }
}

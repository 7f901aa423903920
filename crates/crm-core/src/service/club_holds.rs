//! Redemption: holds that reserve points, idempotent by the caller's key, then captured,
//! released, expired when stale, or refunded after capture.

use super::club_ledger::touched_lots;
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::club::{
    Card, CardId, HOLD_OPEN_BY_EXPIRY, Hold, HoldId, HoldStatus, LedgerEntry, Lot,
    MembershipStatus, ledger,
};
use crate::error::{Error, Result};
use crate::record::{Key, RecordRef};
use crate::store::{Commit, PageRequest, Scan, StoreExt};
use chrono::Duration;

impl Session {
    /// Reserves `points` of `card` under the caller's `key`, soonest-expiring lots first.
    /// Asking again with the same key returns the first hold, whatever became of it; racing
    /// holds on one card never reserve more than its available points.
    ///
    /// # Errors
    /// [`Error::Invalid`] for points not positive, an empty or long key, too few available
    /// points, a membership not active, or redemption blocked by debt;
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "hold_points", record = %card))]
    pub async fn hold_points(
        &self,
        card: CardId,
        points: i64,
        key: &str,
        reason: &str,
    ) -> Result<Hold> {
        self.check(Permission::RecordOrders, None)?;
        crate::limits::required("hold.key", key, Hold::MAX_KEY)?;
        crate::limits::line("hold.reason", reason, crate::limits::MAX_SUBJECT)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            if let Some(hold) = self
                .store()
                .holder_of::<Hold>(self.ws, &Hold::key_of(card, key))
                .await?
            {
                return Ok(hold);
            }
            let (mut card, programme) = self.card_and_programme(card).await?;
            if card.status != MembershipStatus::Active {
                return Err(Error::invalid(
                    "card.status",
                    format!("the membership is {}", card.status.as_str()),
                ));
            }
            ledger::check_spend(&card, points, programme.refund_policy)?;
            let mut lots = self.open_lots(card.id, Some(points)).await?;
            let mut refs: Vec<&mut Lot> = lots.iter_mut().collect();
            let allocations =
                match ledger::hold(&mut card, &mut refs, points, programme.refund_policy) {
                    Ok(a) => a,
                    Err(e) => return Err(self.read_skew(&card, e).await),
                };
            let now = self.now();
            let hold = Hold {
                id: HoldId(self.new_id()),
                version: 1,
                card: card.id,
                points,
                key: key.to_owned(),
                status: HoldStatus::Held,
                allocations,
                reason: if reason.trim().is_empty() {
                    "redemption".into()
                } else {
                    reason.trim().to_owned()
                },
                created_at: now,
                expires_at: now + Duration::seconds(i64::from(programme.hold_seconds)),
                entry: None,
                closed_at: None,
            };
            let draft = ledger::Draft {
                kind: crate::club::EntryKind::Redeem,
                points: 0,
                allocations: hold.allocations.clone(),
                debt: 0,
                reason: String::new(),
                source: crate::club::EntrySource::Hold { hold: hold.id },
            };
            let mut commit = Commit::new();
            for mut lot in touched_lots(&lots, &draft) {
                lot.version += 1;
                commit.put(lot);
            }
            card.bump(now);
            commit.put(card.clone()).put(hold.clone());
            self.audit(
                &mut commit,
                AuditAction::Created,
                RecordRef::to::<Hold>(hold.id.0),
                &format!("hold {points}"),
            );
            match self.commit(commit).await {
                Ok(()) => Ok(hold),
                Err(Error::Conflict(crate::Conflict::KeyTaken { .. })) => self
                    .store()
                    .holder_of::<Hold>(self.ws, &Hold::key_of(card.id, key))
                    .await?
                    .ok_or_else(|| Error::invalid("hold.key", "taken by another record")),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// The hold with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "hold"))]
    pub async fn hold(&self, id: HoldId) -> Result<Hold> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Hold>(self.ws, id.0).await
    }

    /// Spends a hold's points: writes the redeem entry. Capturing a captured hold returns it
    /// unchanged.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a hold released, expired (also one past its time and not yet
    /// released by the worker) or refunded; [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "capture_hold", record = %id))]
    pub async fn capture_hold(&self, id: HoldId) -> Result<Hold> {
        self.check(Permission::RecordOrders, None)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut hold = self.store().fetch::<Hold>(self.ws, id.0).await?;
            match hold.status {
                HoldStatus::Captured => return Ok(hold),
                HoldStatus::Held if hold.expires_at > self.now() => {}
                HoldStatus::Held => {
                    return Err(Error::invalid("hold.status", "the hold has expired"));
                }
                other => return Err(not_in(other)),
            }
            let (mut card, mut lots) = self.card_and_lots(&hold).await?;
            let mut refs: Vec<&mut Lot> = lots.iter_mut().collect();
            let draft = match ledger::capture(&mut card, &mut refs, &hold) {
                Ok(d) => d,
                Err(e) => return Err(self.read_skew(&card, e).await),
            };
            let mut commit = Commit::new();
            let entry = self.post_entry(
                &mut commit,
                &mut card,
                draft,
                lots,
                Some(format!("capture:{}", hold.id)),
            );
            hold.status = HoldStatus::Captured;
            hold.entry = Some(entry.id);
            hold.closed_at = Some(self.now());
            hold.version += 1;
            commit.put(hold.clone());
            self.audit(
                &mut commit,
                AuditAction::Updated,
                RecordRef::to::<Hold>(hold.id.0),
                "captured",
            );
            self.commit(commit).await?;
            Ok(hold)
        })
        .await
    }

    /// Gives a held hold's points back to their lots. Releasing a released or expired hold
    /// returns it unchanged.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a captured or refunded hold; [`Error::NotFound`];
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "release_hold", record = %id))]
    pub async fn release_hold(&self, id: HoldId) -> Result<Hold> {
        self.check(Permission::RecordOrders, None)?;
        self.close_hold(id, HoldStatus::Released).await
    }

    async fn close_hold(&self, id: HoldId, to: HoldStatus) -> Result<Hold> {
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut hold = self.store().fetch::<Hold>(self.ws, id.0).await?;
            match hold.status {
                HoldStatus::Held => {}
                HoldStatus::Released | HoldStatus::Expired => return Ok(hold),
                other => return Err(not_in(other)),
            }
            let (mut card, mut lots) = self.card_and_lots(&hold).await?;
            let mut refs: Vec<&mut Lot> = lots.iter_mut().collect();
            if let Err(e) = ledger::release(&mut card, &mut refs, &hold) {
                return Err(self.read_skew(&card, e).await);
            }
            let now = self.now();
            card.bump(now);
            let mut commit = Commit::new();
            for mut lot in lots {
                lot.version += 1;
                commit.put(lot);
            }
            hold.status = to;
            hold.closed_at = Some(now);
            hold.version += 1;
            commit.put(card).put(hold.clone());
            self.audit(
                &mut commit,
                AuditAction::Updated,
                RecordRef::to::<Hold>(hold.id.0),
                to.as_str(),
            );
            self.commit(commit).await?;
            Ok(hold)
        })
        .await
    }

    /// Refunds a captured redemption: its points go back to the lots they came from, with
    /// their original expiry (a lot past its expiry is expired again by the worker).
    /// Refunding a refunded hold returns it unchanged.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a hold not captured; [`Error::NotFound`];
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "refund_redemption", record = %id))]
    pub async fn refund_redemption(&self, id: HoldId) -> Result<Hold> {
        self.check(Permission::RecordOrders, None)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut hold = self.store().fetch::<Hold>(self.ws, id.0).await?;
            match hold.status {
                HoldStatus::Captured => {}
                HoldStatus::Refunded => return Ok(hold),
                other => return Err(not_in(other)),
            }
            let (mut card, mut lots) = self.card_and_lots(&hold).await?;
            let mut refs: Vec<&mut Lot> = lots.iter_mut().collect();
            let draft = match ledger::restore(&card, &mut refs, &hold) {
                Ok(d) => d,
                Err(e) => return Err(self.read_skew(&card, e).await),
            };
            let mut commit = Commit::new();
            self.post_entry(
                &mut commit,
                &mut card,
                draft,
                lots,
                Some(format!("refund:{}", hold.id)),
            );
            hold.status = HoldStatus::Refunded;
            hold.version += 1;
            commit.put(hold.clone());
            self.audit(
                &mut commit,
                AuditAction::Refunded,
                RecordRef::to::<Hold>(hold.id.0),
                "redemption refunded",
            );
            self.commit(commit).await?;
            Ok(hold)
        })
        .await
    }

    /// Releases up to `limit` holds past their time, as expired. Returns how many.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "expire_holds"))]
    pub async fn expire_holds(&self, limit: usize) -> Result<usize> {
        self.check(Permission::RecordOrders, None)?;
        let now = self.now();
        let scan =
            Scan::index(HOLD_OPEN_BY_EXPIRY).until(&Key::new().i64(now.timestamp_micros() + 1));
        let due = self
            .store()
            .page::<Hold>(
                self.ws,
                scan,
                &PageRequest::first(limit.clamp(1, crate::store::MAX_PAGE)),
            )
            .await?;
        let mut n = 0;
        for hold in due.items {
            if hold.status == HoldStatus::Held && hold.expires_at <= now {
                let closed = self.close_hold(hold.id, HoldStatus::Expired).await?;
                n += usize::from(closed.status == HoldStatus::Expired);
            }
        }
        Ok(n)
    }

    /// The card `hold` is on and the lots it takes from, as stored now.
    async fn card_and_lots(&self, hold: &Hold) -> Result<(Card, Vec<Lot>)> {
        let card = self.store().fetch::<Card>(self.ws, hold.card.0).await?;
        let mut lots = Vec::with_capacity(hold.allocations.len());
        for a in &hold.allocations {
            lots.push(self.store().fetch::<Lot>(self.ws, a.lot.0).await?);
        }
        Ok((card, lots))
    }

    /// The entry a captured hold wrote.
    ///
    /// # Errors
    /// [`Error::NotFound`] for a hold never captured; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "hold_entry"))]
    pub async fn hold_entry(&self, id: HoldId) -> Result<LedgerEntry> {
        let hold = self.hold(id).await?;
        let entry = hold.entry.ok_or(Error::NotFound {
            kind: <LedgerEntry as crate::record::Entity>::KIND,
            id: id.0,
        })?;
        self.store().fetch::<LedgerEntry>(self.ws, entry.0).await
    }
}

/// The refusal of an operation on a hold in `status`.
fn not_in(status: HoldStatus) -> Error {
    Error::invalid("hold.status", format!("the hold is {}", status.as_str()))
}

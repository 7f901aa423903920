//! The points ledger: earning on paid orders, bonuses, adjustments, proportional reversal of
//! refunded orders, expiry, and reading a card's ledger.
//!
//! Every change reads the card, works out the new entry with [`crate::club::ledger`], and
//! commits the card at its next version with the entry and every lot it touched: racing
//! changes of one card conflict and retry, so none is lost and none spends twice.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::club::{
    Card, CardId, ENTRY_BY_CARD, EntryId, EntryKind, EntrySource, LOT_OPEN_BY_CARD, LedgerEntry,
    Lot, LotId, MembershipStatus, Programme, add_qualifying, ledger, multiplied, order_points,
};
use crate::error::{Error, Result};
use crate::id::OrderId;
use crate::record::{Key, RecordRef};
use crate::sales::{Order, OrderStatus, Product};
use crate::store::{Commit, Page, PageRequest, Scan, StoreExt};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The most points one adjustment may move.
pub const MAX_ADJUSTMENT: i64 = 100_000_000;

impl Session {
    /// The card and its programme.
    pub(super) async fn card_and_programme(&self, card: CardId) -> Result<(Card, Programme)> {
        let card = self.store().fetch::<Card>(self.ws, card.0).await?;
        let programme = self
            .store()
            .fetch::<Programme>(self.ws, card.programme.0)
            .await?;
        Ok((card, programme))
    }

    /// `e` as found by the ledger's arithmetic on `card` and lots read after it: when the
    /// card has moved on since it was read, a racing commit changed the lots in between (a
    /// read that mixed two commits, not damage): a stale version to retry.
    pub(super) async fn read_skew(&self, card: &Card, e: Error) -> Error {
        if !matches!(e, Error::Corrupted { .. }) {
            return e;
        }
        match self.store().load::<Card>(self.ws, card.id.0).await {
            Ok(Some(now)) if now.version != card.version => {
                Error::Conflict(crate::Conflict::StaleVersion {
                    kind: <Card as crate::record::Entity>::KIND,
                    id: card.id.0,
                    expected: card.version,
                    found: now.version,
                })
            }
            _ => e,
        }
    }

    /// The card's lots with points remaining or held, soonest expiry first, read until they
    /// remain `need` points (all of them when `None`).
    pub(super) async fn open_lots(&self, card: CardId, need: Option<i64>) -> Result<Vec<Lot>> {
        let mut lots: Vec<Lot> = Vec::new();
        let mut remaining = 0;
        let mut page = PageRequest::first(64);
        loop {
            let scan = Scan::index(LOT_OPEN_BY_CARD).prefix(&Key::new().id(card.0));
            let got = self.store().page::<Lot>(self.ws, scan, &page).await?;
            for lot in got.items {
                remaining += lot.remaining;
                lots.push(lot);
            }
            if need.is_some_and(|n| remaining >= n) {
                return Ok(lots);
            }
            match got.next {
                Some(next) => page = PageRequest::after(next, 64),
                None => return Ok(lots),
            }
        }
    }

    /// Appends `draft` to `card` and queues it, the card and `lots` into `commit` (lots at
    /// their next version, new ones at 1).
    pub(super) fn post_entry(
        &self,
        commit: &mut Commit,
        card: &mut Card,
        draft: ledger::Draft,
        lots: Vec<Lot>,
        key: Option<String>,
    ) -> LedgerEntry {
        let now = self.now();
        let entry = ledger::post(
            card,
            draft,
            EntryId(self.new_id()),
            self.principal.actor(),
            now,
            key,
        );
        card.bump(now);
        for mut lot in lots {
            if lot.version > 0 {
                lot.version += 1;
            } else {
                lot.version = 1;
            }
            commit.put(lot);
        }
        commit.put(entry.clone());
        commit.put(card.clone());
        entry
    }

    /// Earns `points` on `card` as a new lot (expiring by the programme's policy), made once
    /// by `key`: repeating the key returns the first entry.
    pub(super) async fn earn_once(
        &self,
        card: CardId,
        points: i64,
        reason: &str,
        source: EntrySource,
        key: String,
        order: Option<&Order>,
    ) -> Result<LedgerEntry> {
        retry_on_conflict(RetryOn::StaleVersion, || async {
            if let Some(done) = self
                .store()
                .holder_of::<LedgerEntry>(self.ws, &LedgerEntry::once_key(card, &key))
                .await?
            {
                return Ok(done);
            }
            let earning = Earning {
                points,
                reason,
                source: source.clone(),
                key: key.clone(),
                order,
                referral_reward: false,
            };
            let (commit, posted) = self.earn_commit(card, earning).await?;
            self.commit(commit).await?;
            Ok(posted)
        })
        .await
    }

    /// The commit that earns `earning` on `card` (the lot, the entry, the card with its new
    /// balance, the audit entry and the notices), not yet made.
    pub(super) async fn earn_commit(
        &self,
        card: CardId,
        earning: Earning<'_>,
    ) -> Result<(Commit, LedgerEntry)> {
        let Earning {
            points,
            reason,
            source,
            key,
            order,
            referral_reward,
        } = earning;
        let (mut card, programme) = self.card_and_programme(card).await?;
        if card.status != MembershipStatus::Active {
            return Err(Error::invalid(
                "card.status",
                format!("the membership is {}", card.status.as_str()),
            ));
        }
        let now = self.now();
        let entry = EntryId(self.new_id());
        let expires = programme.expiry.expires_at(now, self.tz);
        let (mut lot, allocations, debt) =
            ledger::new_lot(&card, LotId(self.new_id()), entry, points, now, expires);
        lot.order = order.map(|o| o.id);
        let today = crate::calendar::JalaliDate::from_instant(now, self.tz);
        let spend = match (&programme.tiers.basis, order) {
            (crate::club::TierBasis::Spend { currency }, Some(o))
                if *currency == o.total.currency =>
            {
                o.total.amount
            }
            _ => Decimal::ZERO,
        };
        add_qualifying(&mut card.qualifying, today, points, spend);
        if order.is_some() {
            card.paid_orders += 1;
        }
        if referral_reward {
            card.referral_rewards += 1;
        }
        let change = self.upgrade_if_due(&mut card, &programme);
        let draft = ledger::Draft {
            kind: EntryKind::Earn,
            points,
            allocations,
            debt,
            reason: reason.to_owned(),
            source,
        };
        let mut commit = Commit::new();
        let posted = ledger::post(
            &mut card,
            draft,
            entry,
            self.principal.actor(),
            now,
            Some(key),
        );
        card.bump(now);
        commit.put(lot).put(posted.clone()).put(card.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            RecordRef::to::<LedgerEntry>(posted.id.0),
            &format!("earn {points}"),
        );
        self.club_notice(
            &mut commit,
            &card,
            "club.points_earned",
            &format!("{points} points earned; balance {}", card.balance),
            &format!("{points} امتیاز گرفتید؛ مانده {}", card.balance),
        )
        .await;
        if let Some(to) = change {
            self.club_notice(
                &mut commit,
                &card,
                "club.tier_changed",
                &format!("Your tier is now {to}"),
                &format!("سطح شما اکنون {to} است"),
            )
            .await;
        }
        Ok((commit, posted))
    }

    /// Earns the points of a paid order on every active card of its customer, by the
    /// programmes' rules and the member's tier multiplier, once per order and card; settles
    /// a pending referral of the customer on their first paid order. Returns the entries
    /// written (or found written). Recording a paid order does this in the order's own commit
    /// ([`Session::record_order`]); this is for an order whose customer joined later.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an order that is not paid; [`Error::NotFound`];
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "earn_for_order", record = %order))]
    pub async fn earn_for_order(&self, order: OrderId) -> Result<Vec<LedgerEntry>> {
        self.check(Permission::RecordOrders, None)?;
        let order = self.store().fetch::<Order>(self.ws, order.0).await?;
        if order.status != OrderStatus::Paid {
            return Err(Error::invalid(
                "order.status",
                "only paid orders earn points",
            ));
        }
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut commit = Commit::new();
            let (mut entries, done) = self.order_earnings(&order, &mut commit).await?;
            self.commit(commit).await?;
            entries.extend(done);
            Ok(entries)
        })
        .await
    }

    /// Adds to `commit` what the paid `order` earns on every active card of its customer
    /// that has not earned it yet, and the settlement of the customer's pending referral on
    /// their first paid order. Returns the entries added, and those found made already.
    pub(super) async fn order_earnings(
        &self,
        order: &Order,
        commit: &mut Commit,
    ) -> Result<(Vec<LedgerEntry>, Vec<LedgerEntry>)> {
        let (mut added, mut done) = (Vec::new(), Vec::new());
        for card in self.customer_cards(order.customer).await? {
            if card.status != MembershipStatus::Active {
                continue;
            }
            let key = format!("order:{}", order.id);
            if let Some(entry) = self
                .store()
                .holder_of::<LedgerEntry>(self.ws, &LedgerEntry::once_key(card.id, &key))
                .await?
            {
                done.push(entry);
                continue;
            }
            let programme = self
                .store()
                .fetch::<Programme>(self.ws, card.programme.0)
                .await?;
            let skus = self.product_skus(order).await?;
            let base = order_points(&programme.rules, order, &|p| {
                skus.iter().find(|(id, _)| *id == p).map(|(_, s)| s.clone())
            });
            let percent = programme
                .tiers
                .tiers
                .iter()
                .find(|t| t.name == card.tier)
                .map_or(100, |t| t.multiplier);
            let points = multiplied(base, percent);
            let first_order = card.paid_orders == 0;
            if points > 0 {
                let earning = Earning {
                    points,
                    reason: "order paid",
                    source: EntrySource::Order { order: order.id },
                    key,
                    order: Some(order),
                    referral_reward: false,
                };
                let (earned, entry) = self.earn_commit(card.id, earning).await?;
                commit.writes.extend(earned.writes);
                added.push(entry);
            }
            if first_order {
                self.settle_referral(order.customer, &programme, commit)
                    .await?;
            }
        }
        Ok((added, done))
    }

    async fn product_skus(&self, order: &Order) -> Result<Vec<(crate::id::ProductId, String)>> {
        let mut skus = Vec::new();
        for line in &order.lines {
            if let Some(p) = self
                .store()
                .load::<Product>(self.ws, line.product.0)
                .await?
            {
                skus.push((p.id, p.sku));
            }
        }
        Ok(skus)
    }

    /// Reverses the points an order earned, in proportion to `refunded` (the amount refunded
    /// so far, in the order's currency): the reversal's running total follows it, so calling
    /// again with the same amount changes nothing. Points already spent follow the
    /// programme's [`crate::club::RefundPolicy`].
    ///
    /// # Errors
    /// [`Error::Invalid`] for an amount in another currency, negative or above the total;
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "reverse_order_points", record = %order))]
    pub async fn reverse_order_points(
        &self,
        order: OrderId,
        refunded: Decimal,
    ) -> Result<Option<LedgerEntry>> {
        self.check(Permission::RecordOrders, None)?;
        let order = self.store().fetch::<Order>(self.ws, order.0).await?;
        if refunded < Decimal::ZERO || refunded > order.total.amount {
            return Err(Error::invalid(
                "refunded",
                "between 0 and the order's total",
            ));
        }
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut commit = Commit::new();
            let entry = self.order_reversal(&order, refunded, &mut commit).await?;
            self.commit(commit).await?;
            Ok(entry)
        })
        .await
    }

    /// Adds to `commit` the reversal of the points `order` earned, in proportion to
    /// `refunded` (see [`Session::reverse_order_points`]); `None` when there is nothing (more)
    /// to reverse.
    pub(super) async fn order_reversal(
        &self,
        order: &Order,
        refunded: Decimal,
        commit: &mut Commit,
    ) -> Result<Option<LedgerEntry>> {
        let Some(mut own) = self
            .store()
            .holder_of::<Lot>(self.ws, &Lot::order_key(order.id))
            .await?
        else {
            return Ok(None);
        };
        let target = if order.total.amount.is_zero() {
            own.earned
        } else {
            (Decimal::from(own.earned) * refunded / order.total.amount)
                .floor()
                .to_i64()
                .unwrap_or(own.earned)
        };
        let points = target - own.order_reversed;
        if points <= 0 {
            return Ok(None);
        }
        let (mut card, programme) = self.card_and_programme(own.card).await?;
        let mut others: Vec<Lot> = self
            .open_lots(card.id, None)
            .await?
            .into_iter()
            .filter(|l| l.id != own.id)
            .collect();
        let mut refs: Vec<&mut Lot> = others.iter_mut().collect();
        let draft = ledger::reverse_order(
            &mut own,
            &mut refs,
            points,
            programme.refund_policy,
            EntrySource::Order { order: order.id },
        );
        let touched: Vec<Lot> = draft
            .allocations
            .iter()
            .filter(|a| a.lot != own.id)
            .filter_map(|a| others.iter().find(|l| l.id == a.lot).cloned())
            .collect();
        let mut lots = vec![own.clone()];
        lots.extend(touched);
        let key = format!("reverse:{}:{}", order.id, target);
        let entry = self.post_entry(commit, &mut card, draft, lots, Some(key));
        self.audit(
            commit,
            AuditAction::Refunded,
            RecordRef::to::<LedgerEntry>(entry.id.0),
            &format!("reverse {points}"),
        );
        Ok(Some(entry))
    }

    /// Gives `card` its programme's birthday bonus for `year` (the greeting job's year),
    /// once per year; `None` when the programme has no birthday bonus.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a membership not active; [`Error::NotFound`];
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "award_birthday_bonus"))]
    pub async fn award_birthday_bonus(
        &self,
        card: CardId,
        year: i32,
    ) -> Result<Option<LedgerEntry>> {
        self.check(Permission::RecordOrders, None)?;
        let (_, programme) = self.card_and_programme(card).await?;
        let points = programme.birthday_bonus();
        if points <= 0 {
            return Ok(None);
        }
        let key = format!("birthday:{year}");
        let entry = self.earn_once(
            card,
            points,
            "birthday bonus",
            EntrySource::Bonus,
            key,
            None,
        );
        Ok(Some(entry.await?))
    }

    /// A manager's correction of a card's points, with a note: positive adds a lot
    /// (expiring by the programme's policy), negative takes from the lots soonest expiry
    /// first.
    ///
    /// # Errors
    /// [`Error::Invalid`] for 0 points, more than [`MAX_ADJUSTMENT`], an empty note, or taking
    /// more than is available; [`Error::Unauthorized`] unless a manager or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "adjust_points", record = %card))]
    pub async fn adjust_points(
        &self,
        card: CardId,
        points: i64,
        note: &str,
    ) -> Result<LedgerEntry> {
        self.require_manager("adjust points")?;
        crate::limits::required("note", note, crate::limits::MAX_SUBJECT)?;
        if points == 0 || points.abs() > MAX_ADJUSTMENT {
            return Err(Error::invalid(
                "points",
                "not 0, at most 100000000 either way",
            ));
        }
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let (mut card, programme) = self.card_and_programme(card).await?;
            if card.status == MembershipStatus::Ended {
                return Err(Error::invalid("card.status", "the membership has ended"));
            }
            let now = self.now();
            let mut commit = Commit::new();
            let entry = if points > 0 {
                let id = EntryId(self.new_id());
                let expires = programme.expiry.expires_at(now, self.tz);
                let (lot, allocations, debt) =
                    ledger::new_lot(&card, LotId(self.new_id()), id, points, now, expires);
                let draft = ledger::Draft {
                    kind: EntryKind::Adjust,
                    points,
                    allocations,
                    debt,
                    reason: note.trim().to_owned(),
                    source: EntrySource::Adjustment,
                };
                let entry = ledger::post(&mut card, draft, id, self.principal.actor(), now, None);
                card.bump(now);
                commit.put(lot).put(entry.clone()).put(card.clone());
                entry
            } else {
                let mut lots = self.open_lots(card.id, Some(-points)).await?;
                let mut refs: Vec<&mut Lot> = lots.iter_mut().collect();
                let draft = match ledger::take_adjustment(&card, &mut refs, -points, note.trim()) {
                    Ok(d) => d,
                    Err(e) => return Err(self.read_skew(&card, e).await),
                };
                let touched = touched_lots(&lots, &draft);
                self.post_entry(&mut commit, &mut card, draft, touched, None)
            };
            self.audit(
                &mut commit,
                AuditAction::Updated,
                RecordRef::to::<LedgerEntry>(entry.id.0),
                &format!("adjust {points}: {}", note.trim()),
            );
            self.commit(commit).await?;
            Ok(entry)
        })
        .await
    }

    /// Expires the remaining points of `lot` if its expiry has passed; `None` when it has not
    /// or nothing remains.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "expire_lot"))]
    pub async fn expire_lot(&self, lot: LotId) -> Result<Option<LedgerEntry>> {
        self.check(Permission::RecordOrders, None)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut lot = self.store().fetch::<Lot>(self.ws, lot.0).await?;
            if lot.expires_at.is_none_or(|at| at > self.now()) {
                return Ok(None);
            }
            let Some(draft) = ledger::expire(&mut lot) else {
                return Ok(None);
            };
            let mut card = self.store().fetch::<Card>(self.ws, lot.card.0).await?;
            let mut commit = Commit::new();
            let entry = self.post_entry(&mut commit, &mut card, draft, vec![lot], None);
            self.commit(commit).await?;
            Ok(Some(entry))
        })
        .await
    }

    /// A card's ledger, oldest first (`reverse`: newest first).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "club_ledger"))]
    pub async fn club_ledger(
        &self,
        card: CardId,
        reverse: bool,
        page: &PageRequest,
    ) -> Result<Page<LedgerEntry>> {
        self.check(Permission::ReadCustomers, None)?;
        let mut scan = Scan::index(ENTRY_BY_CARD).prefix(&Key::new().id(card.0));
        if reverse {
            scan = scan.reverse();
        }
        self.store().page(self.ws, scan, page).await
    }

    /// The card's lots with points remaining or held, soonest expiry first.
    ///
    /// # Errors
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "club_lots"))]
    pub async fn club_lots(&self, card: CardId) -> Result<Vec<Lot>> {
        self.check(Permission::ReadCustomers, None)?;
        self.open_lots(card, None).await
    }
}

/// The lots a draft moved points of, as changed.
pub(super) fn touched_lots(lots: &[Lot], draft: &ledger::Draft) -> Vec<Lot> {
    lots.iter()
        .filter(|l| draft.allocations.iter().any(|a| a.lot == l.id))
        .cloned()
        .collect()
}

/// What one earning adds to a card (see [`Session::earn_commit`]).
pub(super) struct Earning<'a> {
    /// The points, as a new lot.
    pub points: i64,
    /// The entry's reason.
    pub reason: &'a str,
    /// Where the points come from.
    pub source: EntrySource,
    /// The once-key: the entry claims it, so the earning is made once.
    pub key: String,
    /// The paid order earning them, if any (spend, paid orders).
    pub order: Option<&'a Order>,
    /// Counts towards the card's referral rewards (for the cap).
    pub referral_reward: bool,
}

//! The customer club on every store: joining and finding cards, earning on paid orders,
//! holds (idempotent, captured, released, expired), refunds of orders and of redemptions,
//! adjustments, expiry with notices, tiers, vouchers and referrals; the ledger's invariants
//! after every step; and racing holds that never overspend.

use super::{assert_invalid, assert_unauthorized};
use crate::support::Desk;
use chrono::Duration;
use crm_core::channel::Channel;
use crm_core::club::{
    Card, CardId, EarningRule, EntryKind, ExpiryPolicy, Hold, HoldStatus, LedgerEntry, Lot,
    MembershipStatus, RefundPolicy, RewardKind, Tier, TierBasis, TierRules, TierWindow,
};
use crm_core::customer::ContactKind;
use crm_core::id::WorkspaceId;
use crm_core::sales::{Currency, Money};
use crm_core::service::{NewCustomer, NewOrder, NewProgramme};
use crm_core::store::{Store, StoreExt};
use crm_core::{Error, Session};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Every ledger invariant of `card`, read from the store: the balance is the sum of the
/// entries (and each entry's running balance is right), every lot accounts for its points
/// and none is negative, the lots' remaining and held points are the balance plus the debt,
/// the card's held points are its open holds', redemptions' allocations equal their points,
/// and entries are numbered 0, 1, 2, ... Returns the card.
pub async fn assert_ledger_consistent(store: &dyn Store, ws: WorkspaceId, card: CardId) -> Card {
    let card: Card = store.fetch(ws, card.0).await.unwrap();
    let mut entries: Vec<LedgerEntry> = store
        .all::<LedgerEntry>(ws)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.card == card.id)
        .collect();
    entries.sort_by_key(|e| e.seq);
    let mut sum = 0;
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.seq, i as u64, "entries are numbered in order");
        sum += e.points;
        assert_eq!(e.balance, sum, "entry {i} carries the running balance");
        let moved: i64 = e.allocations.iter().map(|a| a.points).sum();
        assert_eq!(
            e.points,
            moved - e.debt,
            "entry {i} allocations account for it"
        );
        if e.kind == EntryKind::Redeem {
            assert!(e.allocations.iter().all(|a| a.points < 0));
        }
    }
    assert_eq!(card.entries, entries.len() as u64);
    assert_eq!(card.balance, sum, "the balance is the sum of the entries");
    let lots: Vec<Lot> = store
        .all::<Lot>(ws)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.card == card.id)
        .collect();
    for lot in &lots {
        assert!(lot.is_consistent(), "lot accounts for every point: {lot:?}");
    }
    let in_lots: i64 = lots.iter().map(|l| l.remaining + l.held).sum();
    assert_eq!(
        in_lots,
        card.balance + card.debt,
        "lots hold balance plus debt"
    );
    let held_in_lots: i64 = lots.iter().map(|l| l.held).sum();
    let holds: i64 = store
        .all::<Hold>(ws)
        .await
        .unwrap()
        .iter()
        .filter(|h| h.card == card.id && h.status == HoldStatus::Held)
        .map(|h| h.points)
        .sum();
    assert_eq!(card.held, holds, "held points are the open holds'");
    assert_eq!(card.held, held_in_lots, "held points are reserved in lots");
    assert!(card.debt >= 0 && card.held >= 0);
    card
}

fn irr(amount: i64) -> Money {
    Money::new(Decimal::from(amount), Currency::irr()).unwrap()
}

/// A programme earning 1 point per 10,000 IRR, 100 points on joining, points living 30 days
/// with a notice 7 days before, holds of 10 minutes, silver from 1,000 points (×1.5), and 50
/// points per referral, at most 1.
fn programme() -> NewProgramme {
    let mut p = NewProgramme::new("باشگاه مشتریان");
    p.rules = vec![
        EarningRule::PerAmount {
            currency: Currency::irr(),
            per: Decimal::from(10_000),
            points: 1,
        },
        EarningRule::Joining { points: 100 },
    ];
    p.expiry = ExpiryPolicy::Lifetime { days: 30 };
    p.notice_days = 7;
    p.hold_seconds = 600;
    p.tiers = TierRules {
        basis: TierBasis::Points,
        window: TierWindow::Rolling12Months,
        tiers: vec![
            Tier {
                name: "member".into(),
                threshold: Decimal::ZERO,
                multiplier: 100,
            },
            Tier {
                name: "silver".into(),
                threshold: Decimal::from(1000),
                multiplier: 150,
            },
        ],
        grace_days: 10,
    };
    p.referrals.points = 50;
    p.referrals.cap = 1;
    p
}

async fn order(
    s: &Session,
    customer: crm_core::id::CustomerId,
    amount: i64,
) -> crm_core::sales::Order {
    let new = NewOrder {
        customer,
        lines: Vec::new(),
        total: Some(irr(amount)),
        ordered_at: None,
    };
    s.record_order(new).await.unwrap()
}

/// The club from joining to referral, with the ledger checked after every step.
pub async fn club_ledger_scenario(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Club").await;
    let ws = desk.workspace.id;
    let st = store.as_ref();
    let p = desk.admin.create_programme(programme()).await.unwrap();
    assert_unauthorized(
        desk.agent
            .create_programme(NewProgramme::new("other"))
            .await,
    );
    let mut bad = NewProgramme::new("bad");
    bad.hold_seconds = 0;
    assert_invalid(
        desk.admin.create_programme(bad).await,
        Some("programme.hold_seconds"),
    );
    let new = NewCustomer::person("Sara", "Karimi")
        .contact(ContactKind::Email, "sara@example.com")
        .contact(ContactKind::Mobile, "09121234567");
    let mut new = new;
    new.consent = vec![(Channel::Email, true)];
    let sara = desk.officer.create_customer(new).await.unwrap();
    let card = desk.agent.join_club(p.id, sara.id).await.unwrap();
    assert_eq!(
        desk.agent.join_club(p.id, sara.id).await.unwrap().id,
        card.id,
        "joining twice"
    );
    assert_eq!(card.balance, 100, "the joining bonus");
    assert_eq!(card.tier, "member");
    // Found by number (Persian digits), customer and contact point.
    let typed = crm_core::calendar::to_persian_digits(&card.number.grouped());
    assert_eq!(desk.agent.card_by_number(&typed).await.unwrap().id, card.id);
    assert_invalid(
        desk.agent.card_by_number("1234 5678 9012").await,
        Some("card.number"),
    );
    assert_eq!(
        desk.agent.customer_cards(sara.id).await.unwrap()[0].id,
        card.id
    );
    let by_phone = desk
        .agent
        .cards_by_contact(ContactKind::Mobile, "+98 912 123 4567")
        .await
        .unwrap();
    assert_eq!(by_phone[0].id, card.id);

    // A paid order earns 25 points (250,000 IRR), once.
    let o = order(&desk.agent, sara.id, 250_000).await;
    assert_eq!(desk.agent.club_balance(card.id).await.unwrap().balance, 125);
    assert_eq!(desk.agent.earn_for_order(o.id).await.unwrap()[0].points, 25);
    assert_eq!(
        desk.agent.club_balance(card.id).await.unwrap().balance,
        125,
        "earned once"
    );
    // The 360 view shows the card, its balance and its newest entries first.
    let view = desk.agent.customer_view(sara.id).await.unwrap();
    assert_eq!(view.club.len(), 1);
    assert_eq!(view.club[0].card.id, card.id);
    assert_eq!(view.club[0].card.balance, 125);
    assert_eq!(view.club[0].last_entries[0].points, 25);
    assert_ledger_consistent(st, ws, card.id).await;

    // Holds: idempotent by key, reserving, captured once.
    let h = desk
        .agent
        .hold_points(card.id, 60, "pos-1", "coffee")
        .await
        .unwrap();
    let again = desk
        .agent
        .hold_points(card.id, 60, "pos-1", "coffee")
        .await
        .unwrap();
    assert_eq!(again.id, h.id);
    let b = desk.agent.club_balance(card.id).await.unwrap();
    assert_eq!((b.balance, b.held, b.available), (125, 60, 65));
    assert_invalid(
        desk.agent.hold_points(card.id, 66, "pos-2", "").await,
        Some("points"),
    );
    assert_invalid(
        desk.agent.hold_points(card.id, 0, "pos-3", "").await,
        Some("points"),
    );
    let captured = desk.agent.capture_hold(h.id).await.unwrap();
    assert_eq!(captured.status, HoldStatus::Captured);
    assert_eq!(
        desk.agent.capture_hold(h.id).await.unwrap().entry,
        captured.entry
    );
    assert_invalid(desk.agent.release_hold(h.id).await, Some("hold.status"));
    let b = desk.agent.club_balance(card.id).await.unwrap();
    assert_eq!((b.balance, b.held), (65, 0));
    // The redemption used the soonest-expiring lot first: the joining lot.
    let redeem = desk.agent.hold_entry(h.id).await.unwrap();
    assert_eq!(redeem.allocations.len(), 1);
    assert_ledger_consistent(st, ws, card.id).await;

    // A released hold gives its points back; a stale one expires.
    let r = desk
        .agent
        .hold_points(card.id, 30, "pos-4", "")
        .await
        .unwrap();
    desk.agent.release_hold(r.id).await.unwrap();
    let stale = desk
        .agent
        .hold_points(card.id, 20, "pos-5", "")
        .await
        .unwrap();
    desk.tick(11);
    assert_invalid(desk.agent.capture_hold(stale.id).await, Some("hold.status"));
    let worker = desk.crm.system_session(ws, "worker").await.unwrap();
    assert_eq!(worker.expire_holds(100).await.unwrap(), 1);
    assert_eq!(
        desk.agent.hold(stale.id).await.unwrap().status,
        HoldStatus::Expired
    );
    assert_eq!(
        desk.agent.club_balance(card.id).await.unwrap().available,
        65
    );
    assert_ledger_consistent(st, ws, card.id).await;

    // A refunded redemption gives back the original lot, with its original expiry.
    desk.agent.refund_redemption(h.id).await.unwrap();
    assert_eq!(desk.agent.club_balance(card.id).await.unwrap().balance, 125);
    assert_ledger_consistent(st, ws, card.id).await;

    // Adjustments: a manager, with a note.
    assert_unauthorized(desk.agent.adjust_points(card.id, 10, "goodwill").await);
    assert_invalid(
        desk.manager.adjust_points(card.id, 10, " ").await,
        Some("note"),
    );
    assert_invalid(
        desk.manager.adjust_points(card.id, -1000, "too much").await,
        Some("points"),
    );
    desk.manager
        .adjust_points(card.id, -5, "typo at the till")
        .await
        .unwrap();
    assert_eq!(desk.agent.club_balance(card.id).await.unwrap().balance, 120);

    // Spend almost everything, then refund the order: its 25 points are taken back, the
    // missing part becomes debt (the default policy).
    let spend = desk
        .agent
        .hold_points(card.id, 110, "big", "")
        .await
        .unwrap();
    desk.agent.capture_hold(spend.id).await.unwrap();
    desk.agent.refund_order(o.id, o.version).await.unwrap();
    let b = desk.agent.club_balance(card.id).await.unwrap();
    assert_eq!((b.balance, b.debt, b.available), (-15, 15, 0));
    // Refunding again changes nothing.
    assert!(
        desk.agent
            .reverse_order_points(o.id, o.total.amount)
            .await
            .unwrap()
            .is_none()
    );
    assert_ledger_consistent(st, ws, card.id).await;
    // A new order pays the debt first.
    let o2 = order(&desk.agent, sara.id, 400_000).await;
    let b = desk.agent.club_balance(card.id).await.unwrap();
    assert_eq!((b.balance, b.debt), (25, 0));
    assert_ledger_consistent(st, ws, card.id).await;

    // Expiry: a notice 7 days before, then the points expire.
    desk.tick(60 * 24 * 24);
    let run = worker.run_club_expiry(100).await.unwrap();
    assert!(run.noticed >= 1, "{run:?}");
    assert_eq!(
        worker.run_club_expiry(100).await.unwrap().noticed,
        0,
        "noticed once"
    );
    desk.tick(60 * 24 * 7);
    let run = worker.run_club_expiry(100).await.unwrap();
    assert!(run.expired_points > 0);
    assert_eq!(desk.agent.club_balance(card.id).await.unwrap().balance, 0);
    assert_eq!(
        worker.run_club_expiry(100).await.unwrap().expired_lots,
        0,
        "expired once"
    );
    assert_ledger_consistent(st, ws, card.id).await;
    let _ = o2;

    // Tiers: an upgrade at once, a downgrade only after the grace period, one step.
    order(&desk.agent, sara.id, 10_000_000).await;
    let c = desk.agent.card(card.id).await.unwrap();
    assert_eq!(c.tier, "silver");
    let o3 = order(&desk.agent, sara.id, 100_000).await;
    let earned = desk.agent.earn_for_order(o3.id).await.unwrap();
    assert_eq!(earned[0].points, 15, "10 points ×1.5 in silver");
    desk.tick(60 * 24 * 400);
    assert_eq!(
        worker.review_tier(card.id).await.unwrap().tier,
        "silver",
        "in grace"
    );
    desk.tick(60 * 24 * 11);
    let c = worker.review_tier(card.id).await.unwrap();
    assert_eq!(c.tier, "member");
    assert!(c.tier_history.len() >= 3);
    // A manual floor.
    let until = crm_core::clock::Clock::now(desk.clock.as_ref()) + Duration::days(30);
    assert_unauthorized(desk.agent.grant_tier(card.id, "silver", until, "vip").await);
    assert_invalid(
        desk.manager.grant_tier(card.id, "gold", until, "vip").await,
        Some("tier"),
    );
    let c = desk
        .manager
        .grant_tier(card.id, "silver", until, "vip")
        .await
        .unwrap();
    assert_eq!(c.tier, "silver");
    desk.tick(60 * 24 * 20);
    assert_eq!(
        worker.review_tier(card.id).await.unwrap().tier,
        "silver",
        "the floor holds"
    );
    assert_ledger_consistent(st, ws, card.id).await;

    // Vouchers: unique, single use.
    let reward = desk
        .admin
        .add_reward(p.id, "بلیت سینما", 10, RewardKind::Voucher)
        .await
        .unwrap();
    assert_eq!(desk.agent.rewards(p.id).await.unwrap().len(), 1);
    let (_, voucher) = desk
        .agent
        .redeem_reward(card.id, reward.id, "cinema-1")
        .await
        .unwrap();
    let voucher = voucher.unwrap();
    let (_, same) = desk
        .agent
        .redeem_reward(card.id, reward.id, "cinema-1")
        .await
        .unwrap();
    assert_eq!(
        same.unwrap().code,
        voucher.code,
        "the same key, the same voucher"
    );
    desk.agent
        .use_voucher(&voucher.code.to_lowercase())
        .await
        .unwrap();
    assert_invalid(
        desk.agent.use_voucher(&voucher.code).await,
        Some("voucher.code"),
    );
    assert_ledger_consistent(st, ws, card.id).await;

    // Referrals: self-referral through a shared phone is caught; the first code wins; the
    // reward comes with the first paid order, capped.
    let twin = desk
        .officer
        .create_customer(
            NewCustomer::person("Sara", "K").contact(ContactKind::Email, "sara.k@example.com"),
        )
        .await
        .unwrap();
    let twin_card = desk.agent.join_club(p.id, twin.id).await.unwrap();
    let _ = twin_card;
    let ali = desk
        .officer
        .create_customer(NewCustomer::person("Ali", "Rezaei"))
        .await
        .unwrap();
    let reza = desk
        .officer
        .create_customer(NewCustomer::person("Reza", "Amini"))
        .await
        .unwrap();
    assert_invalid(
        desk.agent
            .refer_customer(sara.id, card.number.as_str())
            .await,
        Some("referral.code"),
    );
    desk.agent
        .refer_customer(ali.id, card.number.as_str())
        .await
        .unwrap();
    assert_invalid(
        desk.agent
            .refer_customer(ali.id, twin_card.number.as_str())
            .await,
        Some("referral.code"),
    );
    desk.agent
        .refer_customer(reza.id, card.number.as_str())
        .await
        .unwrap();
    desk.agent.join_club(p.id, ali.id).await.unwrap();
    desk.agent.join_club(p.id, reza.id).await.unwrap();
    let before = desk.agent.club_balance(card.id).await.unwrap().balance;
    order(&desk.agent, ali.id, 10_000).await;
    order(&desk.agent, ali.id, 10_000).await;
    assert_eq!(
        desk.agent.club_balance(card.id).await.unwrap().balance,
        before + 50,
        "once"
    );
    order(&desk.agent, reza.id, 10_000).await;
    assert_eq!(
        desk.agent.club_balance(card.id).await.unwrap().balance,
        before + 50,
        "capped"
    );
    assert_ledger_consistent(st, ws, card.id).await;

    // Memberships: suspended cards neither earn nor redeem; ended ones stay ended.
    assert_unauthorized(
        desk.agent
            .set_membership(card.id, MembershipStatus::Suspended)
            .await,
    );
    desk.manager
        .set_membership(card.id, MembershipStatus::Suspended)
        .await
        .unwrap();
    assert_invalid(
        desk.agent.hold_points(card.id, 1, "s", "").await,
        Some("card.status"),
    );
    desk.manager
        .set_membership(card.id, MembershipStatus::Ended)
        .await
        .unwrap();
    assert_invalid(
        desk.manager
            .set_membership(card.id, MembershipStatus::Active)
            .await,
        Some("card.status"),
    );
    assert_ledger_consistent(st, ws, card.id).await;
}

/// Under [`RefundPolicy::BlockRedemption`] a refund of spent points is debt that blocks
/// redemption until later earnings pay it.
pub async fn refunds_may_block_redemption(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Club block").await;
    let mut new = programme();
    new.refund_policy = RefundPolicy::BlockRedemption;
    new.rules.pop();
    new.rules.push(EarningRule::Birthday { points: 20 });
    let p = desk.admin.create_programme(new).await.unwrap();
    let c = desk
        .officer
        .create_customer(NewCustomer::person("Nima", "Sadeghi"))
        .await
        .unwrap();
    let card = desk.agent.join_club(p.id, c.id).await.unwrap();
    let o1 = order(&desk.agent, c.id, 500_000).await;
    order(&desk.agent, c.id, 300_000).await;
    let h = desk.agent.hold_points(card.id, 60, "k", "").await.unwrap();
    desk.agent.capture_hold(h.id).await.unwrap();
    // The hold took o1's 50 (expiring first) and 10 of o2's 30: refunding o1 reverses 50
    // points, none of which remain in its lot; o2's lot is not touched.
    desk.agent.refund_order(o1.id, o1.version).await.unwrap();
    let b = desk.agent.club_balance(card.id).await.unwrap();
    assert_eq!(b.balance, 80 - 60 - 50, "the whole 50 is reversed");
    assert_eq!(b.debt, 50, "none of o1's lot remained");
    assert_eq!(
        desk.agent.club_lots(card.id).await.unwrap()[0].remaining,
        20
    );
    match desk.agent.hold_points(card.id, 1, "k2", "").await {
        Err(Error::Invalid { .. }) => {}
        other => panic!("blocked redemption expected, got {other:?}"),
    }
    assert_ledger_consistent(store.as_ref(), desk.workspace.id, card.id).await;
    // The report over the period, by hand: 80 issued, 60 redeemed, 50 reversed, nothing
    // expired; no liability (the balance is below zero); one active member.
    let start = crate::support::start_time();
    let now = crm_core::clock::Clock::now(desk.clock.as_ref()) + Duration::seconds(1);
    let r = desk.manager.club_report(start, now).await.unwrap();
    assert_eq!(
        (r.issued, r.redeemed, r.reversed, r.expired, r.liability),
        (80, 60, 50, 0, 0)
    );
    assert_eq!(r.members_per_tier.get("member"), Some(&1));
    assert_unauthorized(desk.agent.club_report(start, now).await);
    // A birthday bonus pays the debt first, once a year.
    let bonus = desk
        .agent
        .award_birthday_bonus(card.id, 1405)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bonus.points, 20);
    let again = desk
        .agent
        .award_birthday_bonus(card.id, 1405)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, bonus.id);
    let b = desk.agent.club_balance(card.id).await.unwrap();
    assert_eq!((b.balance, b.debt), (-10, 30));
    assert_ledger_consistent(store.as_ref(), desk.workspace.id, card.id).await;
}

/// N racing holds of `p` points on a balance `B`: exactly `B / p` succeed, the rest are
/// refused, and the ledger stays consistent.
pub async fn racing_holds_never_overspend(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Club race").await;
    let mut new = programme();
    new.rules = vec![EarningRule::Joining { points: 100 }];
    let p = desk.admin.create_programme(new).await.unwrap();
    let c = desk
        .officer
        .create_customer(NewCustomer::person("Race", "Card"))
        .await
        .unwrap();
    let card = desk.agent.join_club(p.id, c.id).await.unwrap();
    let points = 7;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let s = if i % 2 == 0 {
                desk.agent.clone()
            } else {
                desk.agent2.clone()
            };
            tokio::spawn(async move {
                s.hold_points(card.id, points, &format!("race-{i}"), "")
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Invalid { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 100 / points);
    let card = assert_ledger_consistent(store.as_ref(), desk.workspace.id, card.id).await;
    assert_eq!(card.held, (100 / points) * points);
}

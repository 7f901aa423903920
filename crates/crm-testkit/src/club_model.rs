//! The model-based test of the points ledger: random earning, holding, capturing,
//! releasing, refunding (orders and redemptions), adjusting and expiring on one card,
//! checked step by step against a simple reference model, and the ledger's invariants
//! checked at the end. The same steps give the same ledger on every store.

use crate::checks::assert_ledger_consistent;
use crate::support::Desk;
use chrono::{DateTime, Duration, Utc};
use crm_core::Error;
use crm_core::club::{CardId, EarningRule, ExpiryPolicy, HoldId, LedgerEntry};
use crm_core::id::OrderId;
use crm_core::sales::{Currency, Money};
use crm_core::service::{NewCustomer, NewOrder, NewProgramme};
use crm_core::store::{PageRequest, Store};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

/// Days points live.
const LIFETIME_DAYS: i64 = 30;
/// Seconds a hold lives.
const HOLD_SECONDS: i64 = 3 * 86_400;

/// One step on the card.
#[derive(Debug, Clone)]
pub enum Step {
    /// A paid order earning this many points.
    Earn(i64),
    /// Hold points under key `k{n}` (keys repeat: idempotency).
    Hold(i64, u8),
    /// Capture the i-th hold made (modulo).
    Capture(usize),
    /// Release the i-th hold.
    Release(usize),
    /// Refund the i-th order.
    RefundOrder(usize),
    /// Refund the i-th hold's redemption.
    RefundRedemption(usize),
    /// A manager's adjustment.
    Adjust(i64),
    /// Days pass; the worker expires lots, then holds.
    Advance(i64),
}

/// Random steps, up to `n`.
pub fn steps(n: usize) -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        4 => (1i64..60).prop_map(Step::Earn),
        4 => (1i64..80, 0u8..6).prop_map(|(p, k)| Step::Hold(p, k)),
        3 => (0usize..8).prop_map(Step::Capture),
        2 => (0usize..8).prop_map(Step::Release),
        1 => (0usize..8).prop_map(Step::RefundOrder),
        1 => (0usize..8).prop_map(Step::RefundRedemption),
        1 => prop_oneof![(1i64..40), (-40i64..-1)].prop_map(Step::Adjust),
        2 => (0i64..20).prop_map(Step::Advance),
    ];
    prop::collection::vec(step, 1..n)
}

#[derive(Debug, Clone)]
struct MLot {
    order: Option<usize>,
    earned: i64,
    expires: DateTime<Utc>,
    remaining: i64,
    held: i64,
    order_reversed: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MStatus {
    Held,
    Captured,
    Released,
    Expired,
    Refunded,
}

#[derive(Debug, Clone)]
struct MHold {
    id: HoldId,
    points: i64,
    lots: Vec<(usize, i64)>,
    status: MStatus,
    expires: DateTime<Utc>,
}

/// The reference: lots in earning order (which is expiry order: one lifetime, a clock that
/// moves every step), holds, the balance and the debt.
#[derive(Debug, Default)]
struct Model {
    lots: Vec<MLot>,
    holds: Vec<MHold>,
    keys: HashMap<u8, usize>,
    orders: Vec<(OrderId, bool)>,
    balance: i64,
    held: i64,
    debt: i64,
}

impl Model {
    fn available(&self) -> i64 {
        (self.balance - self.held).max(0)
    }

    fn earn(&mut self, points: i64, order: Option<usize>, now: DateTime<Utc>) {
        let repaid = self.debt.min(points);
        self.debt -= repaid;
        self.balance += points;
        self.lots.push(MLot {
            order,
            earned: points,
            expires: now + Duration::days(LIFETIME_DAYS),
            remaining: points - repaid,
            held: 0,
            order_reversed: 0,
        });
    }

    /// Takes up to `points` of remaining points, oldest lot first, except `skip`.
    fn take(&mut self, points: i64, skip: Option<usize>) -> (Vec<(usize, i64)>, i64) {
        let mut left = points;
        let mut got = Vec::new();
        for (i, lot) in self.lots.iter_mut().enumerate() {
            if left == 0 {
                break;
            }
            if Some(i) == skip {
                continue;
            }
            let n = lot.remaining.min(left);
            if n > 0 {
                lot.remaining -= n;
                left -= n;
                got.push((i, n));
            }
        }
        (got, left)
    }
}

/// What a step came to.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Invalid,
}

fn outcome<T: std::fmt::Debug>(r: &Result<T, Error>) -> Outcome {
    match r {
        Ok(_) => Outcome::Ok,
        Err(Error::Invalid { .. }) => Outcome::Invalid,
        Err(e) => panic!("unexpected error {e:?}"),
    }
}

/// Runs `steps` on a fresh workspace of `store`, checking the card against the model after
/// each; returns the ledger as (kind, points, balance) for comparison across stores.
pub async fn run(store: &Arc<dyn Store>, steps: &[Step]) -> Vec<(String, i64, i64)> {
    let desk = Desk::open(store, "Club model").await;
    let mut new = NewProgramme::new("club");
    new.rules = vec![EarningRule::PerAmount {
        currency: Currency::irr(),
        per: Decimal::from(10_000),
        points: 1,
    }];
    new.expiry = ExpiryPolicy::Lifetime {
        days: LIFETIME_DAYS as u32,
    };
    new.hold_seconds = HOLD_SECONDS as u32;
    let programme = desk.admin.create_programme(new).await.unwrap();
    let customer = desk
        .officer
        .create_customer(NewCustomer::person("Model", "Member"))
        .await
        .unwrap();
    let card: CardId = desk
        .agent
        .join_club(programme.id, customer.id)
        .await
        .unwrap()
        .id;
    let worker = desk
        .crm
        .system_session(desk.workspace.id, "worker")
        .await
        .unwrap();
    let s = &desk.agent;
    let mut m = Model::default();
    for (n, step) in steps.iter().enumerate() {
        desk.clock.advance(Duration::seconds(1));
        let now = crm_core::clock::Clock::now(desk.clock.as_ref());
        let (got, want) = match step {
            Step::Earn(points) => {
                let total = Money::new(Decimal::from(points * 10_000), Currency::irr()).unwrap();
                let new = NewOrder {
                    customer: customer.id,
                    lines: Vec::new(),
                    total: Some(total),
                    ordered_at: None,
                };
                let order = s.record_order(new).await.unwrap();
                m.orders.push((order.id, true));
                m.earn(*points, Some(m.orders.len() - 1), now);
                (Outcome::Ok, Outcome::Ok)
            }
            Step::Hold(points, key) => {
                let got = s.hold_points(card, *points, &format!("k{key}"), "").await;
                let want = if let Some(&i) = m.keys.get(key) {
                    assert_eq!(
                        got.as_ref().unwrap().id,
                        m.holds[i].id,
                        "the same key, the same hold"
                    );
                    Outcome::Ok
                } else if *points > m.available() {
                    Outcome::Invalid
                } else {
                    let (lots, missing) = m.take(*points, None);
                    assert_eq!(missing, 0);
                    for (i, n) in &lots {
                        m.lots[*i].held += n;
                    }
                    m.held += points;
                    m.keys.insert(*key, m.holds.len());
                    let id = got
                        .as_ref()
                        .map(|h| h.id)
                        .unwrap_or(HoldId(uuid::Uuid::nil()));
                    m.holds.push(MHold {
                        id,
                        points: *points,
                        lots,
                        status: MStatus::Held,
                        expires: now + Duration::seconds(HOLD_SECONDS),
                    });
                    Outcome::Ok
                };
                (outcome(&got), want)
            }
            Step::Capture(i) | Step::Release(i) | Step::RefundRedemption(i)
                if m.holds.is_empty() =>
            {
                let _ = i;
                continue;
            }
            Step::Capture(i) => {
                let i = i % m.holds.len();
                let got = s.capture_hold(m.holds[i].id).await;
                let h = m.holds[i].clone();
                let want = match h.status {
                    MStatus::Captured => Outcome::Ok,
                    MStatus::Held if h.expires > now => {
                        for (l, n) in &h.lots {
                            m.lots[*l].held -= n;
                        }
                        m.held -= h.points;
                        m.balance -= h.points;
                        m.holds[i].status = MStatus::Captured;
                        Outcome::Ok
                    }
                    _ => Outcome::Invalid,
                };
                (outcome(&got), want)
            }
            Step::Release(i) => {
                let i = i % m.holds.len();
                let got = s.release_hold(m.holds[i].id).await;
                let want = match m.holds[i].status {
                    MStatus::Released | MStatus::Expired => Outcome::Ok,
                    MStatus::Held => {
                        release(&mut m, i, MStatus::Released);
                        Outcome::Ok
                    }
                    _ => Outcome::Invalid,
                };
                (outcome(&got), want)
            }
            Step::RefundRedemption(i) => {
                let i = i % m.holds.len();
                let got = s.refund_redemption(m.holds[i].id).await;
                let want = match m.holds[i].status {
                    MStatus::Refunded => Outcome::Ok,
                    MStatus::Captured => {
                        let h = m.holds[i].clone();
                        for (l, n) in &h.lots {
                            m.lots[*l].remaining += n;
                        }
                        m.balance += h.points;
                        m.holds[i].status = MStatus::Refunded;
                        Outcome::Ok
                    }
                    _ => Outcome::Invalid,
                };
                (outcome(&got), want)
            }
            Step::RefundOrder(i) => {
                if m.orders.is_empty() {
                    continue;
                }
                let i = i % m.orders.len();
                let (id, paid) = m.orders[i];
                let order = s.order(id).await.unwrap();
                let got = s.refund_order(id, order.version).await;
                let want = if paid {
                    m.orders[i].1 = false;
                    let own = m.lots.iter().position(|l| l.order == Some(i)).unwrap();
                    let points = m.lots[own].earned - m.lots[own].order_reversed;
                    let from_own = m.lots[own].remaining.min(points);
                    m.lots[own].remaining -= from_own;
                    m.lots[own].order_reversed += points;
                    let (_, missing) = m.take(points - from_own, Some(own));
                    m.debt += missing;
                    m.balance -= points;
                    Outcome::Ok
                } else {
                    Outcome::Invalid
                };
                (outcome(&got), want)
            }
            Step::Adjust(points) => {
                let got = desk.manager.adjust_points(card, *points, "model").await;
                let want = if *points > 0 {
                    m.earn(*points, None, now);
                    Outcome::Ok
                } else if -points > m.available() {
                    Outcome::Invalid
                } else {
                    let (_, missing) = m.take(-points, None);
                    assert_eq!(missing, 0);
                    m.balance += points;
                    Outcome::Ok
                };
                (outcome(&got), want)
            }
            Step::Advance(days) => {
                desk.clock.advance(Duration::days(*days));
                let now = crm_core::clock::Clock::now(desk.clock.as_ref());
                worker.run_club_expiry(1000).await.unwrap();
                for lot in &mut m.lots {
                    if lot.expires <= now && lot.remaining > 0 {
                        m.balance -= lot.remaining;
                        lot.remaining = 0;
                    }
                }
                worker.expire_holds(1000).await.unwrap();
                for i in 0..m.holds.len() {
                    if m.holds[i].status == MStatus::Held && m.holds[i].expires <= now {
                        release(&mut m, i, MStatus::Expired);
                    }
                }
                (Outcome::Ok, Outcome::Ok)
            }
        };
        assert_eq!(got, want, "step {n}: {step:?}");
        let b = s.club_balance(card).await.unwrap();
        assert_eq!(
            (b.balance, b.held, b.debt, b.available),
            (m.balance, m.held, m.debt, m.available()),
            "step {n}: {step:?}"
        );
    }
    assert_ledger_consistent(store.as_ref(), desk.workspace.id, card).await;
    let mut ledger = Vec::new();
    let mut page = PageRequest::first(500);
    loop {
        let got = s.club_ledger(card, false, &page).await.unwrap();
        ledger.extend(
            got.items
                .iter()
                .map(|e: &LedgerEntry| (e.kind.as_str().to_owned(), e.points, e.balance)),
        );
        match got.next {
            Some(next) => page = PageRequest::after(next, 500),
            None => return ledger,
        }
    }
}

fn release(m: &mut Model, i: usize, to: MStatus) {
    let h = m.holds[i].clone();
    for (l, n) in &h.lots {
        m.lots[*l].held -= n;
        m.lots[*l].remaining += n;
    }
    m.held -= h.points;
    m.holds[i].status = to;
}

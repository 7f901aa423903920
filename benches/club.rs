//! The club proofs of issue 13 (see `docs/club.md`).
//!
//! ```text
//! cargo bench -p crm-rs --bench club
//! CRM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p crm-rs --bench club
//! ```
//!
//! On sled (durable: `Flush`) and on PostgreSQL when `CRM_BENCH_POSTGRES_URL` is set (a
//! schema of its own, dropped at the end), beside a hand-written rusqlite baseline of the
//! same ledger (WAL, `synchronous=FULL`):
//!
//! 1. **Earn per second**: `earn_for_order` on `CRM_BENCH_CLUB_OPS` paid orders (default
//!    300), one after another: read the order, the card and the programme, write a lot, an
//!    entry, the card and an audit entry in one commit. The baseline reads the card and writes
//!    a lot, an entry and the card in one transaction.
//! 2. **Redeem per second**: as many `hold_points` then `capture_hold` pairs of 1 point (two
//!    commits each). The baseline: a transaction reserving from the soonest-expiring lot,
//!    then one spending it with an entry.
//! 3. **Balance of a card with 10,000 entries** (`CRM_BENCH_CLUB_ENTRIES`): `club_balance`
//!    timed 1,000 times (p50, p99). It reads the card record alone. Target: p99 under 1 ms.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use crm_core::club::{CardId, EarningRule};
use crm_core::id::OrderId;
use crm_core::sales::{Currency, Money};
use crm_core::service::{NewCustomer, NewOrder, NewProgramme, NewStaff};
use crm_core::staff::Role;
use crm_core::store::Store;
use crm_core::{Crm, Session};
use crm_store_postgres::TestSchema;
use crm_store_sled::{Durability, SledConfig, SledStore};
use rusqlite::{Connection, TransactionBehavior, params};
use rust_decimal::Decimal;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

fn pct(times: &mut [Duration], p: f64) -> Duration {
    times.sort();
    times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let ops = env_u64("CRM_BENCH_CLUB_OPS", 300);
    let entries = env_u64("CRM_BENCH_CLUB_ENTRIES", 10_000);
    let postgres = std::env::var("CRM_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    if postgres.is_none() {
        eprintln!("SKIPPED: CRM_BENCH_POSTGRES_URL not set (PostgreSQL runs skipped)");
    }
    rt.block_on(async {
        let (store, _dir) = sled(Durability::Flush);
        rates("sled (Flush)", store, ops).await;
        if let Some(url) = &postgres {
            let (store, schema) = TestSchema::create(url).await.expect("postgres schema");
            rates("postgres", Arc::new(store), ops).await;
            drop(schema);
        }
        sqlite_rates(ops);
        let (store, _dir) = sled(Durability::Buffered);
        balance("sled", store, entries).await;
        if let Some(url) = &postgres {
            let (store, schema) = TestSchema::create(url).await.expect("postgres schema");
            balance("postgres", Arc::new(store), entries).await;
            drop(schema);
        }
    });
}

fn sled(durability: Durability) -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SledStore::open(SledConfig::new(dir.path().join("db")).durability(durability))
        .expect("open sled");
    (Arc::new(store), dir)
}

/// A workspace, a programme earning 1 point per 10,000 IRR, a member, and `orders` paid
/// orders recorded before they joined (so none has earned yet).
async fn world(store: Arc<dyn Store>, orders: u64) -> (Session, CardId, Vec<OrderId>) {
    let crm = Crm::new(store);
    let (ws, admin) = crm
        .create_workspace("Club bench", "IR", NewStaff::new("Admin", Role::Admin))
        .await
        .expect("workspace");
    let s = crm.session(ws.id, admin.id).await.expect("session");
    let mut new = NewProgramme::new("club");
    new.rules = vec![EarningRule::PerAmount {
        currency: Currency::irr(),
        per: Decimal::from(10_000),
        points: 1,
    }];
    let programme = s.create_programme(new).await.expect("programme");
    let customer = s
        .create_customer(NewCustomer::person("Bench", "Member"))
        .await
        .expect("customer");
    let mut ids = Vec::new();
    for _ in 0..orders {
        let total = Money::new(Decimal::from(1_000_000), Currency::irr()).expect("money");
        let new = NewOrder {
            customer: customer.id,
            lines: Vec::new(),
            total: Some(total),
            ordered_at: None,
        };
        ids.push(s.record_order(new).await.expect("order").id);
    }
    let card = s
        .join_club(programme.id, customer.id)
        .await
        .expect("join")
        .id;
    (s, card, ids)
}

async fn rates(name: &str, store: Arc<dyn Store>, ops: u64) {
    let (s, card, orders) = world(store, ops).await;
    let start = Instant::now();
    for order in &orders {
        black_box(s.earn_for_order(*order).await.expect("earn"));
    }
    let earn = start.elapsed();
    let start = Instant::now();
    for i in 0..ops {
        let hold = s
            .hold_points(card, 1, &format!("k{i}"), "")
            .await
            .expect("hold");
        s.capture_hold(hold.id).await.expect("capture");
    }
    let redeem = start.elapsed();
    println!(
        "club/{name}: earn {:.0}/s ({:.2} ms each); redeem (hold + capture) {:.0}/s ({:.2} ms each)",
        ops as f64 / earn.as_secs_f64(),
        earn.as_secs_f64() * 1000.0 / ops as f64,
        ops as f64 / redeem.as_secs_f64(),
        redeem.as_secs_f64() * 1000.0 / ops as f64
    );
}

async fn balance(name: &str, store: Arc<dyn Store>, entries: u64) {
    let (s, card, _) = world(store, 0).await;
    for i in 0..entries {
        let points = if i % 2 == 0 { 3 } else { -1 };
        s.adjust_points(card, points, "seed").await.expect("seed");
    }
    let mut times = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let start = Instant::now();
        black_box(s.club_balance(card).await.expect("balance"));
        times.push(start.elapsed());
    }
    let p50 = pct(&mut times, 0.5);
    let p99 = pct(&mut times, 0.99);
    println!(
        "club/{name}: balance of a card with {entries} entries: p50 {:.3} ms, p99 {:.3} ms (target < 1 ms)",
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0
    );
}

fn tx(conn: &Connection) -> rusqlite::Transaction<'_> {
    rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate).expect("tx")
}

/// The baseline ledger: cards with a running balance, lots, entries; earning and redeeming
/// as the services do, each step one transaction.
fn sqlite_rates(ops: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = Connection::open(dir.path().join("club.db")).expect("sqlite");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch(
        "CREATE TABLE cards (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, held INTEGER NOT NULL, entries INTEGER NOT NULL, version INTEGER NOT NULL);
         CREATE TABLE lots (id INTEGER PRIMARY KEY, card INTEGER NOT NULL, remaining INTEGER NOT NULL, held INTEGER NOT NULL, taken INTEGER NOT NULL, expires INTEGER NOT NULL);
         CREATE INDEX lots_open ON lots (card, expires) WHERE remaining + held > 0;
         CREATE TABLE entries (card INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, points INTEGER NOT NULL, balance INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (card, seq));
         CREATE TABLE holds (id INTEGER PRIMARY KEY, card INTEGER NOT NULL, lot INTEGER NOT NULL, points INTEGER NOT NULL, key TEXT NOT NULL UNIQUE, status TEXT NOT NULL);
         INSERT INTO cards VALUES (1, 0, 0, 0, 1);",
    )
    .expect("schema");

    let start = Instant::now();
    for i in 0..ops as i64 {
        let t = tx(&conn);
        let (balance, seq): (i64, i64) = t
            .query_row("SELECT balance, entries FROM cards WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("card");
        t.execute(
            "INSERT INTO lots (card, remaining, held, taken, expires) VALUES (1, 100, 0, 0, ?1)",
            [i],
        )
        .expect("lot");
        t.execute(
            "INSERT INTO entries VALUES (1, ?1, 'earn', 100, ?2, 'order paid')",
            params![seq, balance + 100],
        )
        .expect("entry");
        t.execute(
            "UPDATE cards SET balance = balance + 100, entries = entries + 1, version = version + 1 WHERE id = 1",
            [],
        )
        .expect("card");
        t.commit().expect("commit");
    }
    let earn = start.elapsed();
    let start = Instant::now();
    for i in 0..ops as i64 {
        let t = tx(&conn);
        let lot: i64 = t
            .query_row(
                "SELECT id FROM lots WHERE card = 1 AND remaining > 0 ORDER BY expires LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("lot");
        t.execute(
            "UPDATE lots SET remaining = remaining - 1, held = held + 1 WHERE id = ?1",
            [lot],
        )
        .expect("reserve");
        t.execute(
            "INSERT INTO holds (card, lot, points, key, status) VALUES (1, ?1, 1, ?2, 'held')",
            params![lot, format!("k{i}")],
        )
        .expect("hold");
        t.execute(
            "UPDATE cards SET held = held + 1, version = version + 1 WHERE id = 1",
            [],
        )
        .expect("card");
        t.commit().expect("commit");
        let t = tx(&conn);
        let (hold, lot): (i64, i64) = t
            .query_row(
                "SELECT id, lot FROM holds WHERE key = ?1",
                [format!("k{i}")],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("hold");
        let (balance, seq): (i64, i64) = t
            .query_row("SELECT balance, entries FROM cards WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("card");
        t.execute(
            "UPDATE lots SET held = held - 1, taken = taken + 1 WHERE id = ?1",
            [lot],
        )
        .expect("spend");
        t.execute("UPDATE holds SET status = 'captured' WHERE id = ?1", [hold])
            .expect("captured");
        t.execute(
            "INSERT INTO entries VALUES (1, ?1, 'redeem', -1, ?2, 'redemption')",
            params![seq, balance - 1],
        )
        .expect("entry");
        t.execute(
            "UPDATE cards SET balance = balance - 1, held = held - 1, entries = entries + 1, version = version + 1 WHERE id = 1",
            [],
        )
        .expect("card");
        t.commit().expect("commit");
    }
    let redeem = start.elapsed();
    println!(
        "club/sqlite baseline: earn {:.0}/s ({:.2} ms each); redeem (hold + capture) {:.0}/s ({:.2} ms each)",
        ops as f64 / earn.as_secs_f64(),
        earn.as_secs_f64() * 1000.0 / ops as f64,
        ops as f64 / redeem.as_secs_f64(),
        redeem.as_secs_f64() * 1000.0 / ops as f64
    );
}

//! The intake proof of issue 4 (see `docs/benchmarks-cartable.md`).
//!
//! ```text
//! cargo bench -p crm-rs --bench intake
//! CRM_BENCH_WRITERS=1,4,16 CRM_BENCH_ROUNDS=20 cargo bench -p crm-rs --bench intake
//! CRM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p crm-rs --bench intake
//! ```
//!
//! Messages (half from known senders, half new) are taken in with `CRM_BENCH_CUSTOMERS`
//! customers stored (default 100,000) by every store at once: memory, sled (durable), sled
//! `Buffered`, PostgreSQL (when `CRM_BENCH_POSTGRES_URL` is set), and a hand-written rusqlite
//! baseline of the same work (look-up by email, customer + contact + audit row if new, next
//! request number, request + interaction + audit rows; one `IMMEDIATE` transaction per
//! message, WAL, `synchronous=FULL`).
//!
//! The machine's speed drifts (other processes, the host), so stores do not run one after
//! the other: each of `CRM_BENCH_ROUNDS` rounds (default 10) gives every store a block of
//! `CRM_BENCH_BLOCK` messages (default 200), in an order that rotates from round to round,
//! and each store's figure is the median of its blocks; the ratio of two stores is taken
//! round by round. This is done for each number of concurrent writers in
//! `CRM_BENCH_WRITERS` (default `1,8`): tokio tasks of one system session for crm-rs stores,
//! threads sharing the connection behind a mutex for SQLite (one writer at a time is all
//! SQLite allows; a connection per thread only adds the busy handler's sleeps).
//!
//! Writing to sled partly happens after a commit is acknowledged (see crm-store-sled's
//! docs), and SQLite moves its WAL into the database file when the connection closes. So the
//! stores are closed at the end and the time taken is reported, together with the
//! throughput over all blocks *and* the close: no work is left out.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::intake_baseline::{IntakeBaseline, body_of, template_request};
use common::{Config, RunDir, SeedIds, StoreKind, Target, email, progress};
use crm_core::channel::Channel;
use crm_core::service::{InboundMessage, Sender};
use crm_core::store::Store;
use crm_core::{Crm, Session};
use crm_store_sled::Durability;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn main() {
    let config = Config::from_env();
    let writers: Vec<u64> = std::env::var("CRM_BENCH_WRITERS")
        .unwrap_or_else(|_| "1,8".to_owned())
        .split(',')
        .map(|w| w.trim().parse().expect("CRM_BENCH_WRITERS: numbers"))
        .collect();
    let rounds = env_u64("CRM_BENCH_ROUNDS", 10);
    let block = env_u64("CRM_BENCH_BLOCK", 200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let run = RunDir::new(&config);
    let mut stores = prepare(&config, &rt, &run);
    for &w in &writers {
        measure(&rt, &mut stores, w, rounds, block, config.customers);
    }
    close(&rt, stores);
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

/// The sender of message `k` with `n` customers stored: even messages come from a known
/// customer (the same on every store), odd ones from a new address.
fn sender_of(k: u64, n: u64) -> String {
    if k.is_multiple_of(2) {
        email(mix(k) % n)
    } else {
        email(n + 1_000_000 + k)
    }
}

/// A fixed scramble of `k` (splitmix64).
fn mix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One store in the comparison, taking in messages.
struct Entrant {
    name: String,
    customers: u64,
    kind: Kind,
    /// The next message number.
    next: Arc<AtomicU64>,
    /// Times of the blocks, per number of writers.
    blocks: Vec<(u64, Duration)>,
}

#[allow(clippy::large_enum_variant)] // a handful of values per run
enum Kind {
    Crm {
        session: Session,
        store: Arc<dyn Store>,
        /// Kept alive with the store (PostgreSQL's throw-away schema).
        guard: Option<Box<dyn std::any::Any>>,
    },
    Sqlite(Arc<Mutex<IntakeBaseline>>),
}

fn prepare(config: &Config, rt: &tokio::runtime::Runtime, run: &RunDir) -> Vec<Entrant> {
    let n = config.customers;
    let mut stores = Vec::new();
    let store = |name: &str, customers, kind| Entrant {
        name: name.to_owned(),
        customers,
        kind,
        next: Arc::new(AtomicU64::new(0)),
        blocks: Vec::new(),
    };
    for kind in [StoreKind::Memory, StoreKind::Sqlite, StoreKind::Sled] {
        if !config.stores.contains(&kind) {
            continue;
        }
        match Target::prepare(kind, config, rt, run) {
            Target::Crm {
                store: s, session, ..
            } => {
                let session = system_session(rt, &s, session.workspace());
                let crm = Kind::Crm {
                    session,
                    store: s,
                    guard: None,
                };
                stores.push(store(kind.name(), n, crm));
            }
            Target::Sqlite(seeded) => {
                drop(seeded);
                let seed = config.seed_dir(StoreKind::Sqlite).join("crm.sqlite");
                let work = run.0.join("sqlite-intake.sqlite");
                common::copy_file(&seed, &work);
                let baseline = IntakeBaseline::open(&work, template_request(rt));
                stores.push(store(
                    "sqlite",
                    n,
                    Kind::Sqlite(Arc::new(Mutex::new(baseline))),
                ));
            }
        }
        if kind == StoreKind::Sled {
            // The same on another copy opened `Buffered`: what waiting for the disk costs.
            let work = run.0.join("sled-buffered");
            common::copy_dir(&config.seed_dir(StoreKind::Sled), &work);
            let s: Arc<dyn Store> = Arc::new(common::open_sled(
                config.sled(&work).durability(Durability::Buffered),
            ));
            let ws = SeedIds::read_from(&config.seed_dir(StoreKind::Sled))
                .expect("the sled seed")
                .workspace;
            let session = system_session(rt, &s, ws);
            let crm = Kind::Crm {
                session,
                store: s,
                guard: None,
            };
            stores.push(store("sled-buffered (not durable)", n, crm));
        }
    }
    if let Ok(url) = std::env::var("CRM_BENCH_POSTGRES_URL") {
        let pg_n = env_u64("CRM_BENCH_POSTGRES_CUSTOMERS", n);
        let (kind, customers) = rt.block_on(postgres(&url, pg_n));
        stores.push(store("postgres", customers, kind));
    } else {
        eprintln!("postgres: skipped (CRM_BENCH_POSTGRES_URL not set)");
    }
    stores
}

fn system_session(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    ws: crm_core::id::WorkspaceId,
) -> Session {
    rt.block_on(Crm::new(store.clone()).system_session(ws, "bench-intake"))
        .expect("system session")
}

async fn postgres(url: &str, n: u64) -> (Kind, u64) {
    let start = Instant::now();
    let (store, schema) = crm_store_postgres::TestSchema::create(url)
        .await
        .expect("postgres test schema");
    let store: Arc<dyn Store> = Arc::new(store);
    let crm = Crm::new(store.clone());
    progress(
        start,
        &format!("postgres: seeding {n} customers in {}", schema.name()),
    );
    let ids = common::seed_crm_with(&crm, n, 8).await;
    progress(start, "postgres: seeded");
    let session = crm
        .system_session(ids.workspace, "bench-intake")
        .await
        .expect("system session");
    let kind = Kind::Crm {
        session,
        store,
        guard: Some(Box::new(schema)),
    };
    (kind, n)
}

/// Takes in `count` messages on `store` with `writers` concurrent writers; the wall time.
fn block(rt: &tokio::runtime::Runtime, store: &Entrant, writers: u64, count: u64) -> Duration {
    let end = store.next.load(Ordering::Relaxed) + count;
    let n = store.customers;
    match &store.kind {
        Kind::Crm { session, .. } => rt.block_on(async {
            let start = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..writers {
                let (session, next) = (session.clone(), store.next.clone());
                tasks.push(tokio::spawn(async move {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= end {
                            next.fetch_sub(1, Ordering::Relaxed);
                            break;
                        }
                        intake(&session, k, n).await;
                    }
                }));
            }
            for task in tasks {
                task.await.expect("writer");
            }
            start.elapsed()
        }),
        Kind::Sqlite(baseline) => {
            let start = Instant::now();
            std::thread::scope(|scope| {
                for _ in 0..writers {
                    let (baseline, next) = (baseline.clone(), store.next.clone());
                    scope.spawn(move || {
                        loop {
                            let k = next.fetch_add(1, Ordering::Relaxed);
                            if k >= end {
                                next.fetch_sub(1, Ordering::Relaxed);
                                break;
                            }
                            let from = sender_of(k, n);
                            let db = baseline.lock().expect("baseline lock");
                            db.intake(&from, k).expect("sqlite intake");
                        }
                    });
                }
            });
            start.elapsed()
        }
    }
}

/// Message `k` through the service; checks that a new sender became a customer and a known
/// one was found.
async fn intake(session: &Session, k: u64, n: u64) {
    let message = InboundMessage::new(
        Channel::Email,
        &format!("bench-{k}@mail.example.com"),
        Sender {
            email: Some(sender_of(k, n)),
            ..Sender::default()
        },
        &body_of(k),
    )
    .subject("Where is my order?");
    let outcome = session.intake(message).await.expect("intake");
    assert!(outcome.customer.is_some(), "message {k}: no customer");
    assert_eq!(outcome.new_customer, k % 2 == 1, "message {k}");
}

fn measure(
    rt: &tokio::runtime::Runtime,
    stores: &mut [Entrant],
    writers: u64,
    rounds: u64,
    count: u64,
    customers: u64,
) {
    eprintln!("{writers} writer(s): warming up");
    for store in stores.iter() {
        block(rt, store, writers, count / 4 + 1);
    }
    for round in 0..rounds {
        let n = stores.len();
        for i in 0..n {
            // Rotate the order: every store runs first, last and in between.
            let store = &mut stores[(i + round as usize) % n];
            let elapsed = block(rt, store, writers, count);
            store.blocks.push((writers, elapsed));
        }
        eprintln!("{writers} writer(s): round {} of {rounds}", round + 1);
    }
    println!(
        "\nintake, {writers} writer(s), {rounds} rounds of {count} messages per store \
         (half known senders, half new), {customers} customers:\n"
    );
    println!("| store | messages/s (median of rounds) | slowest – fastest round | per message |");
    println!("|---|---:|---:|---:|");
    for store in stores.iter() {
        let rates = sorted(per_second(store, writers, count));
        let median = median(&rates);
        println!(
            "| {} | {median:.0} | {:.0} – {:.0} | {:.3} ms |",
            store.name,
            rates[0],
            rates[rates.len() - 1],
            1000.0 / median
        );
    }
    let sqlite = stores.iter().find(|s| s.name == "sqlite");
    for store in stores.iter().filter(|s| s.name != "sqlite") {
        if let Some(sqlite) = sqlite {
            let ratios: Vec<f64> = per_second(store, writers, count)
                .iter()
                .zip(per_second(sqlite, writers, count))
                .map(|(s, q)| s / q)
                .collect();
            let ratios = sorted(ratios);
            println!(
                "{} ÷ sqlite, round by round: median {:.2} (lowest {:.2}, highest {:.2})",
                store.name,
                median(&ratios),
                ratios[0],
                ratios[ratios.len() - 1]
            );
        }
    }
}

fn per_second(store: &Entrant, writers: u64, count: u64) -> Vec<f64> {
    store
        .blocks
        .iter()
        .filter(|(w, _)| *w == writers)
        .map(|(_, d)| count as f64 / d.as_secs_f64())
        .collect()
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn median(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}

/// Closes every store (what is left of its work included), and reports the throughput over
/// everything: every block and the close.
fn close(rt: &tokio::runtime::Runtime, stores: Vec<Entrant>) {
    println!("\nclosing, and every message over all blocks and the close:\n");
    println!("| store | messages | close | messages/s, close included |");
    println!("|---|---:|---:|---:|");
    for store in stores {
        let messages = store.next.load(Ordering::Relaxed);
        let busy: Duration = store.blocks.iter().map(|(_, d)| *d).sum();
        let start = Instant::now();
        match store.kind {
            Kind::Crm {
                session,
                store: s,
                guard,
            } => {
                drop(session);
                // The last handle: the store closes here.
                assert_eq!(
                    Arc::strong_count(&s),
                    1,
                    "{}: store still shared",
                    store.name
                );
                drop(s);
                let elapsed = start.elapsed();
                drop(guard);
                report_close(&store.name, messages, busy, elapsed);
            }
            Kind::Sqlite(baseline) => {
                let baseline = Arc::into_inner(baseline)
                    .expect("no other handle")
                    .into_inner()
                    .expect("baseline lock");
                baseline.check(messages);
                drop(baseline);
                report_close(&store.name, messages, busy, start.elapsed());
            }
        }
    }
    let _ = rt;
}

fn report_close(name: &str, messages: u64, busy: Duration, close: Duration) {
    println!(
        "| {name} | {messages} | {:.1} ms | {:.0} |",
        close.as_secs_f64() * 1000.0,
        messages as f64 / (busy + close).as_secs_f64()
    );
}

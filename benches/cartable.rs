//! The cartable proof of issue 4 (see `docs/benchmarks-cartable.md`; the intake proof is
//! `benches/intake.rs`).
//!
//! ```text
//! cargo bench -p crm-rs --bench cartable
//! ```
//!
//! Cartable, sled only: `CRM_BENCH_REQUESTS` requests (default 1,000,000), of which 1,000
//! are held by one staff member, the rest by 200 other staff members and the officers' queue.
//! The seed is written straight through `Store::commit` (1,000 puts per commit, `Buffered`),
//! kept under `target/crm-bench/seed/cartable-sled-<n>` and reused; it is then opened in
//! `Flush` mode and `my_cartable(first(50))` is timed 2,000 times (p50/p99), then the 1,000
//! held requests are paged through (20 pages of 50).
//!
//! A short criterion group (`cartable/first_page_50`) runs after the plain timings.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use chrono::{Duration as TimeDelta, Utc};
use common::{Config, Picker, progress};
use criterion::Criterion;
use crm_core::counter::Counter;
use crm_core::id::{CustomerId, RequestId, StaffId, WorkspaceId};
use crm_core::request::{Holder, Priority};
use crm_core::service::NewStaff;
use crm_core::staff::Role;
use crm_core::store::{Commit, PageRequest, Store};
use crm_core::{Crm, Session};
use crm_store_sled::Durability;
use std::collections::BTreeSet;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The staff members other than the measured one who hold requests.
const OTHER_HOLDERS: usize = 200;
/// Requests held by the measured staff member.
const HELD: u64 = 1000;
/// Puts per commit while seeding the requests.
const BATCH: u64 = 1000;
/// Calls of the first page timed.
const CALLS: usize = 2000;

fn main() {
    let config = Config::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    cartable(&config, &rt, &mut criterion);
    criterion.final_summary();
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

// ---------------------------------------------------------------------------------------------
// (b) Cartable
// ---------------------------------------------------------------------------------------------

/// Ids of the cartable seed, written next to it.
struct CartableIds {
    workspace: WorkspaceId,
    holder: StaffId,
}

impl CartableIds {
    fn write(&self, dir: &Path) {
        let text = format!("{}\n{}\n", self.workspace, self.holder);
        std::fs::write(dir.join("cartable-ids"), text).expect("write the seed ids");
    }

    fn read_from(dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(dir.join("cartable-ids")).ok()?;
        let mut lines = text.lines();
        Some(Self {
            workspace: lines.next()?.parse().ok()?,
            holder: lines.next()?.parse().ok()?,
        })
    }
}

fn cartable_seed_dir(config: &Config, requests: u64) -> PathBuf {
    config
        .dir
        .join("seed")
        .join(format!("cartable-sled-{requests}"))
}

fn cartable(config: &Config, rt: &tokio::runtime::Runtime, c: &mut Criterion) {
    let requests = env_u64("CRM_BENCH_REQUESTS", 1_000_000);
    assert!(requests >= HELD, "CRM_BENCH_REQUESTS: at least {HELD}");
    let seed = cartable_seed_dir(config, requests);
    let start = Instant::now();
    let ids = match CartableIds::read_from(&seed) {
        Some(ids) => ids,
        None => {
            let _ = std::fs::remove_dir_all(&seed);
            progress(start, &format!("cartable: seeding {requests} requests"));
            let ids = rt.block_on(seed_requests(config, &seed, requests));
            progress(start, &format!("cartable: seeded {requests} requests"));
            ids
        }
    };
    progress(
        start,
        &format!(
            "cartable: seed is {:.0} MiB on disk",
            common::disk_bytes(&seed) as f64 / 1_048_576.0
        ),
    );
    // Only read: the seed is opened in place, as applications open it (Flush).
    let store = Arc::new(common::open_sled(config.sled(&seed)));
    assert_eq!(store.engine().durability(), Durability::Flush);
    let store: Arc<dyn Store> = store;
    let crm = Crm::new(store);
    let session = rt
        .block_on(crm.session(ids.workspace, ids.holder))
        .expect("holder session");
    progress(start, "cartable: opened (Flush)");

    let first = PageRequest::first(50);
    let cold = Instant::now();
    let page = rt.block_on(session.my_cartable(&first)).expect("cartable");
    let cold = cold.elapsed();
    assert_eq!(page.items.len(), 50);
    let mut times = Vec::with_capacity(CALLS);
    rt.block_on(async {
        for _ in 0..CALLS {
            let t = Instant::now();
            let page = session.my_cartable(&first).await.expect("cartable");
            times.push(t.elapsed());
            black_box(page);
        }
    });
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "cartable/sled/{requests}: my_cartable(first 50) of {HELD} held: cold {:.3} ms; \
         {CALLS} calls: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(cold),
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(times[times.len() - 1]),
    );

    // Paging through all of them.
    let mut rounds = Vec::new();
    for _ in 0..5 {
        let (pages, items, elapsed, slowest) = rt.block_on(page_through(&session, ids.holder));
        assert_eq!(items, HELD as usize, "every held request, once");
        assert_eq!(pages, 20);
        rounds.push((elapsed, slowest));
    }
    rounds.sort();
    let (median, slowest) = rounds[rounds.len() / 2];
    println!(
        "cartable/sled/{requests}: all {HELD} held in 20 pages of 50: {:.3} ms in all \
         (median of 5), slowest page {:.3} ms",
        ms(median),
        ms(slowest)
    );

    let mut group = c.benchmark_group(format!("cartable/sled/{requests}"));
    group.bench_function("first_page_50", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(session.my_cartable(&first).await.expect("cartable"));
                }
                t.elapsed()
            })
        });
    });
    group.finish();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Pages through the whole cartable: (pages, items, wall time, slowest page).
async fn page_through(session: &Session, holder: StaffId) -> (usize, usize, Duration, Duration) {
    let start = Instant::now();
    let mut seen = BTreeSet::new();
    let mut pages = 0;
    let mut slowest = Duration::ZERO;
    let mut request = PageRequest::first(50);
    loop {
        let t = Instant::now();
        let page = session.my_cartable(&request).await.expect("cartable");
        slowest = slowest.max(t.elapsed());
        pages += 1;
        for r in &page.items {
            assert!(seen.insert(r.id), "a request twice");
            assert_eq!(r.holder, Holder::Staff(holder), "a request of someone else");
        }
        match page.next {
            Some(cursor) if !page.items.is_empty() => request = PageRequest::after(cursor, 50),
            _ => break,
        }
    }
    (pages, seen.len(), start.elapsed(), slowest)
}

/// Seeds `requests` requests in a fresh sled store at `dir` (Buffered, flushed at the end).
async fn seed_requests(config: &Config, dir: &Path, requests: u64) -> CartableIds {
    let start = Instant::now();
    let store = Arc::new(common::open_sled(
        config.sled(dir).durability(Durability::Buffered),
    ));
    let crm = Crm::new(store.clone());
    let (workspace, admin) = crm
        .create_workspace(
            "Cartable",
            "IR",
            NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
        )
        .await
        .expect("workspace");
    let ws = workspace.id;
    let admin = crm.session(ws, admin.id).await.expect("admin session");
    let holder = admin
        .create_staff(NewStaff::new("Holder", Role::Agent).email("holder@example.com"))
        .await
        .expect("holder")
        .id;
    let mut others = Vec::with_capacity(OTHER_HOLDERS);
    for s in 0..OTHER_HOLDERS {
        let staff = admin
            .create_staff(NewStaff::new(&format!("Agent {s}"), Role::Agent))
            .await
            .expect("staff");
        others.push(Holder::Staff(staff.id));
    }
    others.push(Holder::Officers);
    let system = crm
        .system_session(ws, "bench-intake")
        .await
        .expect("system session");
    let template = common::intake_baseline::first_request(&system).await;
    let every = requests / HELD;
    let base = Utc::now() - TimeDelta::days(400);
    let mut picker = Picker::new(3);
    let mut number = template.number;
    let mut k = 0;
    while k < requests {
        let mut commit = Commit::new();
        for _ in 0..BATCH.min(requests - k) {
            number += 1;
            let mut r = template.clone();
            r.id = RequestId(Uuid::now_v7());
            r.number = number;
            r.holder = if k.is_multiple_of(every) && k / every < HELD {
                Holder::Staff(holder)
            } else {
                others[usize::try_from(picker.below(others.len() as u64)).expect("small")]
            };
            r.priority = match picker.below(10) {
                0 => Priority::Urgent,
                1 | 2 => Priority::High,
                3 => Priority::Low,
                _ => Priority::Normal,
            };
            // One request a ~30 s, 400 days back; deadlines a few hours to days later.
            let created = base
                + TimeDelta::seconds(i64::try_from(k * 400 * 86_400 / requests).expect("small"));
            let due_in =
                TimeDelta::minutes(i64::try_from(60 + picker.below(7 * 24 * 60)).expect("small"));
            r.created_at = created;
            r.updated_at = created;
            r.received_at = created;
            r.last_message_at = created;
            r.sla.first_response_due = created + due_in / 4;
            r.sla.resolution_due = created + due_in;
            r.customer = Some(CustomerId(Uuid::from_u64_pair(
                0x0190_0000_0000_7000,
                k / 4,
            )));
            r.messages = Vec::new();
            r.message_keys = BTreeSet::from([format!("msg:email:seed-{k}@mail.example.com")]);
            commit.put(r);
            k += 1;
        }
        store.commit(ws, commit).await.expect("seed commit");
        if k.is_multiple_of(100_000) {
            progress(start, &format!("cartable: {k} requests"));
        }
    }
    // The counter, so that requests taken in later are numbered after the seed.
    let counter = store
        .get(
            ws,
            crm_core::record::RecordKind::COUNTER,
            Counter::REQUEST_NUMBERS,
        )
        .await
        .expect("counter")
        .expect("the counter exists");
    if let Ok(mut counter) = counter.decode::<Counter>() {
        counter.version += 1;
        counter.value = number;
        let mut commit = Commit::new();
        commit.put(counter);
        store.commit(ws, commit).await.expect("counter");
    }
    store.sync().await.expect("flush the seed");
    drop(system);
    drop(admin);
    drop(crm);
    drop(store);
    let ids = CartableIds {
        workspace: ws,
        holder,
    };
    ids.write(dir);
    ids
}

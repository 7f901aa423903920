//! The intake and cartable proofs of issue 4 (see `docs/benchmarks-cartable.md`).
//!
//! ```text
//! CRM_BENCH_CUSTOMERS=100000 cargo bench -p crm --bench cartable
//! CRM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p crm --bench cartable
//! ```
//!
//! (a) Intake, single writer: `CRM_BENCH_INTAKES` messages (default 2,000; half from known
//! senders, half new) with `CRM_BENCH_CUSTOMERS` customers stored, on memory, sled (durable),
//! PostgreSQL (when `CRM_BENCH_POSTGRES_URL` is set; `CRM_BENCH_POSTGRES_CUSTOMERS` customers,
//! default the same number) and a hand-written rusqlite baseline of the same work (look-up by
//! email, customer + contact + audit row if new, next request number, request + interaction +
//! audit row; one `IMMEDIATE` transaction, WAL, `synchronous=FULL`).
//!
//! (b) Cartable, sled only: `CRM_BENCH_REQUESTS` requests (default 1,000,000), of which 1,000
//! are held by one staff member, the rest by 200 other staff members and the officers' queue.
//! The seed is written straight through `Store::commit` (1,000 puts per commit, `Buffered`),
//! kept under `target/crm-bench/seed/cartable-sled-<n>` and reused; it is then opened in
//! `Flush` mode and `my_cartable(first(50))` is timed 2,000 times (p50/p99), then the 1,000
//! held requests are paged through (20 pages of 50).
//!
//! `CRM_BENCH_PARTS=intake,cartable` (default both) chooses what runs. A short criterion
//! group (`cartable/first_page_50`) runs after the plain timings.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use chrono::{Duration as TimeDelta, Utc};
use common::{Config, Picker, RunDir, SeedIds, StoreKind, Target, email, progress};
use criterion::Criterion;
use crm_core::channel::Channel;
use crm_core::customer::{ContactKind, ContactPoint, Customer, LifecycleStage, Party};
use crm_core::id::{CustomerId, RequestId, StaffId, WorkspaceId};
use crm_core::normalize::Region;
use crm_core::request::{Holder, Priority, Request};
use crm_core::service::{InboundMessage, NewStaff, Sender};
use crm_core::staff::Role;
use crm_core::store::{Commit, Counter, PageRequest, Record, Store};
use crm_core::{Crm, Session};
use crm_store_memory::MemoryStore;
use crm_store_sled::{Durability, encoding};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, BTreeSet};
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
    let parts = std::env::var("CRM_BENCH_PARTS").unwrap_or_else(|_| "intake,cartable".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let run = RunDir::new(&config);
    if parts.contains("intake") {
        intake_all(&config, &rt, &run);
    }
    if parts.contains("cartable") {
        cartable(&config, &rt, &mut criterion);
    }
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
// (a) Intake
// ---------------------------------------------------------------------------------------------

/// The sender of message `k` with `n` customers stored: even messages come from a known
/// customer (the same picks on every store), odd ones from a new address.
fn sender_of(k: u64, n: u64, picker: &mut Picker) -> String {
    if k.is_multiple_of(2) {
        email(picker.below(n))
    } else {
        email(n + 1_000_000 + k)
    }
}

fn body_of(k: u64) -> String {
    format!(
        "Message {k}: my order {} has not arrived yet, could you tell me when it ships? \
         سفارش من هنوز نرسیده است",
        200_000 + k
    )
}

fn intake_all(config: &Config, rt: &tokio::runtime::Runtime, run: &RunDir) {
    let intakes = env_u64("CRM_BENCH_INTAKES", 2000);
    let mut results: Vec<(String, u64, Duration)> = Vec::new();
    let n = config.customers;
    for kind in [StoreKind::Memory, StoreKind::Sqlite, StoreKind::Sled] {
        if !config.stores.contains(&kind) {
            continue;
        }
        wait_for_other_seeders(config, kind);
        let target = Target::prepare(kind, config, rt, run);
        let elapsed = match &target {
            Target::Crm { session, store, .. } => {
                let ws = session.workspace();
                let crm = Crm::new(store.clone());
                let system = rt
                    .block_on(crm.system_session(ws, "bench-intake"))
                    .expect("system session");
                rt.block_on(intake_crm(&system, n, intakes))
            }
            Target::Sqlite(_) => {
                let seed = config.seed_dir(StoreKind::Sqlite).join("crm.sqlite");
                let work = run.0.join("sqlite-intake.sqlite");
                common::copy_file(&seed, &work);
                let template = template_request(rt);
                let baseline = IntakeBaseline::open(&work, template);
                let mut picker = Picker::new(11);
                let start = Instant::now();
                for k in 0..intakes {
                    let from = sender_of(k, n, &mut picker);
                    baseline.intake(&from, k).expect("sqlite intake");
                }
                let elapsed = start.elapsed();
                baseline.check(intakes);
                elapsed
            }
        };
        report(kind.name(), n, intakes, elapsed);
        results.push((kind.name().to_owned(), n, elapsed));
        if kind == StoreKind::Sled {
            drop(target);
            // The same on a copy opened `Buffered`: what the flushes cost (not durable).
            let elapsed = intake_sled_buffered(config, rt, run, intakes);
            report("sled-buffered", n, intakes, elapsed);
            results.push(("sled-buffered (not durable)".to_owned(), n, elapsed));
        }
    }
    if let Ok(url) = std::env::var("CRM_BENCH_POSTGRES_URL") {
        let pg_n = env_u64("CRM_BENCH_POSTGRES_CUSTOMERS", n);
        let elapsed = rt.block_on(intake_postgres(&url, pg_n, intakes));
        report("postgres", pg_n, intakes, elapsed);
        results.push(("postgres".to_owned(), pg_n, elapsed));
    } else {
        eprintln!("postgres: skipped (CRM_BENCH_POSTGRES_URL not set)");
    }
    println!("\nintake, single writer, {intakes} messages (half known senders, half new):");
    println!("| store | customers | messages/s | mean per message |");
    println!("|---|---:|---:|---:|");
    for (name, n, elapsed) in &results {
        println!(
            "| {name} | {n} | {:.0} | {:.3} ms |",
            per_second(intakes, *elapsed),
            elapsed.as_secs_f64() * 1000.0 / intakes as f64
        );
    }
}

/// Waits while another process is seeding the same store (a seed directory without its
/// completion marker), so that `Target::prepare` does not remove it under its feet.
fn wait_for_other_seeders(config: &Config, kind: StoreKind) {
    let seed = config.seed_dir(kind);
    let done = |seed: &Path| match kind {
        StoreKind::Sled => SeedIds::read_from(seed).is_some(),
        StoreKind::Sqlite => seed.join("complete").exists(),
        StoreKind::Memory => true,
    };
    let start = Instant::now();
    let mut last_size = 0;
    while seed.exists() && !done(&seed) {
        // Still growing: someone is seeding it. Stalled for a minute: a leftover.
        let size = common::disk_bytes(&seed);
        if size == last_size && start.elapsed() > Duration::from_secs(60) {
            break;
        }
        last_size = size;
        eprintln!(
            "{}: waiting for another run seeding {}",
            kind.name(),
            seed.display()
        );
        std::thread::sleep(Duration::from_secs(15));
    }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn report(name: &str, n: u64, intakes: u64, elapsed: Duration) {
    println!(
        "intake/{name}/{n}: {intakes} messages in {:.2} s = {:.0} messages/s ({:.3} ms each)",
        elapsed.as_secs_f64(),
        per_second(intakes, elapsed),
        elapsed.as_secs_f64() * 1000.0 / intakes as f64
    );
}

/// `intakes` messages through `session.intake`, one after another; the wall time.
async fn intake_crm(session: &Session, n: u64, intakes: u64) -> Duration {
    let mut picker = Picker::new(11);
    let (mut created, mut known) = (0, 0);
    let start = Instant::now();
    for k in 0..intakes {
        let from = sender_of(k, n, &mut picker);
        let message = InboundMessage::new(
            Channel::Email,
            &format!("bench-{k}@mail.example.com"),
            Sender {
                email: Some(from),
                ..Sender::default()
            },
            &body_of(k),
        )
        .subject("Where is my order?");
        let outcome = session.intake(message).await.expect("intake");
        if outcome.new_customer {
            created += 1;
        } else if outcome.customer.is_some() {
            known += 1;
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(created, intakes / 2, "new senders");
    assert_eq!(known, intakes - intakes / 2, "known senders");
    elapsed
}

fn intake_sled_buffered(
    config: &Config,
    rt: &tokio::runtime::Runtime,
    run: &RunDir,
    intakes: u64,
) -> Duration {
    let seed = config.seed_dir(StoreKind::Sled);
    let ids = SeedIds::read_from(&seed).expect("the sled seed");
    let work = run.0.join("sled-buffered");
    common::copy_dir(&seed, &work);
    let store = Arc::new(common::open_sled(
        config.sled(&work).durability(Durability::Buffered),
    ));
    let crm = Crm::new(store.clone());
    let elapsed = rt.block_on(async {
        let system = crm
            .system_session(ids.workspace, "bench-intake")
            .await
            .expect("system session");
        intake_crm(&system, config.customers, intakes).await
    });
    drop(crm);
    drop(store);
    let _ = std::fs::remove_dir_all(&work);
    elapsed
}

async fn intake_postgres(url: &str, n: u64, intakes: u64) -> Duration {
    let start = Instant::now();
    let (store, schema) = crm_store_postgres::TestSchema::create(url)
        .await
        .expect("postgres test schema");
    let store: Arc<dyn Store> = Arc::new(store);
    let crm = Crm::new(store);
    progress(
        start,
        &format!("postgres: seeding {n} customers in {}", schema.name()),
    );
    let ids = common::seed_crm_with(&crm, n, 8).await;
    progress(start, "postgres: seeded");
    let system = crm
        .system_session(ids.workspace, "bench-intake")
        .await
        .expect("system session");
    let elapsed = intake_crm(&system, n, intakes).await;
    drop(crm);
    drop(schema);
    elapsed
}

/// A request produced by a real intake (on a memory store), to copy.
fn template_request(rt: &tokio::runtime::Runtime) -> Request {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let crm = Crm::new(store);
    rt.block_on(async {
        let (ws, _) = crm
            .create_workspace(
                "Template",
                "IR",
                NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
            )
            .await
            .expect("workspace");
        let system = crm
            .system_session(ws.id, "bench-intake")
            .await
            .expect("system session");
        first_request(&system).await
    })
}

async fn first_request(system: &Session) -> Request {
    let message = InboundMessage::new(
        Channel::Email,
        "template@mail.example.com",
        Sender {
            email: Some("template.sender@example.com".to_owned()),
            ..Sender::default()
        },
        &body_of(0),
    )
    .subject("Where is my order?");
    system.intake(message).await.expect("intake").request
}

const REQUESTS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS requests (
    id BLOB PRIMARY KEY,
    number INTEGER NOT NULL UNIQUE,
    customer_id BLOB,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    subject TEXT NOT NULL,
    holder TEXT NOT NULL,
    priority INTEGER NOT NULL,
    due INTEGER NOT NULL,
    created INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_holder ON requests (holder, priority DESC, due, id);
CREATE INDEX IF NOT EXISTS requests_by_customer ON requests (customer_id, created DESC, id DESC);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('request_numbers', 0);
";

const ACTOR: &str = "system:bench-intake";

/// The hand-written intake: the seeded baseline database plus a `requests` table.
struct IntakeBaseline {
    conn: Connection,
    template: Request,
}

impl IntakeBaseline {
    fn open(path: &Path, template: Request) -> Self {
        let conn = common::sqlite::connect(path).expect("open sqlite");
        conn.execute_batch(REQUESTS_SCHEMA)
            .expect("requests schema");
        let mode: String = conn
            .query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0))
            .map(|v| v.to_string())
            .expect("pragma");
        assert_eq!(mode, "2", "synchronous=FULL");
        Self { conn, template }
    }

    /// Takes in message `k` from `from`: one `IMMEDIATE` transaction.
    fn intake(&self, from: &str, k: u64) -> Result<(), Box<dyn std::error::Error>> {
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        let key = crm_core::customer::canonical_key(ContactKind::Email, from, Region::IR)?;
        let now = Utc::now();
        let micros = now.timestamp_micros();
        let found: Option<Vec<u8>> = tx
            .prepare_cached(
                "SELECT c.data FROM contacts k JOIN customers c ON c.id = k.customer_id \
                 WHERE k.key = ?1",
            )?
            .query_row([&key], |r| r.get(0))
            .optional()?;
        let customer = match found {
            Some(bytes) => {
                match encoding::decode(crm_core::store::RecordKind::Customer, &bytes, &key)? {
                    Record::Customer(c) => c,
                    _ => return Err("not a customer".into()),
                }
            }
            None => {
                let customer = lead(from, now)?;
                let id = customer.id.0;
                let data = encoding::encode(&Record::from(customer.clone()))?;
                tx.prepare_cached(
                    "INSERT INTO customers (id, given, family, stage, created, updated, data) \
                     VALUES (?1, ?2, '', ?3, ?4, ?4, ?5)",
                )?
                .execute(params![
                    id.as_bytes(),
                    from.split('@').next().unwrap_or(""),
                    LifecycleStage::Lead.as_str(),
                    micros,
                    data
                ])?;
                tx.prepare_cached("INSERT INTO contacts (key, customer_id) VALUES (?1, ?2)")?
                    .execute(params![key, id.as_bytes()])?;
                audit(&tx, micros, "created", "customer", id, "from email intake")?;
                customer
            }
        };
        let number: i64 = tx
            .prepare_cached(
                "UPDATE counters SET value = value + 1 WHERE name = 'request_numbers' \
                 RETURNING value",
            )?
            .query_row([], |r| r.get(0))?;
        let interaction = Uuid::now_v7();
        let external = format!("bench-{k}@mail.example.com");
        let mut request = self.template.clone();
        request.id = RequestId(Uuid::now_v7());
        request.number = u64::try_from(number)?;
        request.customer = Some(customer.id);
        request.message_keys = BTreeSet::from([format!("msg:email:{external}")]);
        request.messages = vec![crm_core::id::InteractionId(interaction)];
        request.received_at = now;
        request.last_message_at = now;
        request.created_at = now;
        request.updated_at = now;
        let rid = request.id.0;
        let holder = request.holder.to_string();
        let priority = request.priority as i64;
        let due = request.sort_due().timestamp_micros();
        let subject = request.subject.clone();
        let status = request.status.as_str();
        let data = encoding::encode(&Record::from(request))?;
        tx.prepare_cached(
            "INSERT INTO requests (id, number, customer_id, channel, status, subject, holder, \
             priority, due, created, data) VALUES (?1, ?2, ?3, 'email', ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            rid.as_bytes(),
            number,
            customer.id.0.as_bytes(),
            status,
            subject,
            holder,
            priority,
            due,
            micros,
            data
        ])?;
        tx.prepare_cached(
            "INSERT INTO interactions (id, customer_id, occurred_at, channel, direction, \
             subject, body, staff, external_id, recorded_at) \
             VALUES (?1, ?2, ?3, 'email', 'inbound', 'Where is my order?', ?4, NULL, ?5, ?3)",
        )?
        .execute(params![
            interaction.as_bytes(),
            customer.id.0.as_bytes(),
            micros,
            body_of(k),
            external
        ])?;
        audit(
            &tx,
            micros,
            "interaction_recorded",
            "interaction",
            interaction,
            "",
        )?;
        audit(
            &tx,
            micros,
            "created",
            "request",
            rid,
            &format!("email {external}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Checks that every message made a request.
    fn check(&self, intakes: u64) {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
            .expect("count");
        assert_eq!(u64::try_from(count).expect("count"), intakes);
    }
}

fn audit(
    conn: &Connection,
    at: i64,
    action: &str,
    kind: &str,
    id: Uuid,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (id, at, actor, action, record_kind, record_id, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        Uuid::now_v7().as_bytes(),
        at,
        ACTOR,
        action,
        kind,
        id.as_bytes(),
        detail
    ])?;
    Ok(())
}

/// The lead intake makes of a new sender.
fn lead(from: &str, now: chrono::DateTime<Utc>) -> Result<Customer, Box<dyn std::error::Error>> {
    Ok(Customer {
        id: CustomerId(Uuid::now_v7()),
        version: 1,
        party: Party::Person {
            given_name: from.split('@').next().unwrap_or("").to_owned(),
            family_name: String::new(),
            organisation: None,
        },
        stage: LifecycleStage::Lead,
        owner: None,
        tags: BTreeSet::new(),
        fields: BTreeMap::new(),
        occasions: Vec::new(),
        consent: BTreeMap::new(),
        contacts: vec![ContactPoint::parse(
            ContactKind::Email,
            from,
            None,
            Region::IR,
        )?],
        merged_into: None,
        created_at: now,
        updated_at: now,
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
    assert_eq!(store.durability(), Durability::Flush);
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
    let template = first_request(&system).await;
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
            crm_core::store::RecordKind::Counter,
            Counter::REQUEST_NUMBERS,
        )
        .await
        .expect("counter")
        .expect("the counter exists");
    if let Record::Counter(mut counter) = counter {
        counter.version += 1;
        counter.value = number;
        let mut commit = Commit::new();
        commit.put(counter);
        store.commit(ws, commit).await.expect("counter");
    }
    store.flush().await.expect("flush the seed");
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

//! The sales proofs of issue 11 (see `docs/sales.md`).
//!
//! ```text
//! cargo bench -p crm-rs --bench sales
//! CRM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! CRM_BENCH_DEALS=100000 CRM_BENCH_PIPELINE_DEALS=1000000 cargo bench -p crm-rs --bench sales
//! ```
//!
//! On sled (and on PostgreSQL when `CRM_BENCH_POSTGRES_URL` is set; each run in a schema of
//! its own, dropped at the end):
//!
//! 1. **Won/lost report over 12 months** with `CRM_BENCH_DEALS` deals (default 10,000; the
//!    issue's figure is 100,000): 80% closed, spread over the last 24 months, the rest open.
//!    `won_lost_report(now - 12 months, now)` is timed 5 times (median and slowest). Target:
//!    under 500 ms at 100,000.
//! 2. **One owner's pipeline view**: `CRM_BENCH_PIPELINE_DEALS` deals (default 20,000; the
//!    issue's figure is 1,000,000), 1,000 of them open and owned by one salesperson, the rest
//!    owned by 200 others. `pipeline_view(owner, first(1000))` (all 1,000 in one page) is timed
//!    `CRM_BENCH_CALLS` times (default 200): p50, p99. Target: p99 under 5 ms.
//! 3. **Deal stage change, durable** (`move_deal`: read, check, write the deal with its log
//!    entry and audit entry in one commit; sled in `Flush` mode), `CRM_BENCH_STAGE_CHANGES`
//!    changes (default 500) over 100 deals, one after another, beside a hand-written rusqlite
//!    baseline doing the same work (read the deal, write it with a log row and an audit row in
//!    one transaction; WAL, `synchronous=FULL`). Target: at least the baseline's rate. Then
//!    the two reads of a change (the deal, its pipeline) are timed alone, to show how much of
//!    a change is reading and how much committing. With PostgreSQL, the same hand-written
//!    work over sqlx on the same server is a second baseline: the server's own price of a
//!    durable change (a round trip per statement and a WAL flush per commit). Then all four
//!    again with `CRM_BENCH_WRITERS` writers at once (default 8; each moves its own deals):
//!    tasks on one session for the stores, connections of their own for the sqlx baseline,
//!    threads sharing SQLite's connection behind a mutex (it takes one writer at a time).
//!
//! Seeds are written straight through `Store::commit`, 1,000 deals per commit. The pipeline
//! view's store is then closed (on sled: everything applied to its trees and flushed; on
//! PostgreSQL, its tables vacuumed and analysed and a checkpoint taken, the work autovacuum
//! would otherwise do during the calls) and opened again, so that the calls are timed on a
//! store at rest, as after a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{DateTime, Duration as TimeDelta, Utc};
use crm_core::audit::Actor;
use crm_core::calendar::months_back;
use crm_core::id::{CustomerId, DealId, PipelineId, StaffId, WorkspaceId};
use crm_core::record::Body;
use crm_core::sales::{Deal, DealStatus, LostReason, Money, Pipeline, Position, StageChange};
use crm_core::service::{NewCustomer, NewDeal, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{Commit, PageRequest, Store, StoreExt};
use crm_core::{Crm, Session};
use crm_store_postgres::{PostgresConfig, PostgresStore, TestSchema};
use crm_store_sled::{Durability, SledConfig, SledStore};
use rusqlite::{Connection, TransactionBehavior, params};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Open deals of the measured salesperson.
const HELD: u64 = 1000;
/// Other owners.
const OTHERS: usize = 200;
/// Deals per seed commit.
const BATCH: u64 = 1000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
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
    let deals = env_u64("CRM_BENCH_DEALS", 10_000);
    let pipeline_deals = env_u64("CRM_BENCH_PIPELINE_DEALS", 20_000).max(HELD);
    let changes = env_u64("CRM_BENCH_STAGE_CHANGES", 500);
    let writers = env_u64("CRM_BENCH_WRITERS", 8).clamp(1, 100);
    let calls = env_u64("CRM_BENCH_CALLS", 200) as usize;
    let postgres = std::env::var("CRM_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    if postgres.is_none() {
        eprintln!("SKIPPED: CRM_BENCH_POSTGRES_URL not set (PostgreSQL runs skipped)");
    }
    rt.block_on(async {
        // 1. The won/lost report.
        let (store, _dir) = sled(Durability::Buffered);
        report("sled", store, deals).await;
        if let Some(url) = &postgres {
            let (store, schema) = TestSchema::create(url).await.expect("postgres schema");
            report("postgres", Arc::new(store), deals).await;
            drop(schema);
        }
        // 2. The pipeline view.
        let dir = tempfile::tempdir().expect("tempdir");
        let place = Place::Sled(dir.path().join("db"));
        pipeline_view("sled", &place, pipeline_deals, calls).await;
        if let Some(url) = &postgres {
            let (store, schema) = TestSchema::create(url).await.expect("postgres schema");
            drop(store);
            let place = Place::Postgres(schema.config());
            pipeline_view("postgres", &place, pipeline_deals, calls).await;
            drop(schema);
        }
        // 3. Stage changes, durable: one writer, then `writers` at once.
        let rounds: &[u64] = if writers > 1 { &[1, writers] } else { &[1] };
        for &n in rounds {
            let (store, _dir) = sled(Durability::Flush);
            stage_changes("sled (Flush)", store, changes, n).await;
            if let Some(url) = &postgres {
                let (store, schema) = TestSchema::create(url).await.expect("postgres schema");
                stage_changes("postgres", Arc::new(store), changes, n).await;
                drop(schema);
                postgres_baseline_stage_changes(url, changes, n).await;
            }
            sqlite_stage_changes(changes, n);
        }
    });
}

/// Where a measured store lives, so that it can be closed after its seed and opened again:
/// what is measured is then a store at rest, as after a restart (on sled, nothing left for the
/// applier to write while the calls are timed).
enum Place {
    Sled(std::path::PathBuf),
    Postgres(PostgresConfig),
}

impl Place {
    async fn open(&self) -> Arc<dyn Store> {
        match self {
            Place::Sled(path) => Arc::new(
                SledStore::open(SledConfig::new(path).durability(Durability::Buffered))
                    .expect("open sled"),
            ),
            Place::Postgres(config) => Arc::new(
                PostgresStore::connect_with(config.clone())
                    .await
                    .expect("connect"),
            ),
        }
    }

    /// Brings a closed store to rest after its seed, as the time after a bulk import would:
    /// on PostgreSQL, the vacuum and statistics autovacuum would otherwise be making while
    /// the calls are timed, and a checkpoint (sled's close has flushed everything already).
    async fn settle(&self) {
        if let Place::Postgres(config) = self {
            let store = PostgresStore::connect_with(config.clone())
                .await
                .expect("connect");
            for sql in [
                "VACUUM (ANALYZE) records, index_entries, unique_keys",
                "CHECKPOINT",
            ] {
                if let Err(e) = sqlx::raw_sql(sql).execute(store.pool()).await {
                    eprintln!("sales: {sql} failed ({e}): the calls are timed without it");
                }
            }
            store.close().await;
        }
    }
}

fn sled(durability: Durability) -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SledStore::open(SledConfig::new(dir.path().join("db")).durability(durability))
        .expect("open sled");
    (Arc::new(store), dir)
}

/// A workspace with an administrator, the default pipeline, a customer, the measured
/// salesperson and `OTHERS` more.
struct World {
    crm: Crm,
    ws: WorkspaceId,
    admin: Session,
    admin_id: StaffId,
    pipeline: Pipeline,
    customer: CustomerId,
    holder: StaffId,
    others: Vec<StaffId>,
}

async fn world(store: Arc<dyn Store>) -> World {
    let crm = Crm::new(store);
    let (workspace, admin) = crm
        .create_workspace("Sales", "IR", NewStaff::new("Admin", Role::Admin))
        .await
        .expect("workspace");
    let ws = workspace.id;
    let admin_id = admin.id;
    let admin = crm.session(ws, admin_id).await.expect("admin");
    let pipeline = admin
        .create_pipeline("New business", Pipeline::default_stages())
        .await
        .expect("pipeline");
    let customer = admin
        .create_customer(NewCustomer::person("Bench", "Customer"))
        .await
        .expect("customer")
        .id;
    let holder = admin
        .create_staff(NewStaff::new("Holder", Role::Agent))
        .await
        .expect("holder")
        .id;
    let mut others = Vec::with_capacity(OTHERS);
    for i in 0..OTHERS {
        let s = admin
            .create_staff(NewStaff::new(&format!("Agent {i}"), Role::Agent))
            .await
            .expect("staff");
        others.push(s.id);
    }
    World {
        crm,
        ws,
        admin,
        admin_id,
        pipeline,
        customer,
        holder,
        others,
    }
}

/// Deal `k` as the services would have left it: created at `created` at qualification,
/// moved to proposal a day later, and won or lost at `closed` when given.
fn deal(
    w: &World,
    k: u64,
    owner: StaffId,
    created: DateTime<Utc>,
    closed: Option<(DateTime<Utc>, bool)>,
) -> Deal {
    let by = Actor::Staff(owner);
    let amount = Money::parse(&format!("{}", 1_000_000 * (1 + k % 97)), "IRR").expect("money");
    let mut log = vec![
        StageChange {
            from: None,
            to: Position::Stage("qualification".into()),
            by: by.clone(),
            at: created,
            reason: None,
        },
        StageChange {
            from: Some(Position::Stage("qualification".into())),
            to: Position::Stage("proposal".into()),
            by: by.clone(),
            at: created + TimeDelta::days(1),
            reason: None,
        },
    ];
    let (status, closed_at, lost_reason) = match closed {
        Some((at, won)) => {
            let reason = (!won).then(|| match k % 3 {
                0 => LostReason::Price,
                1 => LostReason::Competitor {
                    name: format!("Competitor {}", k % 7),
                },
                _ => LostReason::Timing,
            });
            log.push(StageChange {
                from: Some(Position::Stage("proposal".into())),
                to: if won { Position::Won } else { Position::Lost },
                by,
                at,
                reason: reason.clone(),
            });
            let status = if won {
                DealStatus::Won
            } else {
                DealStatus::Lost
            };
            (status, Some(at), reason)
        }
        None => (DealStatus::Open, None, None),
    };
    Deal {
        id: DealId(Uuid::now_v7()),
        version: 1,
        title: format!("Deal {k}"),
        customer: w.customer,
        owner,
        department: None,
        pipeline: PipelineId(w.pipeline.id.0),
        stage: "proposal".into(),
        status,
        amount,
        lines: Vec::new(),
        expected_close: Some((created + TimeDelta::days(30)).date_naive()),
        probability: None,
        next_step: None,
        source: None,
        lead: None,
        lost_reason,
        closed_at,
        log,
        created_at: created,
        updated_at: closed_at.unwrap_or(created),
    }
}

async fn seed(store: &Arc<dyn Store>, w: &World, n: u64, held: u64, closed_share: u64) {
    let now = Utc::now();
    let span = 730 * 86_400i64; // 24 months back
    let mut k = 0;
    while k < n {
        let mut commit = Commit::new();
        for _ in 0..BATCH.min(n - k) {
            let created =
                now - TimeDelta::seconds(span - (k as i64 * span / n as i64)) - TimeDelta::days(10);
            let d = if k < held {
                deal(w, k, w.holder, created, None)
            } else {
                let owner = w.others[(k % OTHERS as u64) as usize];
                let closed = (k % 100 < closed_share)
                    .then(|| (created + TimeDelta::days(5 + (k % 20) as i64), k % 5 < 2));
                deal(w, k, owner, created, closed)
            };
            commit.put(d);
            k += 1;
        }
        store.commit(w.ws, commit).await.expect("seed commit");
    }
    store.sync().await.expect("sync");
}

async fn report(name: &str, store: Arc<dyn Store>, n: u64) {
    let start = Instant::now();
    let w = world(store.clone()).await;
    seed(&store, &w, n, 0, 80).await;
    println!(
        "sales/{name}: seeded {n} deals in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    let (from, to) = months_back(Utc::now(), 12);
    let mut times = Vec::new();
    let mut closed = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let r = w.admin.won_lost_report(from, to).await.expect("report");
        times.push(t.elapsed());
        closed = r.total.won + r.total.lost;
        black_box(r);
    }
    let median = pct(&mut times, 0.5);
    println!(
        "sales/{name}/{n}: won/lost report, last 12 months ({closed} closed deals): median {:.1} ms, slowest {:.1} ms (target < 500 ms)",
        ms(median),
        ms(times[times.len() - 1])
    );
    drop(w.crm);
}

async fn pipeline_view(name: &str, place: &Place, n: u64, calls: usize) {
    let start = Instant::now();
    let store = place.open().await;
    let w = world(store.clone()).await;
    seed(&store, &w, n, HELD, 70).await;
    println!(
        "sales/{name}: seeded {n} deals in {:.1}s",
        start.elapsed().as_secs_f64()
    );
    // Closed (on sled: everything written to its trees and flushed) and opened again.
    let (ws, admin, holder) = (w.ws, w.admin_id, w.holder);
    drop(w);
    drop(store);
    place.settle().await;
    let crm = Crm::new(place.open().await);
    let admin = crm.session(ws, admin).await.expect("admin");
    let page = PageRequest::first(1000);
    let first = Instant::now();
    let got = admin.pipeline_view(holder, &page).await.expect("view");
    let cold = first.elapsed();
    assert_eq!(got.items.len(), HELD as usize);
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let t = Instant::now();
        black_box(admin.pipeline_view(holder, &page).await.expect("view"));
        times.push(t.elapsed());
    }
    let p50 = pct(&mut times, 0.5);
    let p99 = pct(&mut times, 0.99);
    println!(
        "sales/{name}/{n}: one owner's pipeline view ({HELD} open deals in one page): cold {:.2} ms; {calls} calls: p50 {:.2} ms, p99 {:.2} ms (target p99 < 5 ms)",
        ms(cold),
        ms(p50),
        ms(p99)
    );
}

async fn stage_changes(name: &str, store: Arc<dyn Store>, changes: u64, writers: u64) {
    let w = world(store.clone()).await;
    let agent = Arc::new(w.crm.session(w.ws, w.holder).await.expect("agent"));
    let mut ids = Vec::new();
    for i in 0..DEALS_MOVED {
        let new = NewDeal::new(
            &format!("Deal {i}"),
            w.customer,
            w.pipeline.id,
            Money::parse("1000000", "IRR").expect("money"),
        );
        ids.push(agent.create_deal(new).await.expect("deal").id);
    }
    let ids = Arc::new(ids);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let (agent, ids) = (agent.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            for k in mine(changes, writers, writer) {
                let (deal, stage) = change(k);
                agent.move_deal(ids[deal], None, stage).await.expect("move");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let elapsed = start.elapsed();
    print_rate(name, changes, writers, elapsed);
    if writers > 1 {
        return;
    }
    // Where the time goes: the two reads of a change (the deal, its pipeline) alone; the
    // rest of a change is building the commit and committing it.
    let start = Instant::now();
    for k in 0..changes {
        let id = ids[change(k).0];
        black_box(store.fetch::<Deal>(w.ws, id.0).await.expect("deal"));
        black_box(
            store
                .fetch::<Pipeline>(w.ws, w.pipeline.id.0)
                .await
                .expect("pipeline"),
        );
    }
    let reads = start.elapsed();
    println!(
        "sales/{name}: of which the two reads: {:.2} ms per change; the commit and the rest: {:.2} ms",
        ms(reads) / changes as f64,
        (ms(elapsed) - ms(reads)) / changes as f64
    );
}

/// Deals the stage changes go round.
const DEALS_MOVED: usize = 100;

/// Change `k`: which deal moves (its index) and to which stage, going round the deals.
fn change(k: u64) -> (usize, &'static str) {
    let deal = (k % DEALS_MOVED as u64) as usize;
    let stage = ["needs", "proposal"][((k / DEALS_MOVED as u64) % 2) as usize];
    (deal, stage)
}

/// The changes of `writer` among `writers`: those of the deals it owns (every
/// `writers`-th), in order, so that no two writers move one deal.
fn mine(changes: u64, writers: u64, writer: u64) -> impl Iterator<Item = u64> {
    (0..changes).filter(move |&k| change(k).0 as u64 % writers == writer)
}

fn print_rate(name: &str, changes: u64, writers: u64, elapsed: Duration) {
    let who = if writers == 1 {
        "one writer".to_owned()
    } else {
        format!("{writers} writers at once")
    };
    println!(
        "sales/{name}: {changes} durable stage changes, {who}, in {:.2}s: {:.0} per second ({:.2} ms each)",
        elapsed.as_secs_f64(),
        changes as f64 / elapsed.as_secs_f64(),
        ms(elapsed) / changes as f64
    );
}

/// The baseline: a deals table holding each deal's encoded body, a log table and an audit
/// table; a stage change reads the deal, writes it back with one more log entry, and inserts
/// a log row and an audit row, in one transaction (WAL, `synchronous=FULL`). Several writers
/// are threads sharing the one connection behind a mutex, the usual way to write to SQLite
/// from several threads (a connection each, waiting on SQLite's lock, is far slower: its busy
/// handler sleeps for milliseconds).
fn sqlite_stage_changes(changes: u64, writers: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let conn = Connection::open(dir.path().join("deals.db")).expect("sqlite");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    conn.execute_batch(
        "CREATE TABLE deals (id BLOB PRIMARY KEY, stage TEXT NOT NULL, version INTEGER NOT NULL, data BLOB NOT NULL);
         CREATE TABLE deal_log (deal_id BLOB NOT NULL, from_stage TEXT, to_stage TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL);
         CREATE INDEX deal_log_by_deal ON deal_log (deal_id, at);
         CREATE TABLE audit (id BLOB PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, record_id BLOB NOT NULL, detail TEXT NOT NULL);",
    )
    .expect("schema");
    let by = Actor::Staff(StaffId(Uuid::now_v7()));
    let mut ids = Vec::new();
    for d in baseline_deals(&by) {
        let data = Body::binary(&d).expect("encode").as_bytes().to_vec();
        conn.execute(
            "INSERT INTO deals (id, stage, version, data) VALUES (?1, ?2, 1, ?3)",
            params![d.id.0.as_bytes(), d.stage, data],
        )
        .expect("insert");
        ids.push(d.id.0);
    }
    let conn = std::sync::Mutex::new(conn);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for writer in 0..writers {
            let (ids, by, conn) = (&ids, &by, &conn);
            scope.spawn(move || {
                for k in mine(changes, writers, writer) {
                    let (deal, stage) = change(k);
                    let conn = conn.lock().expect("the connection");
                    sqlite_stage_change(&conn, ids[deal], stage, by);
                }
            });
        }
    });
    print_rate("sqlite baseline", changes, writers, start.elapsed());
}

/// One stage change of the SQLite baseline, in its own transaction.
fn sqlite_stage_change(conn: &Connection, id: Uuid, stage: &str, by: &Actor) {
    let tx =
        rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate).expect("tx");
    let (data, version): (Vec<u8>, i64) = tx
        .query_row(
            "SELECT data, version FROM deals WHERE id = ?1",
            [id.as_bytes()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("read");
    let at = Utc::now();
    let (from, data) = moved(data, stage, by, at);
    tx.execute(
        "UPDATE deals SET stage = ?2, version = ?3, data = ?4 WHERE id = ?1 AND version = ?5",
        params![id.as_bytes(), stage, version + 1, data, version],
    )
    .expect("update");
    tx.execute(
        "INSERT INTO deal_log (deal_id, from_stage, to_stage, by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.as_bytes(),
            from,
            stage,
            by.to_string(),
            at.timestamp_micros()
        ],
    )
    .expect("log");
    tx.execute(
        "INSERT INTO audit (id, at, actor, action, record_id, detail) VALUES (?1, ?2, ?3, 'stage_changed', ?4, ?5)",
        params![Uuid::now_v7().as_bytes(), at.timestamp_micros(), by.to_string(), id.as_bytes(), format!("{from} -> {stage}")],
    )
    .expect("audit");
    tx.commit().expect("commit");
}

/// The [`DEALS_MOVED`] deals of the baselines, at stage `qualification`.
fn baseline_deals(by: &Actor) -> Vec<Deal> {
    let now = Utc::now();
    (0..DEALS_MOVED)
        .map(|i| Deal {
            id: DealId(Uuid::now_v7()),
            version: 1,
            title: format!("Deal {i}"),
            customer: CustomerId(Uuid::now_v7()),
            owner: StaffId(Uuid::now_v7()),
            department: None,
            pipeline: PipelineId(Uuid::now_v7()),
            stage: "qualification".into(),
            status: DealStatus::Open,
            amount: Money::parse("1000000", "IRR").expect("money"),
            lines: Vec::new(),
            expected_close: None,
            probability: None,
            next_step: None,
            source: None,
            lead: None,
            lost_reason: None,
            closed_at: None,
            log: vec![StageChange {
                from: None,
                to: Position::Stage("qualification".into()),
                by: by.clone(),
                at: now,
                reason: None,
            }],
            created_at: now,
            updated_at: now,
        })
        .collect()
}

/// A baseline's stage change of the encoded deal `data`: its stage before, and the deal
/// encoded again at `stage` with the move logged.
fn moved(data: Vec<u8>, stage: &str, by: &Actor, at: DateTime<Utc>) -> (String, Vec<u8>) {
    let mut d: Deal = Body::Binary(data).decode().expect("decode");
    let from = d.stage.clone();
    d.log.push(StageChange {
        from: Some(Position::Stage(from.clone())),
        to: Position::Stage(stage.into()),
        by: by.clone(),
        at,
        reason: None,
    });
    d.stage = stage.into();
    d.version += 1;
    (from, Body::binary(&d).expect("encode").as_bytes().to_vec())
}

/// The same work as the SQLite baseline, written by hand over sqlx on PostgreSQL (a schema
/// of its own): per change one transaction that reads the deal (`FOR UPDATE`), writes it,
/// a log row and an audit row. The server's own price of a durable change, beside which
/// the PostgreSQL store's figure is its overhead. Each writer has a connection of its own.
async fn postgres_baseline_stage_changes(url: &str, changes: u64, writers: u64) {
    use sqlx::postgres::PgPoolOptions;
    use sqlx::{Connection, PgConnection};
    let schema = TestSchema::reserve(url);
    let mut conn = PgConnection::connect(url).await.expect("postgres");
    let ddl = format!(
        "CREATE SCHEMA \"{0}\"; SET search_path TO \"{0}\";
         CREATE TABLE deals (id uuid PRIMARY KEY, stage text NOT NULL, version bigint NOT NULL, data bytea NOT NULL);
         CREATE TABLE deal_log (deal_id uuid NOT NULL, from_stage text, to_stage text NOT NULL, by_actor text NOT NULL, at timestamptz NOT NULL);
         CREATE INDEX deal_log_by_deal ON deal_log (deal_id, at);
         CREATE TABLE audit (id uuid PRIMARY KEY, at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL, record_id uuid NOT NULL, detail text NOT NULL);",
        schema.name()
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
        .execute(&mut conn)
        .await
        .expect("baseline tables");
    let by = Actor::Staff(StaffId(Uuid::now_v7()));
    let mut ids = Vec::new();
    for d in baseline_deals(&by) {
        let data = Body::binary(&d).expect("encode").as_bytes().to_vec();
        sqlx::query("INSERT INTO deals (id, stage, version, data) VALUES ($1, $2, 1, $3)")
            .bind(d.id.0)
            .bind(&d.stage)
            .bind(data)
            .execute(&mut conn)
            .await
            .expect("insert");
        ids.push(d.id.0);
    }
    conn.close().await.expect("close");
    let set_path = format!("SET search_path TO \"{}\"", schema.name());
    let pool = PgPoolOptions::new()
        .max_connections(writers as u32)
        .after_connect(move |conn, _| {
            let set_path = set_path.clone();
            Box::pin(async move {
                sqlx::raw_sql(sqlx::AssertSqlSafe(set_path))
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .expect("pool");
    let (ids, by) = (Arc::new(ids), Arc::new(by));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let mut conn = pool.acquire().await.expect("connection");
        let (ids, by) = (ids.clone(), by.clone());
        tasks.push(tokio::spawn(async move {
            for k in mine(changes, writers, writer) {
                let (deal, stage) = change(k);
                postgres_stage_change(&mut conn, ids[deal], stage, &by).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    print_rate(
        "postgres baseline (sqlx by hand)",
        changes,
        writers,
        start.elapsed(),
    );
    pool.close().await;
}

/// One stage change of the PostgreSQL baseline, in its own transaction.
async fn postgres_stage_change(conn: &mut sqlx::PgConnection, id: Uuid, stage: &str, by: &Actor) {
    use sqlx::{Connection, Row};
    let mut tx = conn.begin().await.expect("begin");
    let row = sqlx::query("SELECT data, version FROM deals WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .expect("read");
    let version: i64 = row.get(1);
    let at = Utc::now();
    let (from, data) = moved(row.get(0), stage, by, at);
    sqlx::query(
        "UPDATE deals SET stage = $2, version = $3, data = $4 WHERE id = $1 AND version = $5",
    )
    .bind(id)
    .bind(stage)
    .bind(version + 1)
    .bind(data)
    .bind(version)
    .execute(&mut *tx)
    .await
    .expect("update");
    sqlx::query("INSERT INTO deal_log (deal_id, from_stage, to_stage, by_actor, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(&from)
        .bind(stage)
        .bind(by.to_string())
        .bind(at)
        .execute(&mut *tx)
        .await
        .expect("log");
    sqlx::query("INSERT INTO audit (id, at, actor, action, record_id, detail) VALUES ($1, $2, $3, 'stage_changed', $4, $5)")
        .bind(Uuid::now_v7())
        .bind(at)
        .bind(by.to_string())
        .bind(id)
        .bind(format!("{from} -> {stage}"))
        .execute(&mut *tx)
        .await
        .expect("audit");
    tx.commit().await.expect("commit");
}

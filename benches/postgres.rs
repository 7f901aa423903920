//! Criterion benchmark of the PostgreSQL store through the services (`crm::Crm`), beside a
//! hand-written sqlx baseline on typed tables of its own (the figures are in
//! `docs/postgres.md`).
//!
//! ```text
//! CRM_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! CRM_BENCH_CUSTOMERS=100000 cargo bench --bench postgres
//! ```
//!
//! Without `CRM_BENCH_POSTGRES_URL` the benchmark prints that it was skipped and does nothing.
//!
//! Each side works in a schema of its own (`crm_store_postgres::TestSchema`, dropped at the
//! end): the store's is migrated by the store (records, unique keys and index entries, one
//! table each); the baseline's holds typed tables per record kind (customers, contact points,
//! search tokens, interactions, audit entries, ...), made by the SQL of the store's first two
//! migrations, which had that shape, run by hand. Each is seeded with `CRM_BENCH_CUSTOMERS` customers
//! (default 100,000; customer `i` is a person with the email `customer{i}@example.com` and
//! the mobile number `0912…{i}`, as in `benches/store.rs`) and 1,000 interactions of
//! customer 0. The store is seeded with big commits of whole records (customers with their
//! audit entries, 1,000 to a commit), the baseline with multi-row inserts; both write the
//! same rows. Measured, one operation at a time:
//! - `create`: a customer with an email and a mobile number (two unique contact keys) and
//!   its audit entry, one transaction, committed (durable) before it returns;
//! - `find_by_email`, `find_by_phone`: a customer by a contact point, decoded;
//! - `list_1000_interactions`: customer 0's newest 1,000 interactions, decoded.
//!
//! The baseline does what a careful hand-written application would: one statement per
//! operation on tables made for these queries (creating a customer is a single statement of
//! data-modifying CTEs inside `BEGIN`/`COMMIT`), prepared and cached by sqlx, rows decoded
//! into the same `crm_core` values.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use chrono::{DateTime, Utc};
use common::{
    Picker, email, interaction_body, interaction_time, mobile, names, new_customer, progress,
};
use criterion::{Criterion, SamplingMode, Throughput};
use crm::audit::{Actor, AuditAction, AuditEntry};
use crm::channel::Channel;
use crm::customer::{ContactKind, ContactPoint, Customer, LifecycleStage, Party};
use crm::id::{AuditId, CustomerId, InteractionId, StaffId};
use crm::interaction::{Direction, Interaction};
use crm::normalize::{Region, search_tokens};
use crm::record::RecordKind;
use crm::record::RecordRef;
use crm::service::NewStaff;
use crm::staff::Role;
use crm::store::{Commit, PageRequest, Store};
use crm::{Crm, Session};
use crm_store_postgres::{PostgresStore, TestSchema};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{Connection, PgConnection, PgPool, Row};
use std::hint::black_box;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Interactions of customer 0.
const INTERACTIONS: usize = 1000;
/// Customers per seeding commit (store) or statement (baseline).
const SEED_BATCH: u64 = 1000;
/// Concurrent seeding tasks.
const SEED_TASKS: u64 = 4;

/// The baseline's typed tables: the schema of the store's migrations 1 and 2 (tables per
/// record kind with real columns), which the store kept until version 3.
const BASELINE_SCHEMA: [&str; 2] = [
    include_str!("../crates/crm-store-postgres/migrations/0001_schema.sql"),
    include_str!("../crates/crm-store-postgres/migrations/0002_cartable.sql"),
];

fn main() {
    let Some(url) = std::env::var("CRM_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!("SKIPPED: CRM_BENCH_POSTGRES_URL not set (PostgreSQL benchmark skipped)");
        return;
    };
    let n: u64 = std::env::var("CRM_BENCH_CUSTOMERS")
        .ok()
        .map(|v| {
            v.replace('_', "")
                .parse()
                .expect("CRM_BENCH_CUSTOMERS: a number")
        })
        .unwrap_or(100_000);
    assert!(n > 0, "CRM_BENCH_CUSTOMERS must be positive");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let start = Instant::now();

    progress(
        start,
        &format!("postgres: seeding {n} customers (batched commits)"),
    );
    let store = rt.block_on(StoreTarget::seed(&url, n));
    progress(start, "postgres: seeded");
    progress(
        start,
        &format!("sqlx: seeding {n} customers (multi-row inserts)"),
    );
    let baseline = rt.block_on(Baseline::seed(&url, n));
    progress(start, "sqlx: seeded");
    // Each operation on both sides back to back, so that both see the same machine.
    let targets = [
        ("postgres", Target::Store(&store)),
        ("sqlx", Target::Baseline(&baseline)),
    ];
    bench(&mut criterion, &rt, n, &targets);
    rt.block_on(paired(n, &targets));
    drop(store);
    drop(baseline);
    criterion.final_summary();
}

/// One side of the comparison.
enum Target<'a> {
    Store(&'a StoreTarget),
    Baseline(&'a Baseline),
}

impl Target<'_> {
    async fn create(&self, i: u64) {
        match self {
            Target::Store(s) => {
                s.session
                    .create_customer(new_customer(i))
                    .await
                    .expect("create customer");
            }
            Target::Baseline(b) => {
                b.create(i).await.expect("baseline create");
            }
        }
    }

    async fn find(&self, kind: ContactKind, value: &str) -> Customer {
        let found = match self {
            Target::Store(s) => s
                .session
                .find_by_contact(kind, value)
                .await
                .expect("find by contact"),
            Target::Baseline(b) => b.find_by_contact(kind, value).await.expect("baseline find"),
        };
        found.unwrap_or_else(|| panic!("no customer with {kind:?} {value}"))
    }

    async fn list_interactions(&self) -> usize {
        match self {
            Target::Store(s) => s
                .session
                .interactions(s.busy, &PageRequest::first(INTERACTIONS))
                .await
                .expect("interactions")
                .items
                .len(),
            Target::Baseline(b) => b
                .interactions(INTERACTIONS)
                .await
                .expect("baseline interactions"),
        }
    }
}

fn bench(c: &mut Criterion, rt: &tokio::runtime::Runtime, n: u64, targets: &[(&str, Target<'_>)]) {
    // Customers created while measuring take the numbers from `n` up (each side has its own
    // schema, so both may use the same numbers).
    let mut group = c.benchmark_group(format!("create/{n}"));
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));
    for (name, t) in targets {
        let next = AtomicU64::new(n);
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        t.create(next.fetch_add(1, Ordering::Relaxed)).await;
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
    for (op, kind) in [
        ("find_by_email", ContactKind::Email),
        ("find_by_phone", ContactKind::Mobile),
    ] {
        let mut group = c.benchmark_group(format!("{op}/{n}"));
        group.sampling_mode(SamplingMode::Flat);
        group.throughput(Throughput::Elements(1));
        for (name, t) in targets {
            let mut picker = Picker::new(1);
            group.bench_function(*name, |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let start = Instant::now();
                        for _ in 0..iters {
                            let i = picker.below(n);
                            let value = match kind {
                                ContactKind::Email => email(i),
                                _ => mobile(i),
                            };
                            black_box(t.find(kind, &value).await);
                        }
                        start.elapsed()
                    })
                });
            });
        }
        group.finish();
    }
    let mut group = c.benchmark_group(format!("list_1000_interactions/{n}"));
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));
    for (name, t) in targets {
        group.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        assert_eq!(t.list_interactions().await, INTERACTIONS);
                    }
                    start.elapsed()
                })
            });
        });
    }
    group.finish();
}

/// The same operations again, measured in alternating blocks (store, baseline, baseline,
/// store, ...), so that a machine whose load changes during the run slows both sides alike;
/// prints the median time per operation of each side and their ratio.
async fn paired(n: u64, targets: &[(&str, Target<'_>)]) {
    const ROUNDS: usize = 41;
    let ops: [(&str, u64); 4] = [
        ("create", 40),
        ("find_by_email", 100),
        ("find_by_phone", 100),
        ("list_1000_interactions", 8),
    ];
    // Numbers far above the seed and the criterion runs (mobile numbers 0914…).
    let next = [AtomicU64::new(20_000_000), AtomicU64::new(20_000_000)];
    let mut picker = Picker::new(7);
    eprintln!("\npaired blocks ({ROUNDS} rounds, {n} customers): median per operation");
    eprintln!(
        "{:<24} {:>12} {:>12} {:>7}",
        "operation", targets[0].0, targets[1].0, "ratio"
    );
    for (op, block) in ops {
        let mut times = [Vec::new(), Vec::new()];
        for round in 0..ROUNDS {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for side in order {
                let t = &targets[side].1;
                let start = Instant::now();
                for _ in 0..block {
                    match op {
                        "create" => t.create(next[side].fetch_add(1, Ordering::Relaxed)).await,
                        "find_by_email" => {
                            black_box(t.find(ContactKind::Email, &email(picker.below(n))).await);
                        }
                        "find_by_phone" => {
                            black_box(t.find(ContactKind::Mobile, &mobile(picker.below(n))).await);
                        }
                        _ => assert_eq!(t.list_interactions().await, INTERACTIONS),
                    }
                }
                times[side].push(start.elapsed().as_secs_f64() / block as f64);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (a, b) = (median(&mut times[0]), median(&mut times[1]));
        eprintln!(
            "{op:<24} {:>9.1} µs {:>9.1} µs {:>6.2}x",
            a * 1e6,
            b * 1e6,
            a / b
        );
    }
}

// ---------------------------------------------------------------------------------------
// The data set (the shapes of benches/store.rs).

fn contacts(i: u64) -> [ContactPoint; 2] {
    [
        ContactPoint::parse(ContactKind::Email, &email(i), None, Region::IR).expect("email"),
        ContactPoint::parse(ContactKind::Mobile, &mobile(i), None, Region::IR).expect("mobile"),
    ]
}

/// Now, at the microsecond precision crm-rs stores.
fn now() -> DateTime<Utc> {
    crm::clock::truncate(Utc::now())
}

/// The numbers `from..to` split among [`SEED_TASKS`] tasks, in batches of [`SEED_BATCH`].
fn batches(from: u64, to: u64) -> Vec<Vec<(u64, u64)>> {
    let mut tasks = vec![Vec::new(); SEED_TASKS as usize];
    let mut at = from;
    let mut k = 0;
    while at < to {
        let end = (at + SEED_BATCH).min(to);
        let task = k % tasks.len();
        tasks[task].push((at, end));
        at = end;
        k += 1;
    }
    tasks
}

// ---------------------------------------------------------------------------------------
// The store, through the services.

struct StoreTarget {
    session: Session,
    busy: CustomerId,
    _store: Arc<PostgresStore>,
    _schema: TestSchema,
}

impl StoreTarget {
    /// A schema of its own, seeded with whole records in big commits (customers with their
    /// audit entries; the store derives contact keys, search tokens and indexes itself).
    async fn seed(url: &str, n: u64) -> StoreTarget {
        let (store, schema) = TestSchema::create(url).await.expect("postgres schema");
        let store = Arc::new(store);
        let crm = Crm::new(store.clone());
        let (workspace, admin) = crm
            .create_workspace(
                "Bench",
                "IR",
                NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
            )
            .await
            .expect("workspace");
        let session = crm.session(workspace.id, admin.id).await.expect("session");
        let busy = session
            .create_customer(new_customer(0))
            .await
            .expect("customer 0")
            .id;
        let mut tasks = Vec::new();
        for ranges in batches(1, n) {
            let store = store.clone();
            let (ws, actor) = (workspace.id, admin.id);
            tasks.push(tokio::spawn(async move {
                for (from, to) in ranges {
                    store
                        .commit(ws, customers_commit(from, to, actor))
                        .await
                        .expect("seed commit");
                }
            }));
        }
        for task in tasks {
            task.await.expect("seed task");
        }
        let mut commit = Commit::new();
        for k in 0..INTERACTIONS {
            commit.put(Interaction {
                id: InteractionId(Uuid::now_v7()),
                version: 1,
                customer: busy,
                channel: Channel::Email,
                direction: Direction::Inbound,
                occurred_at: interaction_time(k),
                subject: Some("Delivery".into()),
                body: interaction_body(k),
                staff: Some(admin.id),
                external_id: None,
                attachments: Vec::new(),
                recorded_at: now(),
            });
        }
        store
            .commit(workspace.id, commit)
            .await
            .expect("seed interactions");
        analyze(store.pool()).await;
        StoreTarget {
            session,
            busy,
            _store: store,
            _schema: schema,
        }
    }
}

/// Customers `from..to`, each with its audit entry, as one commit.
fn customers_commit(from: u64, to: u64, actor: StaffId) -> Commit {
    let mut commit = Commit::new();
    for i in from..to {
        let (given, family) = names(i);
        let at = now();
        let party = Party::Person {
            given_name: given.into(),
            family_name: family.into(),
            organisation: None,
        };
        let mut customer =
            Customer::new(CustomerId(Uuid::now_v7()), party, LifecycleStage::Lead, at);
        customer.contacts = contacts(i).into();
        let audit = AuditEntry {
            id: AuditId(Uuid::now_v7()),
            version: 1,
            at,
            actor: Actor::Staff(actor),
            action: AuditAction::Created,
            record: RecordRef {
                kind: RecordKind::CUSTOMER,
                id: customer.id.0,
            },
            detail: String::new(),
        };
        commit.put(customer);
        commit.put(audit);
    }
    commit
}

/// Fresh planner statistics after a bulk load, as an operator would run.
async fn analyze(pool: &PgPool) {
    sqlx::query("ANALYZE").execute(pool).await.expect("analyze");
}

// ---------------------------------------------------------------------------------------
// The hand-written sqlx baseline.

struct Baseline {
    pool: PgPool,
    workspace: Uuid,
    actor: Uuid,
    busy: Uuid,
    _schema: TestSchema,
}

/// One customer, its contact points (claiming their keys), its search tokens and its audit
/// entry: one statement. Parameters are arrays, so the same statement seeds many customers.
const INSERT_CUSTOMERS: &str = "\
WITH c AS (
    SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::uuid[])
        AS c(id, given_name, family_name, at, audit_id)),
customers AS (
    INSERT INTO customers (workspace_id, id, version, party_type, given_name, family_name,
        org_name, organisation_id, stage, owner_id, tags, fields, occasions, consent,
        merged_into, created_at, updated_at)
    SELECT $1, c.id, 1, 'person', c.given_name, c.family_name, NULL, NULL, 'lead', NULL,
        '{}', '{}'::jsonb, '[]'::jsonb, '{}'::jsonb, NULL, c.at, c.at FROM c),
contacts AS (
    INSERT INTO contact_points
        (workspace_id, customer_id, ordinal, kind, value, key, label, claims_key)
    SELECT $1, p.customer_id, p.ordinal, p.kind, p.value, p.key, NULL, true
    FROM unnest($7::uuid[], $8::int4[], $9::text[], $10::text[], $11::text[])
        AS p(customer_id, ordinal, kind, value, key)),
tokens AS (
    INSERT INTO customer_tokens (workspace_id, token, customer_id)
    SELECT $1, t.token, t.customer_id FROM unnest($12::text[], $13::uuid[])
        AS t(token, customer_id))
INSERT INTO audit_entries (workspace_id, id, version, at, actor_type, actor_staff, actor_name,
    action, record_kind, record_id, detail)
SELECT $1, c.audit_id, 1, c.at, 'staff', $14, NULL, 'created', 'customer', c.id, '' FROM c";

const FIND_CUSTOMER: &str = "\
SELECT c.id, c.version, c.party_type, c.given_name, c.family_name, c.stage, c.tags, c.fields,
    c.occasions, c.consent, c.created_at, c.updated_at,
    (SELECT jsonb_agg(jsonb_build_array(p.kind, p.value, p.key, p.label) ORDER BY p.ordinal)
     FROM contact_points p WHERE p.workspace_id = c.workspace_id AND p.customer_id = c.id)
        AS contacts
FROM contact_points k JOIN customers c ON c.workspace_id = k.workspace_id AND c.id = k.customer_id
WHERE k.workspace_id = $1 AND k.key = $2 AND k.claims_key";

const LIST_INTERACTIONS: &str = "\
SELECT id, version, customer_id, channel, direction, occurred_at, subject, body, staff_id,
    external_id, attachments, recorded_at
FROM interactions WHERE workspace_id = $1 AND customer_id = $2
ORDER BY occurred_at DESC, id DESC LIMIT $3";

/// Customers to insert with [`INSERT_CUSTOMERS`], as its array parameters.
#[derive(Default)]
struct Rows {
    ids: Vec<Uuid>,
    given: Vec<&'static str>,
    family: Vec<&'static str>,
    at: Vec<DateTime<Utc>>,
    audit_ids: Vec<Uuid>,
    contact_customer: Vec<Uuid>,
    ordinal: Vec<i32>,
    kind: Vec<String>,
    value: Vec<String>,
    key: Vec<String>,
    token: Vec<String>,
    token_customer: Vec<Uuid>,
}

impl Rows {
    fn push(&mut self, i: u64) -> Uuid {
        let (given, family) = names(i);
        let id = Uuid::now_v7();
        self.ids.push(id);
        self.given.push(given);
        self.family.push(family);
        self.at.push(now());
        self.audit_ids.push(Uuid::now_v7());
        for (ordinal, contact) in contacts(i).into_iter().enumerate() {
            self.contact_customer.push(id);
            self.ordinal.push(i32::try_from(ordinal).expect("small"));
            self.kind.push(contact.kind.to_string());
            self.value.push(contact.value);
            self.key.push(contact.key);
        }
        for token in search_tokens(&format!("{given} {family}")) {
            self.token.push(token);
            self.token_customer.push(id);
        }
        id
    }
}

impl Baseline {
    /// A schema of its own with typed tables ([`BASELINE_SCHEMA`]), seeded by multi-row
    /// inserts.
    async fn seed(url: &str, n: u64) -> Baseline {
        let schema = TestSchema::reserve(url);
        let mut conn = PgConnection::connect(url)
            .await
            .expect("postgres connection");
        let ddl = format!(
            "CREATE SCHEMA \"{0}\"; SET search_path TO \"{0}\"; {1} {2}",
            schema.name(),
            BASELINE_SCHEMA[0],
            BASELINE_SCHEMA[1]
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
            .execute(&mut conn)
            .await
            .expect("baseline tables");
        conn.close().await.expect("close");
        let options = PgConnectOptions::from_str(url)
            .expect("postgres url")
            .options([("search_path", schema.name())]);
        let pool = PgPoolOptions::new()
            .max_connections(crm_store_postgres::DEFAULT_MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .expect("postgres pool");
        let mut db = Baseline {
            pool,
            workspace: Uuid::now_v7(),
            actor: Uuid::now_v7(),
            busy: Uuid::nil(),
            _schema: schema,
        };
        db.busy = db.create(0).await.expect("customer 0");
        let db = Arc::new(db);
        let mut tasks = Vec::new();
        for ranges in batches(1, n) {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for (from, to) in ranges {
                    let mut rows = Rows::default();
                    for i in from..to {
                        rows.push(i);
                    }
                    db.insert(&rows, &db.pool).await.expect("seed customers");
                }
            }));
        }
        for task in tasks {
            task.await.expect("seed task");
        }
        let at: Vec<DateTime<Utc>> = (0..INTERACTIONS).map(interaction_time).collect();
        let bodies: Vec<String> = (0..INTERACTIONS).map(interaction_body).collect();
        let ids: Vec<Uuid> = (0..INTERACTIONS).map(|_| Uuid::now_v7()).collect();
        sqlx::query(
            "INSERT INTO interactions (workspace_id, id, version, customer_id, channel, \
             direction, occurred_at, subject, body, staff_id, external_id, attachments, \
             recorded_at) \
             SELECT $1, i.id, 1, $2, 'email', 'inbound', i.at, 'Delivery', i.body, $3, NULL, \
             '[]'::jsonb, $4 \
             FROM unnest($5::uuid[], $6::timestamptz[], $7::text[]) AS i(id, at, body)",
        )
        .bind(db.workspace)
        .bind(db.busy)
        .bind(db.actor)
        .bind(now())
        .bind(ids)
        .bind(at)
        .bind(bodies)
        .execute(&db.pool)
        .await
        .expect("seed interactions");
        analyze(&db.pool).await;
        Arc::into_inner(db).expect("no other handle")
    }

    async fn insert<'e>(&self, rows: &Rows, on: impl sqlx::PgExecutor<'e>) -> Result<(), BoxError> {
        sqlx::query(INSERT_CUSTOMERS)
            .bind(self.workspace)
            .bind(&rows.ids)
            .bind(&rows.given)
            .bind(&rows.family)
            .bind(&rows.at)
            .bind(&rows.audit_ids)
            .bind(&rows.contact_customer)
            .bind(&rows.ordinal)
            .bind(&rows.kind)
            .bind(&rows.value)
            .bind(&rows.key)
            .bind(&rows.token)
            .bind(&rows.token_customer)
            .bind(self.actor)
            .execute(on)
            .await?;
        Ok(())
    }

    /// Creates customer `i` in one transaction (committed, durable); returns its id.
    async fn create(&self, i: u64) -> Result<Uuid, BoxError> {
        let mut rows = Rows::default();
        let id = rows.push(i);
        let mut tx = self.pool.begin().await?;
        self.insert(&rows, &mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The customer holding the contact point `value` of `kind`.
    async fn find_by_contact(
        &self,
        kind: ContactKind,
        value: &str,
    ) -> Result<Option<Customer>, BoxError> {
        let key = crm::customer::canonical_key(kind, value, Region::IR)?;
        let row = sqlx::query(FIND_CUSTOMER)
            .bind(self.workspace)
            .bind(&key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(customer).transpose()
    }

    /// Customer 0's newest `limit` interactions (one more read, as the stores do); returns
    /// how many were kept.
    async fn interactions(&self, limit: usize) -> Result<usize, BoxError> {
        let rows = sqlx::query(LIST_INTERACTIONS)
            .bind(self.workspace)
            .bind(self.busy)
            .bind(i64::try_from(limit + 1)?)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows
            .iter()
            .map(interaction)
            .collect::<Result<Vec<_>, _>>()?;
        items.truncate(limit);
        Ok(black_box(items).len())
    }
}

fn customer(row: &PgRow) -> Result<Customer, BoxError> {
    type ContactRow = (String, String, String, Option<String>);
    let contacts: Json<Vec<ContactRow>> = row.try_get("contacts")?;
    let contacts = contacts
        .0
        .into_iter()
        .map(|(kind, value, key, label)| {
            Ok(ContactPoint {
                kind: kind.parse().map_err(|e| format!("{e:?}"))?,
                value,
                key,
                label,
            })
        })
        .collect::<Result<Vec<_>, BoxError>>()?;
    let stage: String = row.try_get("stage")?;
    let version: i64 = row.try_get("version")?;
    let party = Party::Person {
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        organisation: None,
    };
    let stage = stage.parse().map_err(|e| format!("{e:?}"))?;
    let mut customer = Customer::new(
        CustomerId(row.try_get("id")?),
        party,
        stage,
        row.try_get("created_at")?,
    );
    customer.version = u64::try_from(version)?;
    customer.tags = row.try_get::<Vec<String>, _>("tags")?.into_iter().collect();
    customer.fields = row.try_get::<Json<_>, _>("fields")?.0;
    customer.occasions = row.try_get::<Json<_>, _>("occasions")?.0;
    customer.consent = row.try_get::<Json<_>, _>("consent")?.0;
    customer.contacts = contacts;
    customer.updated_at = row.try_get("updated_at")?;
    Ok(customer)
}

fn interaction(row: &PgRow) -> Result<Interaction, BoxError> {
    let channel: String = row.try_get("channel")?;
    let direction: String = row.try_get("direction")?;
    let version: i64 = row.try_get("version")?;
    Ok(Interaction {
        id: InteractionId(row.try_get("id")?),
        version: u64::try_from(version)?,
        customer: CustomerId(row.try_get("customer_id")?),
        channel: channel.parse::<Channel>().map_err(|e| format!("{e:?}"))?,
        direction: if direction == "inbound" {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        occurred_at: row.try_get("occurred_at")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        staff: row.try_get::<Option<Uuid>, _>("staff_id")?.map(StaffId),
        external_id: row.try_get("external_id")?,
        attachments: row.try_get::<Json<_>, _>("attachments")?.0,
        recorded_at: row.try_get("recorded_at")?,
    })
}

//! What the benchmark targets share: configuration from the environment, the data set, seeding
//! (cached per store and size under `target/crm-bench/seed`), and one [`Target`] type that
//! runs each measured operation on a crm-rs store or on the hand-written SQLite baseline.
//!
//! The data set: customers `0..N`, each a person with a name from a short list (Persian and
//! Latin), an email `customer{i}@example.com` and an Iranian mobile number (see [`mobile`]);
//! customer 0 also has 1,000 interactions. Customers created while measuring take the numbers
//! from `N` up, so they never collide with the seed.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod intake_baseline;
pub mod sqlite;

use chrono::{Duration as TimeDelta, TimeZone, Utc};
use crm_core::channel::Channel;
use crm_core::customer::{ContactKind, Customer};
use crm_core::id::{CustomerId, StaffId, WorkspaceId};
use crm_core::interaction::Direction;
use crm_core::service::{NewCustomer, NewInteraction, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{PageRequest, Store};
use crm_core::{Crm, Session};
use crm_store_memory::MemoryStore;
use crm_store_sled::{Durability, SledConfig, SledStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How many interactions the busy customer (customer 0) has.
pub const INTERACTIONS: usize = 1000;

/// Concurrent tasks used for seeding through the services.
const SEED_TASKS: u64 = 4;

/// A backend to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `crm_store_memory::MemoryStore`.
    Memory,
    /// `crm_store_sled::SledStore`, durable (`Durability::Flush`) while measuring.
    Sled,
    /// The hand-written rusqlite baseline (WAL, `synchronous=FULL`).
    Sqlite,
}

impl StoreKind {
    /// The name used in `CRM_BENCH_STORES` and in benchmark ids.
    pub fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Sled => "sled",
            Self::Sqlite => "sqlite",
        }
    }

    /// Reads a name of `CRM_BENCH_STORES`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim() {
            "memory" => Some(Self::Memory),
            "sled" => Some(Self::Sled),
            "sqlite" => Some(Self::Sqlite),
            _ => None,
        }
    }
}

/// The configuration of a run, from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `CRM_BENCH_STORES` (default `memory,sled,sqlite`). PostgreSQL has a benchmark of its
    /// own: `benches/postgres.rs`.
    pub stores: Vec<StoreKind>,
    /// `CRM_BENCH_CUSTOMERS` (default 100000).
    pub customers: u64,
    /// `CRM_BENCH_DIR` (default `target/crm-bench`): seeds and working copies.
    pub dir: PathBuf,
    /// `CRM_BENCH_SEED_DURABLE=1`: seed with durable commits (sled `Flush`, SQLite one
    /// `synchronous=FULL` transaction per customer) instead of the fast modes.
    pub seed_durable: bool,
    /// `CRM_BENCH_SLED_CACHE_MB`: sled's cache capacity (default: the store's default).
    pub sled_cache_mb: Option<u64>,
    /// `CRM_BENCH_SLED_COMPRESSION` (`1` or `0`): new sled stores with or without zstd
    /// compression (default: the store's default, without).
    pub sled_compression: Option<bool>,
}

impl Config {
    /// Reads the environment; panics with a clear message on a bad value.
    pub fn from_env() -> Self {
        let stores: Vec<StoreKind> = std::env::var("CRM_BENCH_STORES")
            .unwrap_or_else(|_| "memory,sled,sqlite".to_owned())
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                StoreKind::parse(s).unwrap_or_else(|| {
                    panic!("CRM_BENCH_STORES: unknown store {s:?} (memory, sled, sqlite)")
                })
            })
            .collect();
        let customers = std::env::var("CRM_BENCH_CUSTOMERS")
            .ok()
            .map(|v| {
                v.replace('_', "")
                    .parse()
                    .expect("CRM_BENCH_CUSTOMERS: a number")
            })
            .unwrap_or(100_000);
        assert!(customers > 0, "CRM_BENCH_CUSTOMERS must be positive");
        let dir = std::env::var_os("CRM_BENCH_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/crm-bench"),
            PathBuf::from,
        );
        let seed_durable = std::env::var("CRM_BENCH_SEED_DURABLE").is_ok_and(|v| v == "1");
        let sled_cache_mb = std::env::var("CRM_BENCH_SLED_CACHE_MB")
            .ok()
            .map(|v| v.parse().expect("CRM_BENCH_SLED_CACHE_MB: a number"));
        let sled_compression =
            std::env::var("CRM_BENCH_SLED_COMPRESSION")
                .ok()
                .map(|v| match v.as_str() {
                    "1" => true,
                    "0" => false,
                    _ => panic!("CRM_BENCH_SLED_COMPRESSION: 1 or 0"),
                });
        Self {
            stores,
            customers,
            dir,
            seed_durable,
            sled_cache_mb,
            sled_compression,
        }
    }

    /// Where the seeded data of `kind` at this size is kept between runs.
    pub fn seed_dir(&self, kind: StoreKind) -> PathBuf {
        let durable = if self.seed_durable { "-durable" } else { "" };
        let cache = match (kind, self.sled_cache_mb) {
            (StoreKind::Sled, Some(mb)) => format!("-cache{mb}"),
            _ => String::new(),
        };
        let compression = match (kind, self.sled_compression) {
            (StoreKind::Sled, Some(true)) => "-zstd",
            (StoreKind::Sled, Some(false)) => "-plain",
            _ => "",
        };
        self.dir.join("seed").join(format!(
            "{}-{}{durable}{cache}{compression}",
            kind.name(),
            self.customers
        ))
    }

    /// The sled configuration for `path`: the store's defaults, with
    /// `CRM_BENCH_SLED_CACHE_MB` and `CRM_BENCH_SLED_COMPRESSION` when set.
    pub fn sled(&self, path: &Path) -> SledConfig {
        let config = SledConfig::new(path);
        let config = match self.sled_compression {
            Some(on) => config.compression(on),
            None => config,
        };
        match self.sled_cache_mb {
            Some(mb) => config.cache_capacity(mb * 1024 * 1024),
            None => config,
        }
    }
}

/// The email of customer `i`.
pub fn email(i: u64) -> String {
    format!("customer{i}@example.com")
}

/// The mobile number of customer `i`, written the way people in Iran write it
/// (`0912 …`, then `0913 …` past ten million).
pub fn mobile(i: u64) -> String {
    format!("09{}{:07}", 12 + i / 10_000_000, i % 10_000_000)
}

const GIVEN: [&str; 12] = [
    "Ali",
    "Sara",
    "Reza",
    "Maryam",
    "John",
    "Anna",
    "علی",
    "زهرا",
    "محمد",
    "فاطمه",
    "Omid",
    "Neda",
];
const FAMILY: [&str; 12] = [
    "Ahmadi",
    "Karimi",
    "Hosseini",
    "Rezaei",
    "Smith",
    "Müller",
    "احمدی",
    "کریمی",
    "حسینی",
    "رضایی",
    "Moradi",
    "Jafari",
];

/// Given and family name of customer `i`.
pub fn names(i: u64) -> (&'static str, &'static str) {
    // Indexes are reduced modulo the list lengths: the casts cannot truncate.
    let g = (i % GIVEN.len() as u64) as usize;
    let f = ((i / GIVEN.len() as u64) % FAMILY.len() as u64) as usize;
    (GIVEN[g], FAMILY[f])
}

/// The input of customer `i`, as an application would pass it to `create_customer`.
pub fn new_customer(i: u64) -> NewCustomer {
    let (given, family) = names(i);
    NewCustomer::person(given, family)
        .contact(ContactKind::Email, &email(i))
        .contact(ContactKind::Mobile, &mobile(i))
}

/// The body of the `k`-th interaction of the busy customer (about 150 bytes).
pub fn interaction_body(k: usize) -> String {
    format!(
        "Request #{k}: the customer asked about the delivery of order {}, \
         and was told it ships within two working days. پیگیری سفارش",
        100_000 + k
    )
}

/// When the `k`-th interaction happened: one a day, going back from 2026-03-21.
pub fn interaction_time(k: usize) -> chrono::DateTime<Utc> {
    let start = Utc
        .with_ymd_and_hms(2026, 3, 21, 8, 0, 0)
        .single()
        .expect("valid date");
    start - TimeDelta::hours(i64::try_from(k).expect("small")) * 6
}

/// A tiny deterministic generator of customer numbers for look-ups.
#[derive(Debug, Clone)]
pub struct Picker(u64);

impl Picker {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number below `n` (xorshift64*).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Prints a line to stderr with the time since `start`.
pub fn progress(start: Instant, what: &str) {
    eprintln!("[{:>7.1}s] {what}", start.elapsed().as_secs_f64());
}

/// Ids a seeded crm-rs store needs to be used again: written next to the data.
#[derive(Debug, Clone, Copy)]
pub struct SeedIds {
    /// The workspace.
    pub workspace: WorkspaceId,
    /// Its administrator (the acting staff member).
    pub admin: StaffId,
    /// Customer 0, the one with the interactions.
    pub busy: CustomerId,
}

impl SeedIds {
    fn write(&self, dir: &Path) {
        let text = format!("{}\n{}\n{}\n", self.workspace, self.admin, self.busy);
        std::fs::write(dir.join("crm-bench-ids"), text).expect("write the seed ids");
    }

    /// The ids written next to the data in `dir`, if any.
    pub fn read_from(dir: &Path) -> Option<SeedIds> {
        let text = std::fs::read_to_string(dir.join("crm-bench-ids")).ok()?;
        let mut lines = text.lines();
        Some(SeedIds {
            workspace: lines.next()?.parse().ok()?,
            admin: lines.next()?.parse().ok()?,
            busy: lines.next()?.parse().ok()?,
        })
    }
}

/// Seeds customers `0..n` and the busy customer's interactions through the services, as an
/// application would (every commit with its contact keys, search tokens and audit entries).
pub async fn seed_crm(crm: &Crm, n: u64) -> SeedIds {
    seed_crm_with(crm, n, SEED_TASKS).await
}

/// [`seed_crm`] with `seed_tasks` concurrent writers.
pub async fn seed_crm_with(crm: &Crm, n: u64, seed_tasks: u64) -> SeedIds {
    let start = Instant::now();
    let (workspace, admin) = crm
        .create_workspace(
            "Bench",
            "IR",
            NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
        )
        .await
        .expect("workspace");
    let session = crm
        .session(workspace.id, admin.id)
        .await
        .expect("admin session");
    let busy = session
        .create_customer(new_customer(0))
        .await
        .expect("customer 0")
        .id;
    let done = Arc::new(AtomicU64::new(1));
    let mut tasks = Vec::new();
    for t in 0..seed_tasks {
        let session = session.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = 1 + t;
            while i < n {
                session
                    .create_customer(new_customer(i))
                    .await
                    .expect("seed customer");
                let total = done.fetch_add(1, Ordering::Relaxed) + 1;
                if total.is_multiple_of(100_000) {
                    progress(start, &format!("seeded {total} customers"));
                }
                i += seed_tasks;
            }
        }));
    }
    for task in tasks {
        task.await.expect("seed task");
    }
    for k in 0..INTERACTIONS {
        let new = NewInteraction::new(
            busy,
            Channel::Email,
            Direction::Inbound,
            &interaction_body(k),
        )
        .subject("Delivery")
        .at(interaction_time(k));
        session.record_interaction(new).await.expect("interaction");
    }
    progress(
        start,
        &format!("seeded {n} customers and {INTERACTIONS} interactions"),
    );
    SeedIds {
        workspace: workspace.id,
        admin: admin.id,
        busy,
    }
}

/// Opens a sled store, mapping the error to a panic with the path.
pub fn open_sled(config: SledConfig) -> SledStore {
    let path = config.path.clone();
    SledStore::open(config).unwrap_or_else(|e| panic!("open sled at {}: {e}", path.display()))
}

/// Seeds a fresh sled store in `dir` in `Buffered` mode (the fastest way to write the same
/// commits; `Flush` with `CRM_BENCH_SEED_DURABLE=1`), flushes it and closes it.
pub fn seed_sled(config: &Config, rt: &tokio::runtime::Runtime, dir: &Path, n: u64) -> SeedIds {
    let durability = if config.seed_durable {
        Durability::Flush
    } else {
        Durability::Buffered
    };
    let store = Arc::new(open_sled(config.sled(dir).durability(durability)));
    let crm = Crm::new(store.clone());
    let ids = rt.block_on(async {
        let ids = seed_crm(&crm, n).await;
        store.sync().await.expect("flush the seed");
        ids
    });
    drop(crm);
    drop(store);
    ids.write(dir);
    ids
}

/// Copies the directory tree `from` into `to` (created), each file synced to disk: the
/// copy's writeback then does not compete with what is measured next.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the seed") {
        let entry = entry.expect("seed entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            copy_file(&entry.path(), &target);
        }
    }
}

/// Copies the file `from` to `to` and syncs the copy to disk (see [`copy_dir`]).
pub fn copy_file(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy a seed file");
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .expect("sync the copy");
}

/// The bytes the files under `path` take on disk (allocated blocks, like `du`).
pub fn disk_bytes(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).expect("stat");
    if meta.is_dir() {
        std::fs::read_dir(path)
            .expect("read dir")
            .map(|e| disk_bytes(&e.expect("entry").path()))
            .sum()
    } else {
        meta.blocks() * 512
    }
}

/// A field of `/proc/self/status` in MiB (`VmHWM`, `VmRSS`).
pub fn proc_status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A working directory of one run, removed when dropped.
#[derive(Debug)]
pub struct RunDir(pub PathBuf);

impl RunDir {
    /// `<bench dir>/run-<pid>`, emptied first.
    pub fn new(config: &Config) -> Self {
        let dir = config.dir.join(format!("run-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the run directory");
        Self(dir)
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One backend, seeded, ready to measure.
#[allow(clippy::large_enum_variant)] // one value per run
pub enum Target {
    /// A crm-rs store, used through the services.
    Crm {
        /// The session of the workspace's administrator.
        session: Session,
        /// The store.
        store: Arc<dyn Store>,
        /// Customer 0.
        busy: CustomerId,
    },
    /// The hand-written SQLite baseline.
    Sqlite(Arc<sqlite::Baseline>),
}

impl Target {
    /// Prepares `kind` with `config.customers` customers: seeds it (or reuses the seed of an
    /// earlier run: a working copy under `run`), and opens it as it is measured.
    pub fn prepare(
        kind: StoreKind,
        config: &Config,
        rt: &tokio::runtime::Runtime,
        run: &RunDir,
    ) -> Target {
        let n = config.customers;
        let start = Instant::now();
        match kind {
            StoreKind::Memory => {
                let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
                let crm = Crm::new(store.clone());
                progress(start, &format!("memory: seeding {n} customers"));
                let ids = rt.block_on(seed_crm(&crm, n));
                Self::crm(rt, crm, store, ids)
            }
            StoreKind::Sled => {
                let seed = config.seed_dir(kind);
                let ids = match SeedIds::read_from(&seed) {
                    Some(ids) => ids,
                    None => {
                        progress(start, &format!("sled: seeding {n} customers"));
                        let _ = std::fs::remove_dir_all(&seed);
                        seed_sled(config, rt, &seed, n)
                    }
                };
                let work = run.0.join("sled");
                copy_dir(&seed, &work);
                // Measured as applications use it: durable commits, the default cache.
                let store = Arc::new(open_sled(config.sled(&work)));
                assert_eq!(store.engine().durability(), Durability::Flush);
                progress(start, "sled: opened (Flush)");
                let store: Arc<dyn Store> = store;
                let crm = Crm::new(store.clone());
                Self::crm(rt, crm, store, ids)
            }
            StoreKind::Sqlite => {
                let seed = config.seed_dir(kind);
                if !seed.join("complete").exists() {
                    progress(start, &format!("sqlite: seeding {n} customers"));
                    let _ = std::fs::remove_dir_all(&seed);
                    std::fs::create_dir_all(&seed).expect("seed dir");
                    sqlite::Baseline::seed(&seed.join("crm.sqlite"), n, config.seed_durable);
                    std::fs::write(seed.join("complete"), "").expect("mark the seed");
                    progress(start, "sqlite: seeded");
                }
                let work = run.0.join("sqlite");
                std::fs::create_dir_all(&work).expect("sqlite work dir");
                copy_file(&seed.join("crm.sqlite"), &work.join("crm.sqlite"));
                Target::Sqlite(Arc::new(sqlite::Baseline::open(&work.join("crm.sqlite"))))
            }
        }
    }

    fn crm(rt: &tokio::runtime::Runtime, crm: Crm, store: Arc<dyn Store>, ids: SeedIds) -> Target {
        let session = rt
            .block_on(crm.session(ids.workspace, ids.admin))
            .expect("session");
        Target::Crm {
            session,
            store,
            busy: ids.busy,
        }
    }

    /// Creates customer `i` (an email and a mobile number, one durable commit).
    pub async fn create(&self, i: u64) {
        match self {
            Target::Crm { session, .. } => {
                session
                    .create_customer(new_customer(i))
                    .await
                    .expect("create customer");
            }
            Target::Sqlite(db) => db.create(i).expect("sqlite create"),
        }
    }

    /// Finds customer `i` by email; panics when it is not found.
    pub async fn find_by_email(&self, i: u64) -> Customer {
        let found = match self {
            Target::Crm { session, .. } => session
                .find_by_contact(ContactKind::Email, &email(i))
                .await
                .expect("find by email"),
            Target::Sqlite(db) => db
                .find_by_contact(ContactKind::Email, &email(i))
                .expect("sqlite find"),
        };
        found.unwrap_or_else(|| panic!("customer {i} not found by email"))
    }

    /// Finds customer `i` by mobile number; panics when it is not found.
    pub async fn find_by_phone(&self, i: u64) -> Customer {
        let found = match self {
            Target::Crm { session, .. } => session
                .find_by_contact(ContactKind::Mobile, &mobile(i))
                .await
                .expect("find by phone"),
            Target::Sqlite(db) => db
                .find_by_contact(ContactKind::Mobile, &mobile(i))
                .expect("sqlite find"),
        };
        found.unwrap_or_else(|| panic!("customer {i} not found by phone"))
    }

    /// Lists the busy customer's newest 1,000 interactions; returns how many came back.
    pub async fn list_interactions(&self) -> usize {
        match self {
            Target::Crm { session, busy, .. } => session
                .interactions(*busy, &PageRequest::first(INTERACTIONS))
                .await
                .expect("interactions")
                .items
                .len(),
            Target::Sqlite(db) => db.interactions(INTERACTIONS).expect("sqlite interactions"),
        }
    }

    /// Creates `total` customers with `writers` concurrent writers (numbers from `next`);
    /// returns the wall time.
    pub fn create_concurrently(
        &self,
        rt: &tokio::runtime::Runtime,
        writers: u64,
        total: u64,
        next: &Arc<AtomicU64>,
    ) -> Duration {
        let share = move |w: u64| total / writers + u64::from(w < total % writers);
        match self {
            Target::Crm { session, .. } => rt.block_on(async {
                let start = Instant::now();
                let mut tasks = Vec::new();
                for w in 0..writers {
                    let (session, next) = (session.clone(), next.clone());
                    tasks.push(tokio::spawn(async move {
                        for _ in 0..share(w) {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            session
                                .create_customer(new_customer(i))
                                .await
                                .expect("create customer");
                        }
                    }));
                }
                for task in tasks {
                    task.await.expect("writer");
                }
                start.elapsed()
            }),
            Target::Sqlite(db) => {
                // Writer threads share one connection behind a mutex, the usual way to
                // write to SQLite from several threads. (A connection per thread with a
                // busy timeout is far slower: SQLite's busy handler sleeps for
                // milliseconds while another writer holds the lock.)
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for w in 0..writers {
                        let db = db.clone();
                        scope.spawn(move || {
                            for _ in 0..share(w) {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                db.create(i).expect("sqlite create");
                            }
                        });
                    }
                });
                start.elapsed()
            }
        }
    }
}

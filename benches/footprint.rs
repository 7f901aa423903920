//! Peak memory, disk use and look-up percentiles, each store in its own processes.
//! See `docs/benchmarks.md`.
//!
//! ```text
//! CRM_BENCH_STORES=memory,sled,sqlite CRM_BENCH_CUSTOMERS=100000 cargo bench --bench footprint
//! ```
//!
//! For each store it runs this binary again, twice:
//! 1. *seed*: a fresh directory, `CRM_BENCH_CUSTOMERS` customers (sled: through the services
//!    in `Buffered` mode, then flushed and closed; SQLite: 1,000 rows per transaction; with
//!    `CRM_BENCH_SEED_DURABLE=1` both write every customer durably, as measured), then the
//!    disk use and the process's peak RSS (`VmHWM`);
//! 2. *read*: opens that directory as an application would (sled: `Flush` mode, the default
//!    cache), runs 100,000 untimed finds (warm-up), then times 10,000 finds by email, 10,000
//!    by phone and 2,000 durable creates one by one (p50, p99), and reports that process's
//!    peak RSS.
//!
//! The memory store has no second process: it is seeded and read in one.
//! Output: one CSV line per store on stdout.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{Config, Picker, SeedIds, StoreKind, Target};
use crm_core::Crm;
use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LOOKUPS: usize = 10_000;
const CREATES: u64 = 2_000;
/// Look-ups run before the timed ones, so that caches are in their steady state.
const WARM_UP: usize = 100_000;
const PHASE: &str = "CRM_BENCH_FOOTPRINT_PHASE";
const DATA: &str = "CRM_BENCH_FOOTPRINT_DATA";

fn main() {
    let config = Config::from_env();
    if std::env::var("CRM_BENCH_INTERLEAVED").is_ok_and(|v| v == "1") {
        interleaved(&config);
        return;
    }
    match std::env::var(PHASE).ok().as_deref() {
        Some(phase) => child(&config, phase),
        None => parent(&config),
    }
}

/// `CRM_BENCH_INTERLEAVED=1`: durable creates on sled and on the SQLite baseline, alternating
/// one by one (the order swapped every round), so that both see the same load from the rest
/// of the machine; prints p50 and p99 of each. Uses the seeds of `benches/store.rs`.
fn interleaved(config: &Config) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let run = common::RunDir::new(config);
    let sled = Target::prepare(StoreKind::Sled, config, &rt, &run);
    let sqlite = Target::prepare(StoreKind::Sqlite, config, &rt, &run);
    let n = config.customers;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for i in n..n + 2 * CREATES {
            let first_sled = i % 2 == 0;
            for on_sled in [first_sled, !first_sled] {
                let (target, times) = if on_sled {
                    (&sled, &mut a)
                } else {
                    (&sqlite, &mut b)
                };
                let start = Instant::now();
                target.create(i).await;
                times.push(start.elapsed());
            }
        }
    });
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("store,customers,create_p50_us,create_p99_us (interleaved)");
    println!("sled,{n},{}", p50_p99(a));
    println!("sqlite,{n},{}", p50_p99(b));
    eprintln!("load average after: {}", load.trim());
}

/// Runs each store's phases in child processes and prints the table.
fn parent(config: &Config) {
    let exe = std::env::current_exe().expect("own path");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("load average before: {}", load.trim());
    eprintln!(
        "seed: {}; sled cache: {}",
        if config.seed_durable {
            "durable commits"
        } else {
            "fast mode (sled Buffered, SQLite batches)"
        },
        config
            .sled_cache_mb
            .map_or_else(|| "store default".to_owned(), |mb| format!("{mb} MiB"))
    );
    println!(
        "store,customers,seed_s,peak_rss_seed_mb,disk_mb,peak_rss_read_mb,\
         email_p50_us,email_p99_us,phone_p50_us,phone_p99_us,create_p50_us,create_p99_us"
    );
    for &kind in &config.stores {
        let data = config
            .dir
            .join(format!("footprint-{}-{}", kind.name(), std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        let run = |phase: &str| -> String {
            let out = Command::new(&exe)
                .env(PHASE, format!("{phase}:{}", kind.name()))
                .env(DATA, &data)
                .stderr(std::process::Stdio::inherit())
                .output()
                .expect("run a footprint phase");
            assert!(out.status.success(), "{} {phase} failed", kind.name());
            String::from_utf8(out.stdout)
                .expect("utf-8")
                .trim()
                .to_owned()
        };
        let seed = run("seed");
        let read = if kind == StoreKind::Memory {
            String::new()
        } else {
            run("read")
        };
        println!("{}", format!("{seed},{read}").trim_end_matches(','));
        let _ = std::fs::remove_dir_all(&data);
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    eprintln!("load average after: {}", load.trim());
}

/// One phase of one store, in its own process.
fn child(config: &Config, phase: &str) {
    let (phase, store) = phase.split_once(':').expect("phase:store");
    let kind = StoreKind::parse(store).expect("a store name");
    let data = std::path::PathBuf::from(std::env::var_os(DATA).expect("data dir"));
    let n = config.customers;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match phase {
        "seed" => {
            let start = Instant::now();
            std::fs::create_dir_all(&data).expect("data dir");
            match kind {
                StoreKind::Memory => {
                    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
                    let crm = Crm::new(store.clone());
                    let ids = rt.block_on(common::seed_crm(&crm, n));
                    let seed_s = start.elapsed().as_secs_f64();
                    let target = target_of(&rt, crm, store, ids);
                    let timings = percentiles(&rt, &target, n);
                    let peak = common::proc_status_mb("VmHWM");
                    print!("memory,{n},{seed_s:.1},{peak:.1},0.0,{peak:.1},{timings}");
                    return;
                }
                StoreKind::Sled => {
                    common::seed_sled(config, &rt, &data.join("sled"), n);
                }
                StoreKind::Sqlite => {
                    common::sqlite::Baseline::seed(
                        &data.join("crm.sqlite"),
                        n,
                        config.seed_durable,
                    );
                }
            }
            let seed_s = start.elapsed().as_secs_f64();
            let peak = common::proc_status_mb("VmHWM");
            let disk = common::disk_bytes(&data) as f64 / (1024.0 * 1024.0);
            print!("{},{n},{seed_s:.1},{peak:.1},{disk:.1}", kind.name());
        }
        "read" => {
            let target = match kind {
                StoreKind::Sled => {
                    let dir = data.join("sled");
                    let ids = SeedIds::read_from(&dir).expect("seed ids");
                    let store: Arc<dyn Store> = Arc::new(common::open_sled(config.sled(&dir)));
                    let crm = Crm::new(store.clone());
                    target_of(&rt, crm, store, ids)
                }
                StoreKind::Sqlite => Target::Sqlite(Arc::new(common::sqlite::Baseline::open(
                    &data.join("crm.sqlite"),
                ))),
                StoreKind::Memory => unreachable!("the memory store is read in its seed phase"),
            };
            let timings = percentiles(&rt, &target, n);
            let peak = common::proc_status_mb("VmHWM");
            print!("{peak:.1},{timings}");
        }
        other => panic!("unknown phase {other}"),
    }
}

fn target_of(
    rt: &tokio::runtime::Runtime,
    crm: Crm,
    store: Arc<dyn Store>,
    ids: SeedIds,
) -> Target {
    let session = rt
        .block_on(crm.session(ids.workspace, ids.admin))
        .expect("session");
    Target::Crm {
        session,
        store,
        busy: ids.busy,
    }
}

/// p50 and p99 of `LOOKUPS` finds by email, then by phone (after `WARM_UP` untimed ones),
/// then of `CREATES` creates (durable where the store is), each timed on its own; as CSV
/// fields in microseconds.
fn percentiles(rt: &tokio::runtime::Runtime, target: &Target, n: u64) -> String {
    rt.block_on(async {
        let mut picker = Picker::new(7);
        for k in 0..WARM_UP {
            let i = picker.below(n);
            if k % 2 == 0 {
                std::hint::black_box(target.find_by_email(i).await);
            } else {
                std::hint::black_box(target.find_by_phone(i).await);
            }
        }
        let mut email = Vec::with_capacity(LOOKUPS);
        for _ in 0..LOOKUPS {
            let i = picker.below(n);
            let start = Instant::now();
            std::hint::black_box(target.find_by_email(i).await);
            email.push(start.elapsed());
        }
        let mut phone = Vec::with_capacity(LOOKUPS);
        for _ in 0..LOOKUPS {
            let i = picker.below(n);
            let start = Instant::now();
            std::hint::black_box(target.find_by_phone(i).await);
            phone.push(start.elapsed());
        }
        let mut create = Vec::new();
        for i in n..n + CREATES {
            let start = Instant::now();
            target.create(i).await;
            create.push(start.elapsed());
        }
        [email, phone, create]
            .into_iter()
            .map(p50_p99)
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// "p50,p99" in microseconds.
fn p50_p99(mut times: Vec<Duration>) -> String {
    times.sort_unstable();
    let at = |q: f64| {
        // An index inside the vector: q is in 0..1.
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times[i].as_secs_f64() * 1e6
    };
    format!("{:.1},{:.1}", at(0.50), at(0.99))
}

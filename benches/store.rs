//! Criterion benchmarks of the stores through the services, beside a hand-written SQLite
//! baseline doing the same work. See `docs/benchmarks.md`.
//!
//! ```text
//! CRM_BENCH_STORES=memory,sled,sqlite CRM_BENCH_CUSTOMERS=100000 cargo bench --bench store
//! ```
//!
//! For each store, with `CRM_BENCH_CUSTOMERS` customers seeded (once per store and size;
//! the seed is kept under `target/crm-bench/seed` and copied for every run):
//! `create` (one customer with an email and a mobile number, durable on sled and SQLite),
//! `find_by_email`, `find_by_phone`, `list_1000_interactions`, and `writers/1` vs `writers/8`
//! (customers created by 1 or 8 concurrent writers; time per customer, so throughput is
//! comparable).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{Config, Picker, RunDir, Target};
use criterion::{Criterion, SamplingMode, Throughput};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn main() {
    let config = Config::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let run = RunDir::new(&config);
    for &kind in &config.stores {
        let target = Target::prepare(kind, &config, &rt, &run);
        bench_target(&mut criterion, &rt, &config, kind.name(), &target);
    }
    criterion.final_summary();
}

fn bench_target(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    config: &Config,
    name: &str,
    t: &Target,
) {
    let n = config.customers;
    // Customers created while measuring take the numbers from `n` up.
    let next = Arc::new(AtomicU64::new(n));
    let mut group = c.benchmark_group(format!("{name}/{n}"));
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));

    group.bench_function("create", |b| {
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

    let mut picker = Picker::new(1);
    group.bench_function("find_by_email", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(t.find_by_email(picker.below(n)).await);
                }
                start.elapsed()
            })
        });
    });

    group.bench_function("find_by_phone", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(t.find_by_phone(picker.below(n)).await);
                }
                start.elapsed()
            })
        });
    });

    group.bench_function("list_1000_interactions", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let count = t.list_interactions().await;
                    assert_eq!(count, common::INTERACTIONS);
                }
                start.elapsed()
            })
        });
    });

    // Time per customer created, with 1 and with 8 writers at once: the 8-writer figure is
    // the wall time of a batch divided by its size.
    for writers in [1, 8] {
        group.bench_function(format!("writers/{writers}"), |b| {
            b.iter_custom(|iters| t.create_concurrently(rt, writers, iters, &next));
        });
    }
    group.finish();
}

//! The activities proof of issue 12: `due_greetings` and today's tasks among many customers
//! and tasks on sled (see `docs/activities.md`).
//!
//! ```text
//! CRM_BENCH_CUSTOMERS=1000000 CRM_BENCH_TASKS=1000000 cargo bench -p crm-rs --bench activities
//! ```
//!
//! Seeds `CRM_BENCH_CUSTOMERS` customers (default 20,000), each with a birthday (half in the
//! Jalali, half in the Gregorian calendar, on a random day), and `CRM_BENCH_TASKS` open tasks
//! (default 20,000) spread over 2,000 staff members and due on random days within a year
//! around today, written straight through `Store::commit` (`CRM_BENCH_BATCH` records per
//! commit, default 10,000, `Buffered`) into a fresh directory under `target/crm-bench/`, removed afterwards. Then
//! times (p50, p99 over `CRM_BENCH_CALLS` calls, default 50): `due_greetings(today)` (about
//! 1/365 of the customers), `tasks_today(one staff member)` and `tasks_today(everyone, 50)`,
//! then `due_greetings` again on the settled store. Target: under 50 ms.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use chrono::{Duration as TimeDelta, Utc};
use common::{Config, Picker};
use crm_core::activity::{Due, Priority, Task, TaskKind, TaskStatus};
use crm_core::calendar::JalaliDate;
use crm_core::customer::{
    Customer, CustomerFilter, LifecycleStage, Occasion, OccasionCalendar, OccasionKind, Party,
};
use crm_core::id::{CustomerId, StaffId, TaskId};
use crm_core::service::NewStaff;
use crm_core::staff::Role;
use crm_core::store::{Commit, Store};
use crm_core::{Crm, Session};
use crm_store_sled::Durability;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const STAFF: u64 = 2000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}: a number"))
    })
}

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    (at(50), at(99))
}

fn main() {
    let config = Config::from_env();
    let customers = env_u64("CRM_BENCH_CUSTOMERS", 20_000);
    let tasks = env_u64("CRM_BENCH_TASKS", 20_000);
    let batch = env_u64("CRM_BENCH_BATCH", 10_000).max(1);
    let calls = usize::try_from(env_u64("CRM_BENCH_CALLS", 50))
        .unwrap()
        .max(1);
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/crm-bench")
        .join(format!(
            "activities-{customers}-{tasks}-{}",
            std::process::id()
        ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let store = Arc::new(common::open_sled(
            config.sled(&dir).durability(Durability::Buffered),
        ));
        let crm = Crm::new(store.clone());
        let (workspace, admin) = crm
            .create_workspace(
                "Activities",
                "IR",
                NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
            )
            .await
            .unwrap();
        let ws = workspace.id;
        let admin: Session = crm.session(ws, admin.id).await.unwrap();
        let tz = workspace.settings.sla.calendar.tz;
        let today = Utc::now().with_timezone(&tz).date_naive();
        let mut pick = Picker::new(12);
        let start = Instant::now();
        let now = Utc::now();
        let mut commit = Commit::new();
        for i in 0..customers {
            let jalali = i % 2 == 0;
            let (month, day) = if jalali {
                let m = 1 + pick.below(12);
                let max = if m <= 6 { 31 } else { 30 };
                (m, 1 + pick.below(max))
            } else {
                (1 + pick.below(12), 1 + pick.below(28))
            };
            let mut customer = Customer::new(
                CustomerId(Uuid::from_u64_pair(1, i)),
                Party::Person {
                    given_name: format!("Given{i}"),
                    family_name: format!("Family{i}"),
                    organisation: None,
                },
                LifecycleStage::Customer,
                now,
            );
            customer.occasions = vec![Occasion {
                kind: OccasionKind::Birthday,
                calendar: if jalali {
                    OccasionCalendar::Jalali
                } else {
                    OccasionCalendar::Gregorian
                },
                month: u8::try_from(month).unwrap(),
                day: u8::try_from(day).unwrap(),
                year: None,
            }];
            commit.put(customer);
            if (i + 1) % batch == 0 {
                store.commit(ws, std::mem::take(&mut commit)).await.unwrap();
            }
        }
        let staff: Vec<StaffId> = (0..STAFF)
            .map(|i| StaffId(Uuid::from_u64_pair(2, i)))
            .collect();
        for i in 0..tasks {
            let offset = i64::try_from(pick.below(365)).unwrap() - 182;
            commit.put(Task {
                id: TaskId(Uuid::from_u64_pair(3, i)),
                version: 1,
                kind: TaskKind::Call,
                title: format!("task {i}"),
                notes: String::new(),
                assignee: staff[usize::try_from(pick.below(STAFF)).unwrap()],
                due: Some(Due::on(today + TimeDelta::days(offset))),
                priority: Priority::Normal,
                status: TaskStatus::Open,
                link: None,
                followers: BTreeSet::new(),
                reminders: BTreeSet::new(),
                recurrence: None,
                series: None,
                created_by: None,
                created_at: now,
                updated_at: now,
                closed_at: None,
                recovery: None,
            });
            if (i + 1) % batch == 0 {
                store.commit(ws, std::mem::take(&mut commit)).await.unwrap();
            }
        }
        if !commit.is_empty() {
            store.commit(ws, commit).await.unwrap();
        }
        println!(
            "seeded {customers} customers and {tasks} tasks in {:.1}s",
            start.elapsed().as_secs_f64()
        );
        // What a buffered seed left to write goes to disk first, so the timed calls do not
        // share the cores with it; each measurement then has one cold call, shown apart.
        store.sync().await.unwrap();
        let all = CustomerFilter::default();
        let t = Instant::now();
        admin.due_greetings(today, &all).await.unwrap();
        println!("due_greetings: cold call {:?}", t.elapsed());
        let mut times = Vec::with_capacity(calls);
        let mut found = 0;
        for _ in 0..calls {
            let t = Instant::now();
            found = admin.due_greetings(today, &all).await.unwrap().len();
            times.push(t.elapsed());
        }
        let (p50, p99) = percentiles(times);
        let j = JalaliDate::from_gregorian(today);
        println!(
            "due_greetings({today} = {}/{}/{}): {found} customers, p50 {p50:?}, p99 {p99:?}",
            j.year,
            j.month,
            j.day
        );
        // Today's tasks of one staff member (as the system: any person's list).
        let system = crm.system_session(ws, "bench").await.unwrap();
        let t = Instant::now();
        system.tasks_today(Some(staff[0]), 50).await.unwrap();
        println!("tasks_today(one person): cold call {:?}", t.elapsed());
        let mut times = Vec::with_capacity(calls);
        let (mut overdue, mut due) = (0, 0);
        for i in 0..calls {
            let who = staff[i % staff.len()];
            let t = Instant::now();
            let got = system.tasks_today(Some(who), 50).await.unwrap();
            times.push(t.elapsed());
            overdue = got.overdue.len();
            due = got.due_today.len();
        }
        let (p50, p99) = percentiles(times);
        println!(
            "tasks_today(one person, 50 overdue): {due} today, {overdue} overdue, p50 {p50:?}, p99 {p99:?}"
        );
        let t = Instant::now();
        system.tasks_today(None, 50).await.unwrap();
        println!("tasks_today(everyone): cold call {:?}", t.elapsed());
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            let got = system.tasks_today(None, 50).await.unwrap();
            times.push(t.elapsed());
            due = got.due_today.len();
        }
        let (p50, p99) = percentiles(times);
        println!(
            "tasks_today(everyone, 50 overdue): {due} today, p50 {p50:?}, p99 {p99:?}"
        );
        // `due_greetings` once more, last: the first measure runs while the store may still
        // be settling the seed; this one shows the call on a settled store.
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            found = admin.due_greetings(today, &all).await.unwrap().len();
            times.push(t.elapsed());
        }
        let (p50, p99) = percentiles(times);
        println!("due_greetings again, last: {found} customers, p50 {p50:?}, p99 {p99:?}");
    });
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

//! Two OS processes, each with its own pool, racing holds of `POINTS` points on one card of
//! balance `BALANCE`: exactly ⌊BALANCE / POINTS⌋ holds succeed, whatever the interleaving,
//! and the ledger stays consistent.
//!
//! The parent test re-runs this test binary twice as children (`--exact club_race_child`),
//! naming the schema, workspace, staff member and card in an environment variable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::club::{CardId, EarningRule, Hold, HoldStatus};
use crm_core::id::{StaffId, WorkspaceId};
use crm_core::service::{NewCustomer, NewProgramme, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{Store, StoreExt};
use crm_core::{Crm, Error};
use crm_store_postgres::{PostgresConfig, PostgresStore, TestSchema};
use std::sync::Arc;

const BALANCE: i64 = 1000;
const POINTS: i64 = 7;
/// Holds each process tries (together well over what the balance allows).
const PER_PROCESS: usize = 120;
/// Concurrent tasks per process.
const TASKS: usize = 6;
const CHILD_ENV: &str = "CRM_PG_CLUB_RACE_CHILD";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_never_hold_more_than_the_balance() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, schema) = TestSchema::create(&url).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Club", "IR", NewStaff::new("Admin", Role::Admin))
        .await
        .unwrap();
    let session = crm.session(ws.id, admin.id).await.unwrap();
    let mut new = NewProgramme::new("club");
    new.rules = vec![EarningRule::Joining { points: BALANCE }];
    let programme = session.create_programme(new).await.unwrap();
    let customer = session
        .create_customer(NewCustomer::person("Race", "Card"))
        .await
        .unwrap();
    let card = session.join_club(programme.id, customer.id).await.unwrap();
    assert_eq!(card.balance, BALANCE);

    let start_at = common::now_millis() + 1500;
    let specs: Vec<String> = (0..2)
        .map(|process| {
            format!(
                "{process};{};{};{};{};{start_at}",
                schema.name(),
                ws.id,
                admin.id,
                card.id
            )
        })
        .collect();
    common::run_children("club_race_child", CHILD_ENV, &url, &specs);
    let held: Vec<Hold> = store
        .all::<Hold>(ws.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|h| h.status == HoldStatus::Held)
        .collect();
    assert_eq!(held.len() as i64, BALANCE / POINTS, "exactly ⌊B/p⌋ holds");
    let card = crm_testkit::checks::assert_ledger_consistent(store.as_ref(), ws.id, card.id).await;
    assert_eq!(card.held, BALANCE / POINTS * POINTS);
    assert_eq!(card.available(), BALANCE % POINTS);
}

/// The child's part; does nothing unless started by the test above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn club_race_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(';').collect();
    let [process, schema, ws, staff, card, start_at] = parts[..] else {
        panic!("bad {CHILD_ENV}: {spec}");
    };
    let process: usize = process.parse().unwrap();
    let ws: WorkspaceId = ws.parse().unwrap();
    let staff: StaffId = staff.parse().unwrap();
    let card: CardId = card.parse().unwrap();
    let url = std::env::var(common::URL_VAR).unwrap();
    let store =
        PostgresStore::connect_with(PostgresConfig::new(&url).schema(schema).max_connections(4))
            .await
            .unwrap();
    let crm = Crm::new(Arc::new(store));
    let session = crm.session(ws, staff).await.unwrap();
    common::start_together(start_at.parse().unwrap()).await;

    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let session = session.clone();
            tokio::spawn(async move {
                let (mut ok, mut refused) = (0, 0);
                for i in (t..PER_PROCESS).step_by(TASKS) {
                    let key = format!("p{process}-{i}");
                    match session.hold_points(card, POINTS, &key, "race").await {
                        Ok(_) => ok += 1,
                        Err(Error::Invalid { .. }) => refused += 1,
                        Err(e) => panic!("hold failed: {e:?}"),
                    }
                }
                (ok, refused)
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        let (o, r) = t.await.unwrap();
        ok += o;
        refused += r;
    }
    eprintln!("process {process}: {ok} holds, {refused} refused");
}

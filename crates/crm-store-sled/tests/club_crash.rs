//! A SIGKILL between hold and capture loses no points and spends none twice: a child holds
//! and captures points in a loop on a sled store, printing each step it saw committed; this
//! test kills it at random moments, reopens the store, checks the ledger's invariants and
//! that every acknowledged hold and capture is there, then finishes the interrupted holds
//! (capturing again, holding again with the same key) and checks nothing was spent twice.

#![allow(clippy::unwrap_used)] // a test: failing loudly is its job

use crm_core::Crm;
use crm_core::club::{Card, CardId, EarningRule, EntryKind, Hold, HoldStatus, LedgerEntry};
use crm_core::id::{StaffId, WorkspaceId};
use crm_core::service::{NewCustomer, NewProgramme, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{Store, StoreExt};
use crm_store_sled::{SledConfig, SledStore};
use rand::Rng;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const CHILD_ENV: &str = "CRM_CLUB_CRASH_CHILD";
const BALANCE: i64 = 1_000_000;
const POINTS: i64 = 3;
/// Kills (override with `CRM_CLUB_CRASH_ITERATIONS`).
const KILLS: usize = 12;

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// The child. Does nothing unless started by the test below.
#[test]
fn club_crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(';').collect();
    let [dir, ws, staff, card, run] = parts[..] else {
        panic!("bad {CHILD_ENV}: {spec}");
    };
    let ws: WorkspaceId = ws.parse().unwrap();
    let staff: StaffId = staff.parse().unwrap();
    let card: CardId = card.parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let store = SledStore::open(SledConfig::new(Path::new(dir))).unwrap();
        let crm = Crm::new(Arc::new(store));
        let s = crm.session(ws, staff).await.unwrap();
        say("READY");
        for i in 0.. {
            let key = format!("r{run}-{i}");
            let hold = s.hold_points(card, POINTS, &key, "crash").await.unwrap();
            say(&format!("HELD {key} {}", hold.id));
            s.capture_hold(hold.id).await.unwrap();
            say(&format!("CAPTURED {key}"));
        }
    });
}

#[test]
fn a_kill_between_hold_and_capture_loses_and_double_spends_nothing() {
    let kills = std::env::var("CRM_CLUB_CRASH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(KILLS);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ws, staff, card) = rt.block_on(async {
        let store = SledStore::open(SledConfig::new(&dir)).unwrap();
        let crm = Crm::new(Arc::new(store));
        let (ws, admin) = crm
            .create_workspace("Crash", "IR", NewStaff::new("Admin", Role::Admin))
            .await
            .unwrap();
        let s = crm.session(ws.id, admin.id).await.unwrap();
        let mut new = NewProgramme::new("club");
        new.rules = vec![EarningRule::Joining { points: BALANCE }];
        let p = s.create_programme(new).await.unwrap();
        let c = s
            .create_customer(NewCustomer::person("Crash", "Member"))
            .await
            .unwrap();
        let card = s.join_club(p.id, c.id).await.unwrap();
        (ws.id, admin.id, card.id)
    });
    let exe = std::env::current_exe().unwrap();
    let mut acknowledged: BTreeMap<String, bool> = BTreeMap::new(); // key -> captured
    let mut rng = rand::rng();
    for run in 0..kills {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "club_crash_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(
                CHILD_ENV,
                format!("{};{ws};{staff};{card};{run}", dir.display()),
            )
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // The test harness prints its own lines first.
        while !rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .ends_with("READY")
        {}
        std::thread::sleep(Duration::from_millis(rng.random_range(20..400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        for line in rx.try_iter() {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("HELD"), Some(key)) => {
                    acknowledged.entry(key.to_owned()).or_insert(false);
                }
                (Some("CAPTURED"), Some(key)) => {
                    acknowledged.insert(key.to_owned(), true);
                }
                _ => {}
            }
        }
    }
    assert!(!acknowledged.is_empty(), "the child never got to hold");
    rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SledStore::open(SledConfig::new(&dir)).unwrap());
        let st = store.as_ref();
        crm_testkit::checks::assert_ledger_consistent(st, ws, card).await;
        let holds = st.all::<Hold>(ws).await.unwrap();
        for (key, captured) in &acknowledged {
            let hold = holds
                .iter()
                .find(|h| &h.key == key)
                .expect("an acknowledged hold is kept");
            if *captured {
                assert_eq!(hold.status, HoldStatus::Captured, "{key}");
            }
        }
        // Finish what the kills interrupted: every open hold is captured exactly once, and
        // holding again with its key returns it.
        let crm = Crm::new(store.clone());
        let s = crm.session(ws, staff).await.unwrap();
        for hold in holds.iter().filter(|h| h.status == HoldStatus::Held) {
            assert_eq!(
                s.hold_points(card, POINTS, &hold.key, "again")
                    .await
                    .unwrap()
                    .id,
                hold.id
            );
            s.capture_hold(hold.id).await.unwrap();
            s.capture_hold(hold.id).await.unwrap();
        }
        let card: Card = crm_testkit::checks::assert_ledger_consistent(st, ws, card).await;
        let holds = st.all::<Hold>(ws).await.unwrap();
        let redeemed: Vec<LedgerEntry> = st
            .all::<LedgerEntry>(ws)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EntryKind::Redeem)
            .collect();
        assert_eq!(redeemed.len(), holds.len(), "one redemption per hold");
        assert_eq!(card.held, 0);
        assert_eq!(
            card.balance,
            BALANCE - POINTS * holds.len() as i64,
            "no point lost"
        );
    });
}

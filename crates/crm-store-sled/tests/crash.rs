//! Crash safety: a child process writes customers and interactions in a loop, printing each
//! acknowledged commit; this test kills it with SIGKILL at random moments, reopens the store,
//! and checks that every acknowledged write is there and every index entry matches its
//! record. The kills accumulate on one directory, so recovery of recovered data is tested
//! too. Every third child writes `Buffered`: what it acknowledged may be lost, but never part
//! of a commit (the index checks).
//!
//! `CRM_CRASH_ITERATIONS` sets the number of kills (default 40, of which 30 while the writer
//! is writing; e.g. 1000 for a long run).

#![allow(clippy::unwrap_used)] // a test: failing loudly is its job

mod raw;

use crm_core::Crm;
use crm_core::channel::Channel;
use crm_core::customer::CustomerFilter;
use crm_core::customer::{ContactKind, Customer};
use crm_core::id::{CustomerId, StaffId, WorkspaceId};
use crm_core::interaction::{Direction, Interaction};
use crm_core::record::Body;
use crm_core::record::RecordKind;
use crm_core::service::{NewCustomer, NewInteraction, NewStaff};
use crm_core::staff::Role;
use crm_core::store::kv::layout;
use crm_core::store::{PageRequest, StoreExt};
use crm_store_sled::{Durability, SledConfig, SledStore};
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use uuid::Uuid;

const CHILD_DIR: &str = "CRM_CRASH_CHILD_DIR";
const CHILD_WS: &str = "CRM_CRASH_WS";
const CHILD_STAFF: &str = "CRM_CRASH_STAFF";
const CHILD_RUN: &str = "CRM_CRASH_RUN";
const CHILD_BUFFERED: &str = "CRM_CRASH_BUFFERED";
/// Customers a child writes at most (keeps phone numbers unique across runs).
const PER_RUN: u64 = 5000;

/// The writer. Does nothing unless started by [`acknowledged_writes_survive_sigkill`].
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let env = |name| std::env::var(name).unwrap();
    let ws = WorkspaceId(Uuid::parse_str(&env(CHILD_WS)).unwrap());
    let staff = StaffId(Uuid::parse_str(&env(CHILD_STAFF)).unwrap());
    let run: u64 = env(CHILD_RUN).parse().unwrap();
    let buffered = std::env::var_os(CHILD_BUFFERED).is_some();
    // What a `Buffered` writer acknowledges is not durable: it says so differently.
    let ack = if buffered { "SEEN" } else { "ACK" };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let config = SledConfig::new(Path::new(&dir));
        let config = if buffered {
            config.durability(Durability::Buffered)
        } else {
            config
        };
        let store = SledStore::open(config).unwrap();
        let crm = Crm::new(Arc::new(store));
        let s = crm.session(ws, staff).await.unwrap();
        say("READY");
        for n in 0..PER_RUN {
            let seq = run * PER_RUN + n;
            let customer = s
                .create_customer(
                    NewCustomer::person("Crash", &format!("Test{seq}"))
                        .contact(ContactKind::Email, &format!("c{seq}@crash.example"))
                        .contact(ContactKind::Mobile, &phone(seq))
                        .tag("crash"),
                )
                .await
                .unwrap();
            say(&format!("{ack} {}", customer.id.0));
            for i in 0..=(seq % 3) {
                let body = format!("message {i} of customer {seq}");
                let new = NewInteraction::new(customer.id, Channel::Sms, Direction::Inbound, &body);
                let interaction = s.record_interaction(new).await.unwrap();
                say(&format!("{ack} {} {}", customer.id.0, interaction.id.0));
            }
        }
        say("DONE");
        std::future::pending::<()>().await;
    });
}

/// A distinct valid Iranian mobile number for each `seq`.
fn phone(seq: u64) -> String {
    const PREFIXES: [&str; 8] = ["912", "935", "936", "937", "938", "939", "901", "902"];
    let prefix = PREFIXES[(seq / 10_000_000) as usize % PREFIXES.len()];
    format!("0{prefix}{:07}", seq % 10_000_000)
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// What the children acknowledged: customers and their interactions.
#[derive(Default)]
struct Acked {
    customers: BTreeMap<Uuid, BTreeSet<Uuid>>,
}

impl Acked {
    fn add(&mut self, line: &str) -> Option<Uuid> {
        let mut words = line.strip_prefix("ACK ")?.split(' ');
        let customer = Uuid::parse_str(words.next()?).ok()?;
        let interactions = self.customers.entry(customer).or_default();
        for id in words {
            interactions.insert(Uuid::parse_str(id).ok()?);
        }
        Some(customer)
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    if std::env::var_os(CHILD_DIR).is_some() {
        return;
    }
    let iterations: usize = std::env::var("CRM_CRASH_ITERATIONS")
        .ok()
        .map(|v| v.parse().expect("CRM_CRASH_ITERATIONS is a number"))
        .unwrap_or(40);
    assert!((iterations as u64) < 16_000_000 / PER_RUN);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ws, staff) = rt.block_on(async {
        let store = SledStore::open(SledConfig::new(dir.path())).unwrap();
        let crm = Crm::new(Arc::new(store));
        let (ws, admin) = crm
            .create_workspace("Crash", "IR", NewStaff::new("Writer", Role::Admin))
            .await
            .unwrap();
        (ws.id, admin.id)
    });

    let mut rng = rand::rng();
    let mut acked = Acked::default();
    let mut kills_while_writing = 0;
    for run in 0..iterations {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_WS, ws.0.to_string())
            .env(CHILD_STAFF, staff.0.to_string())
            .env(CHILD_RUN, run.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if run % 3 == 2 {
            child.env(CHILD_BUFFERED, "1");
        }
        let mut child = child.spawn().unwrap();
        let (tx, lines) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = Vec::new();
            // Only whole lines count: a line cut by the kill was not acknowledged.
            while stdout.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                if line.ends_with(b"\n") {
                    let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                    if tx.send(text).is_err() {
                        break;
                    }
                }
                line.clear();
            }
        });
        let mut received = Vec::new();
        // A quarter of the runs are killed some time after start (maybe while sled
        // recovers), the others some time after the writer is ready.
        if run % 4 != 0 {
            loop {
                match lines.recv_timeout(Duration::from_secs(120)) {
                    // libtest may print "test crash_child ... " before it on the same line.
                    Ok(line) if line.ends_with("READY") => break,
                    Ok(line) => received.push(line),
                    Err(e) => panic!(
                        "run {run}: writer never got ready ({e}); stderr: {}",
                        stderr_of(child)
                    ),
                }
            }
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(20..=400)));
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "run {run}: writer exited by itself ({status}): {}",
                stderr_of(child)
            );
        }
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        received.extend(lines.try_iter());
        assert!(
            !received.iter().any(|l| l == "DONE"),
            "run {run}: the writer finished before the kill; raise PER_RUN"
        );
        let mut new = BTreeSet::new();
        for line in &received {
            if let Some(customer) = acked.add(line) {
                new.insert(customer);
            }
        }
        if !new.is_empty() {
            kills_while_writing += 1;
        }
        // Every run checks what it acknowledged; every fifth run (and the last) checks
        // everything acknowledged so far, every customer's index entries and the raw trees.
        let full = run % 5 == 4 || run + 1 == iterations;
        rt.block_on(async {
            let store = SledStore::open(SledConfig::new(dir.path())).unwrap();
            let check: Box<dyn Iterator<Item = _>> = if full {
                Box::new(acked.customers.iter())
            } else {
                Box::new(acked.customers.iter().filter(|(c, _)| new.contains(*c)))
            };
            for (customer, interactions) in check {
                check_acked(&store, ws, *customer, interactions).await;
            }
            if full {
                check_all_customers(&store, ws).await;
            }
        });
        if full {
            check_raw_indexes(dir.path());
        }
    }
    let interactions: usize = acked.customers.values().map(BTreeSet::len).sum();
    eprintln!(
        "{iterations} kills ({kills_while_writing} while writing): {} customers and \
         {interactions} interactions acknowledged, all present",
        acked.customers.len()
    );
    assert!(
        kills_while_writing > 0,
        "no run acknowledged anything: the test proved nothing"
    );
}

/// Kills the child (if still running) and returns what it wrote on stderr.
fn stderr_of(mut child: std::process::Child) -> String {
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An acknowledged customer and its acknowledged interactions are stored, readable and
/// reachable through every index.
async fn check_acked(
    store: &SledStore,
    ws: WorkspaceId,
    customer: Uuid,
    interactions: &BTreeSet<Uuid>,
) {
    let c: Customer = store.fetch(ws, customer).await.unwrap();
    assert_eq!(c.contacts.len(), 2, "{c:?}");
    let mut page = PageRequest::first(1000);
    let mut listed = BTreeSet::new();
    loop {
        let p = store
            .interactions(ws, CustomerId(customer), &page)
            .await
            .unwrap();
        listed.extend(p.items.iter().map(|i| i.id.0));
        match p.next {
            Some(next) => page = PageRequest::after(next, 1000),
            None => break,
        }
    }
    for id in interactions {
        let i: Interaction = store.fetch(ws, *id).await.unwrap();
        assert_eq!(i.customer.0, customer);
        assert!(
            listed.contains(id),
            "interaction {id} not in its customer's page"
        );
    }
}

/// Every stored customer decodes, is found by each of its contact keys and by search; the
/// staff and audit records decode.
async fn check_all_customers(store: &SledStore, ws: WorkspaceId) {
    let mut page = PageRequest::first(1000);
    loop {
        let p = store
            .list_customers(ws, &CustomerFilter::default(), &page)
            .await
            .unwrap();
        for c in &p.items {
            for contact in &c.contacts {
                let owner = store.customer_by_contact(ws, &contact.key).await.unwrap();
                assert_eq!(owner.as_ref(), Some(c), "{}", contact.key);
            }
        }
        match p.next {
            Some(next) => page = PageRequest::after(next, 1000),
            None => break,
        }
    }
    let mut page = PageRequest::first(1000);
    loop {
        let p = store.audit(ws, None, &page).await.unwrap();
        match p.next {
            Some(next) => page = PageRequest::after(next, 1000),
            None => break,
        }
    }
    assert_eq!(
        store
            .list_staff(ws, &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

/// The `index` and `unique` trees hold exactly the entries the records call for.
fn check_raw_indexes(dir: &Path) {
    raw::with_sled(dir, check_trees);
}

fn check_trees(db: &sled::Db) {
    let mut index = BTreeMap::new();
    let mut unique = BTreeMap::new();
    for entry in db.open_tree("records.3").unwrap().iter() {
        let (key, value) = entry.unwrap();
        let (ws, tag, id) = layout::parse_record_key(&key).unwrap();
        let kind = RecordKind::find(RecordKind::BUILTIN, tag);
        assert!(!kind.is_unknown(), "a record of kind #{tag}");
        let keys = kind.keys(&Body::Binary(value.to_vec())).unwrap();
        for entry in &keys.entries {
            index.insert(layout::index_key(ws, entry, id), layout::index_value(kind));
        }
        for key in &keys.unique {
            let holder = layout::holder_value(kind, id);
            assert!(unique.insert(layout::unique_key(ws, key), holder).is_none());
        }
    }
    let stored = |tree: &str| -> BTreeMap<Vec<u8>, Vec<u8>> {
        db.open_tree(tree)
            .unwrap()
            .iter()
            .map(|e| {
                let (k, v) = e.unwrap();
                (k.to_vec(), v.to_vec())
            })
            .collect()
    };
    assert!(
        stored("index.3") == index,
        "index tree differs from the records"
    );
    assert!(
        stored("unique.3") == unique,
        "unique tree differs from the records"
    );
}

//! Two worker processes delivering one outbox on one PostgreSQL database: every message is
//! delivered, and none twice (leases), while both race for the same messages.
//!
//! The parent test queues the messages, re-runs this test binary twice as children
//! (`--exact worker_child`), each running a `Worker` whose notifier appends the ids it
//! delivers to a file of its own, then reads both files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use crm_core::Crm;
use crm_core::id::{OutboxId, WorkspaceId};
use crm_core::notify::{Destination, Notifier, NotifyError, Receipt};
use crm_core::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crm_core::service::NewStaff;
use crm_core::staff::Role;
use crm_core::store::{Commit, PageRequest, Store, StoreExt};
use crm_core::worker::Worker;
use crm_store_postgres::{PostgresConfig, PostgresStore, TestSchema};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MESSAGES: usize = 300;
const CHILD_ENV: &str = "CRM_PG_WORKER_CHILD";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_deliver_each_message_once() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, schema) = TestSchema::create(&url).await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Admin", Role::Admin))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    for chunk in 0..MESSAGES / 50 {
        let mut commit = Commit::new();
        for i in 0..50 {
            let n = Notification::new(
                Recipient::Staff { staff: admin.id },
                "test.event",
                format!("message {}", chunk * 50 + i),
                String::new(),
            );
            commit.put(OutboxMessage::queued(
                OutboxId(uuid::Uuid::now_v7()),
                now,
                n,
            ));
        }
        store.commit(ws.id, commit).await.unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let specs: Vec<String> = (0..2)
        .map(|process| {
            let log = dir.path().join(format!("delivered-{process}"));
            format!("{};{};{}", schema.name(), ws.id, log.display())
        })
        .collect();
    common::run_children("worker_child", CHILD_ENV, &url, &specs);

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_process = Vec::new();
    for process in 0..2 {
        let text = std::fs::read_to_string(dir.path().join(format!("delivered-{process}")))
            .unwrap_or_default();
        per_process.push(text.lines().count());
        for id in text.lines() {
            *seen.entry(id.to_owned()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), MESSAGES, "every message delivered");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert!(
        per_process.iter().all(|n| *n > 0),
        "both workers took part: {per_process:?}"
    );
    let delivered = store
        .list_outbox(ws.id, OutboxStatus::Delivered, &PageRequest::first(1000))
        .await
        .unwrap();
    assert_eq!(delivered.items.len(), MESSAGES);
    assert!(delivered.items.iter().all(|m| m.attempts == 1));
}

/// Appends each delivered message's id to a file, after a short pause (a slow server).
struct FileNotifier {
    file: Mutex<std::fs::File>,
}

#[async_trait]
impl Notifier for FileNotifier {
    async fn deliver(
        &self,
        _ws: WorkspaceId,
        message: &OutboxMessage,
        _to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        let mut file = self.file.lock().unwrap();
        writeln!(file, "{}", message.id).unwrap();
        file.flush().unwrap();
        Ok(Receipt::delivered())
    }
}

/// The child's part; does nothing unless started by the test above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(';').collect();
    let [schema, ws, log] = parts[..] else {
        panic!("bad {CHILD_ENV}: {spec}");
    };
    let ws: WorkspaceId = ws.parse().unwrap();
    let url = std::env::var(common::URL_VAR).unwrap();
    let store =
        PostgresStore::connect_with(PostgresConfig::new(&url).schema(schema).max_connections(4))
            .await
            .unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let file = std::fs::File::create(PathBuf::from(log)).unwrap();
    let notifier = Arc::new(FileNotifier {
        file: Mutex::new(file),
    });
    let worker = Worker::new(Crm::new(store.clone()), notifier, vec![ws])
        .without_jobs()
        .poll(Duration::from_millis(20))
        .batch(10);
    let watch = store.clone();
    let drained = async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let pending = watch
                .list_outbox(ws, OutboxStatus::Pending, &PageRequest::first(1))
                .await
                .unwrap();
            if pending.items.is_empty() || started.elapsed() > Duration::from_secs(60) {
                return;
            }
        }
    };
    worker.run(drained).await.unwrap();
}

//! The store's machinery under conditions the public configuration does not reach: a tiny
//! limit of pending commits, a journal that fails.

use crate::journal::Sizes;
use crate::{Durability, SledConfig, SledStore};
use crm_core::customer::ContactKind;
use crm_core::customer::CustomerFilter;
use crm_core::id::WorkspaceId;
use crm_core::service::{NewCustomer, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{PageRequest, StoreExt};
use crm_core::{Crm, Error, Session};
use std::path::Path;
use std::sync::Arc;

fn customer(n: usize) -> NewCustomer {
    NewCustomer::person("Test", &format!("N{n}"))
        .contact(ContactKind::Email, &format!("c{n}@example.com"))
}

/// A new workspace on `store` and its administrator's session.
async fn workspace(store: &Arc<SledStore>) -> (WorkspaceId, Session) {
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await
        .unwrap();
    (ws.id, crm.session(ws.id, admin.id).await.unwrap())
}

async fn listed(store: &SledStore, ws: WorkspaceId) -> usize {
    store
        .list_customers(ws, &CustomerFilter::default(), &PageRequest::first(1000))
        .await
        .unwrap()
        .items
        .len()
}

/// Every commit finds the memtable over its limit and waits for the applier: in both
/// modes, with writers racing, nothing is lost and nothing hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_wait_for_the_applier_past_the_pending_limit() {
    for durability in [Durability::Flush, Durability::Buffered] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = SledConfig::new(dir.path())
            .durability(durability)
            .flush_every_ms(None);
        config.tuning.pending_limit = 1;
        let store = Arc::new(SledStore::open(config).unwrap());
        let (ws, s) = workspace(&store).await;
        let mut writers = Vec::new();
        for w in 0..4 {
            let s = s.clone();
            writers.push(tokio::spawn(async move {
                for n in 0..10 {
                    s.create_customer(customer(w * 100 + n)).await.unwrap();
                }
            }));
        }
        for w in writers {
            w.await.unwrap();
        }
        assert_eq!(listed(&store, ws).await, 40, "{durability:?}");
        drop((s, store));
        let store = SledStore::open(SledConfig::new(dir.path())).unwrap();
        assert_eq!(
            listed(&store, ws).await,
            40,
            "{durability:?} after reopening"
        );
    }
}

/// A journal that cannot be written fails the store: the commit that hit it and every later
/// one are refused with a storage error, reads of durable data go on.
#[tokio::test]
async fn a_failed_journal_fails_the_store_and_reads_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = SledConfig::new(dir.path());
    config.tuning.journal = Sizes {
        first: 4096,
        max: 4096,
    };
    let store = Arc::new(SledStore::open(config).unwrap());
    let (ws, s) = workspace(&store).await;
    s.create_customer(customer(0)).await.unwrap();
    // The next segment cannot be made once the journal's directory is gone.
    std::fs::remove_dir_all(journal_dir(dir.path())).unwrap();
    let mut created = 1;
    let err = loop {
        match s.create_customer(customer(created)).await {
            Ok(_) => created += 1,
            Err(e) => break e,
        }
        assert!(created < 50, "the journal never had to make a segment");
    };
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    let err = s.create_customer(customer(99)).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert!(err.to_string().contains("reopen"), "{err}");
    // Reads go on, and see only what is durable: not the commit whose journal write failed.
    let found = s
        .find_by_contact(ContactKind::Email, "c0@example.com")
        .await
        .unwrap();
    assert!(found.is_some());
    let failed = s
        .find_by_contact(ContactKind::Email, &format!("c{created}@example.com"))
        .await
        .unwrap();
    assert_eq!(failed, None, "the failed commit is not shown");
    let seen = store
        .list_customers(ws, &CustomerFilter::default(), &PageRequest::first(1000))
        .await
        .unwrap();
    assert_eq!(
        seen.items.len(),
        created,
        "every acknowledged commit, and only those"
    );
    // Reopening recovers what the journal holds: the acknowledged commits, whole.
    drop((s, store));
    let store = SledStore::open(SledConfig::new(dir.path())).unwrap();
    let listed = listed(&store, ws).await;
    assert!(
        (created..=created + 1).contains(&listed),
        "{listed} of {created}"
    );
}

fn journal_dir(store: &Path) -> std::path::PathBuf {
    store.join(crate::engine::JOURNAL_DIR)
}

//! The sled store's own behaviour: reopening, schema version, locking, damaged bytes,
//! buffered mode.

#![allow(clippy::unwrap_used)] // a test: failing loudly is its job

mod raw;

use crm_core::customer::CustomerFilter;
use crm_core::customer::{ContactKind, Customer, LifecycleStage};
use crm_core::id::{StaffId, WorkspaceId};
use crm_core::interaction::Direction;
use crm_core::record::RecordKind;
use crm_core::service::{NewCustomer, NewInteraction, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{PageRequest, Store, StoreExt, kv};
use crm_core::{Crm, Error, channel::Channel};
use crm_store_sled::{Durability, SCHEMA_VERSION, SledConfig, SledStore};
use std::path::Path;
use std::sync::Arc;

fn open(path: &Path) -> SledStore {
    SledStore::open(SledConfig::new(path)).unwrap()
}

struct Written {
    ws: WorkspaceId,
    admin: StaffId,
    ali: Customer,
    sara: Customer,
}

/// Two customers, one with three interactions.
async fn write_some(store: SledStore) -> Written {
    let crm = Crm::new(Arc::new(store));
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let ali = s
        .create_customer(
            NewCustomer::person("علی", "رضایی")
                .contact(ContactKind::Email, "Ali@Example.com")
                .contact(ContactKind::Mobile, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
                .tag("vip"),
        )
        .await
        .unwrap();
    let sara = s
        .create_customer(
            NewCustomer::person("Sara", "Ahmadi")
                .contact(ContactKind::Email, "sara@example.com")
                .stage(LifecycleStage::Customer),
        )
        .await
        .unwrap();
    for body in ["first", "second", "third"] {
        s.record_interaction(NewInteraction::new(
            ali.id,
            Channel::Email,
            Direction::Inbound,
            body,
        ))
        .await
        .unwrap();
    }
    Written {
        ws: ws.id,
        admin: admin.id,
        ali,
        sara,
    }
}

#[tokio::test]
async fn reopen_keeps_records_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let w = write_some(open(dir.path())).await;

    let crm = Crm::new(Arc::new(open(dir.path())));
    let s = crm.session(w.ws, w.admin).await.unwrap();
    assert_eq!(s.customer(w.ali.id).await.unwrap(), w.ali);
    let by_phone = s
        .find_by_contact(ContactKind::Mobile, "+989121234567")
        .await
        .unwrap();
    assert_eq!(by_phone.map(|c| c.id), Some(w.ali.id));
    let by_email = s
        .find_by_contact(ContactKind::Email, "SARA@example.com")
        .await
        .unwrap();
    assert_eq!(by_email.map(|c| c.id), Some(w.sara.id));
    let found = s
        .search_customers("علی", &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(found.items, vec![w.ali.clone()]);
    let tagged = CustomerFilter {
        tag: Some("VIP".into()),
        ..Default::default()
    };
    let listed = s
        .list_customers(&tagged, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(listed.items, vec![w.ali.clone()]);

    let first = s
        .interactions(w.ali.id, &PageRequest::first(2))
        .await
        .unwrap();
    let bodies: Vec<_> = first.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(bodies, ["third", "second"]);
    let rest = s
        .interactions(w.ali.id, &PageRequest::after(first.next.unwrap(), 2))
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].body, "first");
    assert!(rest.next.is_none());
}

/// A store keeps the compression it was created with, whatever a later open asks for (sled
/// itself refuses to open data with another setting).
#[tokio::test]
async fn a_store_keeps_the_compression_it_was_made_with() {
    for made_compressed in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let made = SledConfig::new(dir.path()).compression(made_compressed);
        let w = write_some(SledStore::open(made).unwrap()).await;
        let conf = std::fs::read(dir.path().join("conf")).unwrap();
        let wanted = format!("use_compression: {made_compressed}");
        assert!(String::from_utf8_lossy(&conf).contains(&wanted));

        let reopened = SledConfig::new(dir.path()).compression(!made_compressed);
        let crm = Crm::new(Arc::new(SledStore::open(reopened).unwrap()));
        let s = crm.session(w.ws, w.admin).await.unwrap();
        assert_eq!(s.customer(w.ali.id).await.unwrap(), w.ali);
        let by_email = s
            .find_by_contact(ContactKind::Email, "sara@example.com")
            .await
            .unwrap();
        assert_eq!(by_email.map(|c| c.id), Some(w.sara.id));
    }
}

#[tokio::test]
async fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let w = write_some(open(dir.path())).await;
    raw::with_sled(dir.path(), |db| {
        let meta = db.open_tree("meta").unwrap();
        meta.insert("schema_version", &(SCHEMA_VERSION + 1).to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    });
    let err = SledStore::open(SledConfig::new(dir.path())).unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found, supported }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    // The data is as it was: put the version back and read it.
    raw::with_sled(dir.path(), |db| {
        let meta = db.open_tree("meta").unwrap();
        let stored = meta.get("schema_version").unwrap().unwrap();
        assert_eq!(&*stored, (SCHEMA_VERSION + 1).to_be_bytes().as_slice());
        meta.insert("schema_version", &SCHEMA_VERSION.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    });
    let store = open(dir.path());
    let ali: Customer = store.fetch(w.ws, w.ali.id.0).await.unwrap();
    assert_eq!(ali, w.ali);
}

#[test]
fn garbage_schema_version_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    raw::with_sled(dir.path(), |db| {
        let meta = db.open_tree("meta").unwrap();
        meta.insert("schema_version", b"v1".as_slice()).unwrap();
        db.flush().unwrap();
    });
    let err = SledStore::open(SledConfig::new(dir.path())).unwrap_err();
    assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
}

#[test]
fn new_store_records_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let stored = raw::with_sled(dir.path(), |db| {
        db.open_tree("meta").unwrap().get("schema_version").unwrap()
    });
    assert_eq!(
        stored.as_deref(),
        Some(SCHEMA_VERSION.to_be_bytes().as_slice())
    );
    assert_eq!(SCHEMA_VERSION, 3);
}

#[test]
fn second_open_of_a_path_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let first = open(dir.path());
    let err = SledStore::open(SledConfig::new(dir.path())).unwrap_err();
    match &err {
        Error::Locked { path, .. } => assert_eq!(path, &dir.path().display().to_string()),
        other => panic!("expected Locked, got {other:?}"),
    }
    assert!(err.to_string().contains("locked"), "{err}");
    // Closing the first releases the lock.
    drop(first);
    drop(open(dir.path()));
}

#[tokio::test]
async fn a_dropped_store_can_be_reopened_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let w = write_some(open(dir.path())).await;
    for round in 0..20 {
        let store = open(dir.path());
        let mut changed: Customer = store.fetch(w.ws, w.sara.id.0).await.unwrap();
        changed.version += 1;
        changed.tags.insert(format!("round{round}"));
        let mut commit = crm_core::store::Commit::new();
        commit.put(changed);
        store.commit(w.ws, commit).await.unwrap();
        drop(store);
        // Right away, by sled itself (the lock is free) and by the store (all is there).
        raw::with_sled(dir.path(), |_| ());
        let sara: Customer = open(dir.path()).fetch(w.ws, w.sara.id.0).await.unwrap();
        assert_eq!(sara.version, round + 2);
    }
}

#[tokio::test]
async fn damaged_record_bytes_are_corrupted_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let w = write_some(open(dir.path())).await;
    let key = kv::layout::record_key(w.ws, RecordKind::CUSTOMER, w.ali.id.0);
    for garbage in [
        b"\x01\xc1\xff garbage".as_slice(),
        b"\x09 unknown format".as_slice(),
        b"".as_slice(),
        &[0x01, 0x80][..], // an empty map: required fields missing
    ] {
        raw::with_sled(dir.path(), |db| {
            db.open_tree("records.3")
                .unwrap()
                .insert(key.as_slice(), garbage)
                .unwrap();
            db.flush().unwrap();
        });
        let store = open(dir.path());
        let err = store.load::<Customer>(w.ws, w.ali.id.0).await.unwrap_err();
        assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
        // Reads through an index that reach it fail the same way.
        let err = store
            .customer_by_contact(w.ws, "email:ali@example.com")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
        // A commit touching it is refused, and changes nothing.
        let mut changed = w.ali.clone();
        changed.version += 1;
        let mut commit = crm_core::store::Commit::new();
        commit.put(changed);
        let err = store.commit(w.ws, commit).await.unwrap_err();
        assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
        // Everything else is readable.
        let sara: Customer = store.fetch(w.ws, w.sara.id.0).await.unwrap();
        assert_eq!(sara, w.sara);
        let page = store
            .interactions(w.ws, w.ali.id, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3);
    }
}

#[tokio::test]
async fn a_record_under_another_records_key_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let w = write_some(open(dir.path())).await;
    raw::with_sled(dir.path(), |db| {
        let records = db.open_tree("records.3").unwrap();
        let sara = records
            .get(kv::layout::record_key(
                w.ws,
                RecordKind::CUSTOMER,
                w.sara.id.0,
            ))
            .unwrap()
            .unwrap();
        records
            .insert(
                kv::layout::record_key(w.ws, RecordKind::CUSTOMER, w.ali.id.0),
                sara,
            )
            .unwrap();
        db.flush().unwrap();
    });
    let store = open(dir.path());
    let err = store.load::<Customer>(w.ws, w.ali.id.0).await.unwrap_err();
    assert!(matches!(err, Error::Corrupted { .. }), "{err:?}");
}

#[tokio::test]
async fn buffered_mode_works_and_flush_makes_it_durable() {
    let dir = tempfile::tempdir().unwrap();
    let config = SledConfig::new(dir.path())
        .durability(Durability::Buffered)
        .flush_every_ms(None);
    let store = Arc::new(SledStore::open(config).unwrap());
    assert!(!store.capabilities().durable);
    assert_eq!(store.engine().durability(), Durability::Buffered);
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let c = s
        .create_customer(NewCustomer::organisation("Pars Co").contact(ContactKind::Email, "a@b.ir"))
        .await
        .unwrap();
    store.sync().await.unwrap();
    assert!(store.engine().size_on_disk().unwrap() > 0);
    drop(s);
    drop(crm);
    drop(store);
    let store = open(dir.path());
    assert!(store.capabilities().durable);
    assert!(!store.capabilities().multi_process);
    let found = store
        .customer_by_contact(ws.id, "email:a@b.ir")
        .await
        .unwrap();
    assert_eq!(found, Some(c));
}

#[tokio::test]
async fn concurrent_durable_commits_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(open(dir.path()));
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..25 {
                s.create_customer(
                    NewCustomer::person("P", &format!("n{t}x{n}"))
                        .contact(ContactKind::Email, &format!("p{t}.{n}@example.com")),
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = store
        .list_customers(ws.id, &CustomerFilter::default(), &PageRequest::first(1000))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 200);
}

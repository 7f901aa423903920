//! PostgreSQL-specific behaviour: failures are storage errors and roll everything back, a
//! dropped pooled connection is replaced, racing writers end with one customer per email, only identifying contact points are
//! unique, and NUL characters (which PostgreSQL's text cannot hold) are kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::customer::CustomerFilter;
use crm_core::customer::{ContactKind, Customer};
use crm_core::id::CustomerId;
use crm_core::record::{RecordKind, RecordRef};
use crm_core::service::{NewCustomer, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{Commit, PageRequest, Store, StoreExt};
use crm_core::{Conflict, Crm, Error, Session};
use crm_store_postgres::{PostgresConfig, PostgresStore, TestSchema};
use sqlx::{Connection, Executor, PgConnection};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

async fn desk(url: &str) -> (Arc<dyn Store>, Session, TestSchema) {
    let (store, schema) = TestSchema::create(url).await.expect("schema");
    let store: Arc<dyn Store> = Arc::new(store);
    let crm = Crm::new(store.clone());
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Admin", Role::Admin))
        .await
        .expect("workspace");
    let session = crm.session(ws.id, admin.id).await.expect("session");
    (store, session, schema)
}

/// A new customer record (not stored) like `template`, with another id and no contacts.
fn another(template: &Customer) -> Customer {
    let mut c = template.clone();
    c.id = CustomerId(Uuid::now_v7());
    c.contacts.clear();
    c
}

#[tokio::test]
async fn an_unreachable_server_is_a_storage_error() {
    let config = PostgresConfig::new("postgres://postgres@127.0.0.1:1/test")
        .acquire_timeout(Duration::from_millis(500));
    let err = PostgresStore::connect_with(config).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
}

#[tokio::test]
async fn a_bad_schema_name_is_refused() {
    let config = PostgresConfig::new("postgres://postgres@127.0.0.1:1/test").schema("a;b");
    let err = PostgresStore::connect_with(config).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
}

#[tokio::test]
async fn a_later_failing_write_leaves_earlier_ones_unapplied() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, s, _schema) = desk(&url).await;
    let ws = s.workspace();
    let ali = s
        .create_customer(
            NewCustomer::person("Ali", "Rezaei").contact(ContactKind::Email, "ali@example.com"),
        )
        .await
        .unwrap();

    // 1. A stale version on the second write.
    let mut changed = ali.clone();
    changed.version = 2;
    changed.tags.insert("vip".into());
    let mut ghost = another(&ali);
    ghost.version = 2;
    let mut commit = Commit::new();
    commit.put(changed.clone()).put(ghost.clone());
    let err = store.commit(ws, commit).await.unwrap_err();
    match err {
        Error::Conflict(Conflict::StaleVersion {
            kind,
            id,
            expected,
            found,
        }) => {
            assert_eq!(
                (kind, id, expected, found),
                (RecordKind::CUSTOMER, ghost.id.0, 1, 0)
            );
        }
        other => panic!("expected a stale version, got {other:?}"),
    }
    let stored: Customer = store.fetch(ws, ali.id.0).await.unwrap();
    assert_eq!(stored, ali, "the first write must not be applied");

    // 2. A key claimed twice in one commit: the second claim is the conflict.
    let mut first = another(&ali);
    first.contacts = vec![crm_core::customer::ContactPoint {
        kind: ContactKind::Email,
        value: "x@example.com".into(),
        key: "email:x@example.com".into(),
        label: None,
    }];
    let mut second = another(&ali);
    second.contacts = first.contacts.clone();
    let mut commit = Commit::new();
    commit.put(first.clone()).put(second.clone());
    let err = store.commit(ws, commit).await.unwrap_err();
    match err {
        Error::Conflict(Conflict::KeyTaken { key, holder }) => {
            assert_eq!(key, "email:x@example.com");
            assert_eq!(holder, RecordRef::to::<Customer>(first.id.0));
        }
        other => panic!("expected a taken key, got {other:?}"),
    }
    assert!(
        store
            .load::<Customer>(ws, first.id.0)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .customer_by_contact(ws, "email:x@example.com")
            .await
            .unwrap()
            .is_none()
    );

    // 3. The database refuses the second write (a unique key longer than a btree entry
    // holds): a storage error, nothing kept.
    let mut bad = another(&ali);
    let huge: String = (0..400)
        .map(|_| Uuid::now_v7().simple().to_string())
        .collect();
    bad.contacts = vec![crm_core::customer::ContactPoint {
        kind: ContactKind::Email,
        value: "huge".into(),
        key: format!("email:{huge}"),
        label: None,
    }];
    let mut commit = Commit::new();
    commit.put(changed).put(bad);
    let err = store.commit(ws, commit).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    let stored: Customer = store.fetch(ws, ali.id.0).await.unwrap();
    assert_eq!(stored, ali);
}

#[tokio::test]
async fn a_connection_lost_mid_commit_is_a_storage_error_and_applies_nothing() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, s, schema) = desk(&url).await;
    let ws = s.workspace();
    let ali = s
        .create_customer(NewCustomer::person("Ali", "Rezaei"))
        .await
        .unwrap();

    // Another session holds Ali's record, so the commit stops half-way, at its second write.
    let mut locker = common::schema_conn(&url, &schema).await;
    let locker_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut locker)
        .await
        .unwrap();
    locker.execute("BEGIN").await.unwrap();
    sqlx::query("SELECT 1 FROM records WHERE kind = $1 AND id = $2 FOR UPDATE")
        .bind(i16::try_from(RecordKind::CUSTOMER.tag()).unwrap())
        .bind(ali.id.0)
        .execute(&mut locker)
        .await
        .unwrap();

    let newcomer = another(&ali);
    let mut changed = ali.clone();
    changed.version = 2;
    let mut commit = Commit::new();
    commit.put(newcomer.clone()).put(changed);
    let committing = {
        let store = store.clone();
        tokio::spawn(async move { store.commit(ws, commit).await })
    };

    // Find the blocked backend and kill it, as a crashed server or a cut network would.
    let mut killer = PgConnection::connect(&url).await.unwrap();
    let mut killed = false;
    for _ in 0..200 {
        let victim: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(locker_pid)
        .fetch_optional(&mut killer)
        .await
        .unwrap();
        if let Some(victim) = victim {
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(victim)
                .execute(&mut killer)
                .await
                .unwrap();
            killed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(killed, "the commit never blocked on the locked row");
    let result = committing.await.unwrap();
    locker.execute("ROLLBACK").await.unwrap();
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    assert!(
        store
            .load::<Customer>(ws, newcomer.id.0)
            .await
            .unwrap()
            .is_none()
    );
    let stored: Customer = store.fetch(ws, ali.id.0).await.unwrap();
    assert_eq!(stored.version, 1);

    // The pool replaces the dead connection: the next commit goes through.
    s.create_customer(NewCustomer::person("Sara", "Karimi"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_pooled_connection_the_server_dropped_is_replaced_once_idle() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (_first, schema) = TestSchema::create(&url).await.expect("schema");
    let store = PostgresStore::connect_with(schema.config().max_connections(1))
        .await
        .expect("store");
    let crm = Crm::new(Arc::new(store.clone()));
    let (ws, _admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Admin", Role::Admin))
        .await
        .expect("workspace");
    // The pool's one connection, killed while it idles in the pool (a server restart, a
    // connection reaped by a proxy).
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    let mut killer = PgConnection::connect(&url).await.unwrap();
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&mut killer)
        .await
        .unwrap();
    assert!(killed);
    // Once it has idled PING_AFTER_IDLE, it is pinged before use and replaced: reads and
    // commits go through without an error.
    tokio::time::sleep(crm_store_postgres::PING_AFTER_IDLE + Duration::from_millis(200)).await;
    let stored: crm_core::workspace::Workspace = store.fetch(ws.id, ws.id.0).await.unwrap();
    assert_eq!(stored.name, "Acme");
    let new_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_ne!(new_pid, pid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creates_keep_one_customer_per_email_and_report_conflicts() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, s, _schema) = desk(&url).await;
    const EMAILS: usize = 12;
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for task in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let (mut created, mut conflicts) = (0, 0);
            for i in 0..60 {
                let email = format!("user{}@example.com", (i + task * 5) % EMAILS);
                let new = NewCustomer::person("Racer", &format!("N{task}x{i}"))
                    .contact(ContactKind::Email, &email);
                match s.create_customer(new).await {
                    Ok(_) => created += 1,
                    Err(Error::AlreadyExists { .. } | Error::Conflict(_)) => conflicts += 1,
                    Err(other) => panic!("only conflicts may fail a racing create: {other:?}"),
                }
            }
            (created, conflicts)
        }));
    }
    let mut created = 0;
    for task in tasks {
        created += task.await.unwrap().0;
    }
    assert_eq!(created, EMAILS);
    let all = store
        .list_customers(
            s.workspace(),
            &CustomerFilter::default(),
            &PageRequest::first(1000),
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), EMAILS);
    for n in 0..EMAILS {
        let key = format!("email:user{n}@example.com");
        assert!(
            store
                .customer_by_contact(s.workspace(), &key)
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn only_identifying_contact_points_are_unique() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, s, _schema) = desk(&url).await;
    let ws = s.workspace();
    // Two people of one household share an address and a web site...
    let home = "Tehran, Valiasr St. 12";
    let a = s
        .create_customer(
            NewCustomer::person("Ali", "Rezaei")
                .contact(ContactKind::PostalAddress, home)
                .contact(ContactKind::Website, "example.com")
                // ... and one number may be both a mobile and a phone of the same person.
                .contact(ContactKind::Mobile, "09121234567")
                .contact(ContactKind::Phone, "+98 912 123 4567"),
        )
        .await;
    let a = match a {
        Ok(a) => a,
        // The services may refuse the same number twice; then keep the others.
        Err(Error::Invalid { .. }) => s
            .create_customer(
                NewCustomer::person("Ali", "Rezaei")
                    .contact(ContactKind::PostalAddress, home)
                    .contact(ContactKind::Website, "example.com")
                    .contact(ContactKind::Mobile, "09121234567"),
            )
            .await
            .unwrap(),
        Err(other) => panic!("{other:?}"),
    };
    let b = s
        .create_customer(
            NewCustomer::person("Maryam", "Rezaei")
                .contact(ContactKind::PostalAddress, home)
                .contact(ContactKind::Website, "https://www.example.com/"),
        )
        .await
        .unwrap();
    let stored: Customer = store.fetch(ws, a.id.0).await.unwrap();
    assert_eq!(stored, a, "contact points round-trip in order");
    let stored: Customer = store.fetch(ws, b.id.0).await.unwrap();
    assert_eq!(stored, b);
    let by_phone = store
        .customer_by_contact(ws, "tel:+989121234567")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_phone.id, a.id);
    // A non-identifying key is never a look-up key.
    let address_key = a
        .contacts
        .iter()
        .find(|c| c.kind == ContactKind::PostalAddress)
        .unwrap()
        .key
        .clone();
    assert!(
        store
            .customer_by_contact(ws, &address_key)
            .await
            .unwrap()
            .is_none()
    );
    // The number stays claimed: another customer cannot take it.
    let err = s
        .create_customer(
            NewCustomer::person("Reza", "Ahmadi").contact(ContactKind::Mobile, "0912 123 4567"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::AlreadyExists { holder, .. } if holder.id == a.id.0),
        "{err:?}"
    );
}

#[tokio::test]
async fn nul_characters_are_kept_in_bodies_and_keys() {
    let Some(url) = common::database_url() else {
        return;
    };
    let (store, s, _schema) = desk(&url).await;
    let ws = s.workspace();
    let ali = s
        .create_customer(NewCustomer::person("Ali", "Rezaei"))
        .await
        .unwrap();
    let mut odd = another(&ali);
    odd.party = crm_core::customer::Party::Organisation {
        name: "a\0b \u{E000}0 \\u0000".into(),
    };
    odd.contacts = vec![crm_core::customer::ContactPoint {
        kind: ContactKind::Email,
        value: "nul".into(),
        key: "email:a\0b".into(),
        label: Some("\0".into()),
    }];
    let mut commit = Commit::new();
    commit.put(odd.clone());
    store.commit(ws, commit).await.unwrap();
    let stored: Customer = store.fetch(ws, odd.id.0).await.unwrap();
    assert_eq!(stored, odd);
    let held = store.customer_by_contact(ws, "email:a\0b").await.unwrap();
    assert_eq!(held.map(|c| c.id), Some(odd.id));
    // The key with NUL and the text that escapes it are two keys.
    assert!(
        store
            .customer_by_contact(ws, "email:a\u{E000}0b")
            .await
            .unwrap()
            .is_none()
    );
    let mut rival = another(&ali);
    rival.contacts = odd.contacts.clone();
    let mut commit = Commit::new();
    commit.put(rival);
    match store.commit(ws, commit).await.unwrap_err() {
        Error::Conflict(Conflict::KeyTaken { key, holder }) => {
            assert_eq!(key, "email:a\0b");
            assert_eq!(holder.id, odd.id.0);
        }
        other => panic!("expected a taken key, got {other:?}"),
    }
}

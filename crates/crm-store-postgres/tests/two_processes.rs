//! Two OS processes, each with its own pool, doing intake-style writes against one schema at
//! the same time: one customer per shared email, and no update lost.
//!
//! The parent test re-runs this test binary twice as children (`--exact intake_child`),
//! naming the schema, workspace and staff member in environment variables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::customer::ContactKind;
use crm_core::customer::CustomerFilter;
use crm_core::id::{StaffId, WorkspaceId};
use crm_core::service::{CustomerChanges, NewCustomer, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{PageRequest, Store, StoreExt};
use crm_core::{Crm, Error};
use crm_store_postgres::{PostgresConfig, PostgresStore, TestSchema};
use std::sync::Arc;

const EMAILS: usize = 50;
const ITERATIONS: usize = 200;
const CHILD_ENV: &str = "CRM_PG_INTAKE_CHILD";

fn email(i: usize) -> String {
    format!("shared{}@example.com", i % EMAILS)
}

fn tag(process: usize, i: usize) -> String {
    format!("p{process}-{i}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_customers_without_duplicates_or_lost_updates() {
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

    let start_at = common::now_millis() + 1500;
    let specs: Vec<String> = (0..2)
        .map(|process| {
            format!(
                "{process};{};{};{};{start_at}",
                schema.name(),
                ws.id,
                admin.id
            )
        })
        .collect();
    common::run_children("intake_child", CHILD_ENV, &url, &specs);

    let all = store
        .list_customers(ws.id, &CustomerFilter::default(), &PageRequest::first(1000))
        .await
        .unwrap();
    assert_eq!(all.items.len(), EMAILS, "one customer per shared email");
    for i in 0..EMAILS {
        let key = format!("email:{}", email(i));
        assert!(
            store
                .customer_by_contact(ws.id, &key)
                .await
                .unwrap()
                .is_some()
        );
    }
    for process in 0..2 {
        for i in 0..ITERATIONS {
            let key = format!("email:{}", email(i));
            let customer = store
                .customer_by_contact(ws.id, &key)
                .await
                .unwrap()
                .unwrap();
            assert!(
                customer.tags.contains(&tag(process, i)),
                "tag {} lost on {}",
                tag(process, i),
                email(i)
            );
        }
    }
}

/// The child's part; does nothing unless started by the test above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let parts: Vec<&str> = spec.split(';').collect();
    let [process, schema, ws, staff, start_at] = parts[..] else {
        panic!("bad {CHILD_ENV}: {spec}");
    };
    let process: usize = process.parse().unwrap();
    let ws: WorkspaceId = ws.parse().unwrap();
    let staff: StaffId = staff.parse().unwrap();
    let url = std::env::var(common::URL_VAR).unwrap();
    let store =
        PostgresStore::connect_with(PostgresConfig::new(&url).schema(schema).max_connections(4))
            .await
            .unwrap();
    let crm = Crm::new(Arc::new(store));
    let session = crm.session(ws, staff).await.unwrap();

    common::start_together(start_at.parse().unwrap()).await;

    let (mut created, mut lost_races) = (0, 0);
    for i in 0..ITERATIONS {
        let email = email(i);
        let customer = loop {
            if let Some(c) = session
                .find_by_contact(ContactKind::Email, &email)
                .await
                .unwrap()
            {
                break c;
            }
            let new = NewCustomer::person("Sender", &format!("P{process}"))
                .contact(ContactKind::Email, &email);
            match session.create_customer(new).await {
                Ok(c) => {
                    created += 1;
                    break c;
                }
                Err(Error::AlreadyExists { .. } | Error::Conflict(_)) => lost_races += 1,
                Err(other) => panic!("create failed: {other:?}"),
            }
        };
        let changes = CustomerChanges {
            add_tags: vec![tag(process, i)],
            ..CustomerChanges::default()
        };
        let mut attempts = 0;
        loop {
            match session
                .update_customer(customer.id, None, changes.clone())
                .await
            {
                Ok(_) => break,
                Err(Error::Conflict(_)) if attempts < 50 => attempts += 1,
                Err(other) => panic!("update failed: {other:?}"),
            }
        }
    }
    eprintln!("process {process}: created {created}, lost {lost_races} creation races");
}

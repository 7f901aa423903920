use super::all_customers;
use crate::support::Desk;
use crm_core::Error;
use crm_core::customer::ContactKind;
use crm_core::service::{CustomerChanges, NewCustomer};
use crm_core::store::Store;
use std::sync::Arc;

/// 8 tasks creating 8,000 customers over 100 shared emails, in two workspaces at once, end
/// with exactly 100 customers per workspace; every other attempt finds its email taken.
pub async fn racing_creates_keep_one_customer_per_email(store: &Arc<dyn Store>) {
    let per_task = 1000;
    let mut desks = Vec::new();
    for name in ["Alpha", "Beta"] {
        desks.push(Arc::new(Desk::open(store, name).await));
    }
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let desk = desks[t % 2].clone();
        tasks.push(tokio::spawn(async move {
            let (mut created, mut conflicts) = (0, 0);
            for i in 0..per_task {
                let email = format!("shared{}@example.com", (i * 7 + t) % 100);
                let new = NewCustomer::person(&format!("T{t}"), &format!("N{i}"))
                    .contact(ContactKind::Email, &email);
                match desk.officer.create_customer(new).await {
                    Ok(_) => created += 1,
                    Err(Error::AlreadyExists { .. }) => conflicts += 1,
                    Err(e) => panic!("unexpected error: {e}"),
                }
            }
            (created, conflicts)
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (c, k) = task.await.unwrap();
        assert_eq!(c + k, per_task);
        created += c;
    }
    assert_eq!(created, 200);
    for desk in &desks {
        let customers = all_customers(&desk.officer).await;
        assert_eq!(customers.len(), 100);
        let mut emails: Vec<_> = customers
            .iter()
            .map(|c| c.contacts[0].key.clone())
            .collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), 100);
    }
}

/// Concurrent edits: without an expected version every edit lands (re-read and retried);
/// with one, a stale edit is a conflict and the stored customer is a winner's.
pub async fn concurrent_edits_lose_nothing(store: &Arc<dyn Store>) {
    let desk = Arc::new(Desk::open(store, "Acme").await);
    let c = desk
        .officer
        .create_customer(NewCustomer::person("Hot", "Record"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..5 {
                let changes = CustomerChanges {
                    add_tags: vec![format!("t{t}-{i}")],
                    ..Default::default()
                };
                desk.officer
                    .update_customer(c.id, None, changes)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let after = desk.officer.customer(c.id).await.unwrap();
    assert_eq!(after.tags.len(), 40, "every edit kept");
    assert_eq!(after.version, 41);

    // Optimistic edits from one read: exactly one wins.
    let mut tasks = Vec::new();
    for t in 0..8 {
        let desk = desk.clone();
        let version = after.version;
        tasks.push(tokio::spawn(async move {
            let changes = CustomerChanges {
                add_tags: vec![format!("only-{t}")],
                ..Default::default()
            };
            desk.officer
                .update_customer(c.id, Some(version), changes)
                .await
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(customer) => winners.push(customer),
            Err(Error::Conflict(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(desk.officer.customer(c.id).await.unwrap(), winners[0]);
}

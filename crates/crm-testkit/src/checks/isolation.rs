use super::{all_customers, assert_not_found};
use crate::support::{Desk, crm};
use crm_core::channel::Channel;
use crm_core::customer::ContactKind;
use crm_core::interaction::Direction;
use crm_core::record::RecordKind;
use crm_core::service::{CustomerChanges, NewCustomer, NewInteraction};
use crm_core::store::{Commit, PageRequest, Store};
use std::sync::Arc;

/// Nothing written in one workspace is visible or changeable from another.
pub async fn workspaces_are_isolated(store: &Arc<dyn Store>) {
    let a = Desk::open(store, "Alpha").await;
    let (crm_b, clock_b) = crm(store, 99);
    let b = Desk::open_with(crm_b, clock_b, "Beta").await;
    assert_ne!(a.workspace.id, b.workspace.id);

    let in_a = a
        .officer
        .create_customer(
            NewCustomer::person("Only", "InAlpha")
                .contact(ContactKind::Email, "shared@example.com"),
        )
        .await
        .unwrap();
    a.officer
        .record_interaction(NewInteraction::new(
            in_a.id,
            Channel::Email,
            Direction::Inbound,
            "hello",
        ))
        .await
        .unwrap();

    // Invisible from B: by id, by contact, in search and lists, in the audit trail.
    assert_not_found(b.officer.customer(in_a.id).await);
    assert_eq!(
        b.officer
            .find_by_contact(ContactKind::Email, "shared@example.com")
            .await
            .unwrap(),
        None
    );
    assert!(
        b.officer
            .search_customers("only", &PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(all_customers(&b.officer).await.is_empty());
    assert_not_found(
        b.officer
            .interactions(in_a.id, &PageRequest::first(10))
            .await,
    );
    let trail = b
        .admin
        .audit_trail(Some(in_a.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    assert!(trail.items.is_empty());
    assert_eq!(
        store
            .get(b.workspace.id, RecordKind::CUSTOMER, in_a.id.0)
            .await
            .unwrap(),
        None
    );

    // Unchangeable from B.
    let changes = CustomerChanges {
        add_tags: vec!["hacked".into()],
        ..Default::default()
    };
    assert_not_found(b.officer.update_customer(in_a.id, None, changes).await);
    assert_not_found(b.manager.delete_customer(in_a.id, 1).await);
    let mut del = Commit::new();
    del.delete(RecordKind::CUSTOMER, in_a.id.0, 1);
    super::assert_conflict(store.commit(b.workspace.id, del).await);
    // A's staff cannot open a session in B.
    let a_staff = a.officer.principal().staff_id().unwrap();
    super::assert_unauthorized(b.crm.session(b.workspace.id, a_staff).await);

    // The same email may belong to one customer in each workspace.
    let in_b = b
        .officer
        .create_customer(
            NewCustomer::person("Only", "InBeta").contact(ContactKind::Email, "SHARED@example.com"),
        )
        .await
        .unwrap();
    assert_eq!(a.officer.customer(in_a.id).await.unwrap(), in_a);
    let found = a
        .officer
        .find_by_contact(ContactKind::Email, "shared@example.com")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(in_a.id));
    let found = b
        .officer
        .find_by_contact(ContactKind::Email, "shared@example.com")
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(in_b.id));
    assert_eq!(all_customers(&a.officer).await, vec![in_a]);
}

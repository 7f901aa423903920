use super::assert_conflict;
use crate::support::start_time;
use crm_core::customer::{ContactKind, ContactPoint, Customer, LifecycleStage, Party};
use crm_core::id::{CustomerId, WorkspaceId};
use crm_core::normalize::Region;
use crm_core::record::{RecordKind, RecordRef};
use crm_core::store::{Commit, PageRequest, Store, StoreExt};
use crm_core::{Conflict, Error};
use std::sync::Arc;
use uuid::Uuid;

fn customer(n: u128, email: Option<&str>) -> Customer {
    let party = Party::Person {
        given_name: format!("Given{n}"),
        family_name: "Family".into(),
        organisation: None,
    };
    let id = CustomerId(Uuid::from_u128(n));
    let mut customer = Customer::new(id, party, LifecycleStage::Lead, start_time());
    customer.contacts = email
        .map(|e| vec![ContactPoint::parse(ContactKind::Email, e, None, Region::IR).unwrap()])
        .unwrap_or_default();
    customer
}

const WS: WorkspaceId = WorkspaceId(Uuid::from_u128(0xAA));

/// A commit whose later write fails applies none of its writes, records, keys or indexes.
pub async fn commit_is_all_or_nothing(store: &Arc<dyn Store>) {
    let held = customer(1, Some("held@example.com"));
    store
        .commit(
            WS,
            Commit {
                writes: vec![crm_core::store::Write::Put(held.clone().into())],
            },
        )
        .await
        .unwrap();

    // Second write claims a taken key.
    let mut c = Commit::new();
    c.put(customer(2, Some("fresh@example.com")))
        .put(customer(3, Some("held@example.com")));
    match store.commit(WS, c).await {
        Err(Error::Conflict(Conflict::KeyTaken { key, holder })) => {
            assert_eq!(key, "email:held@example.com");
            assert_eq!(holder, RecordRef::to::<Customer>(held.id.0));
        }
        other => panic!("expected KeyTaken, got {other:?}"),
    }
    // Second write is stale.
    let mut c = Commit::new();
    c.put(customer(4, Some("other@example.com")))
        .put(customer(1, None));
    match store.commit(WS, c).await {
        Err(Error::Conflict(Conflict::StaleVersion {
            kind,
            id,
            expected,
            found,
        })) => {
            assert_eq!(
                (kind, id, expected, found),
                (RecordKind::CUSTOMER, held.id.0, 0, 1)
            );
        }
        other => panic!("expected StaleVersion, got {other:?}"),
    }
    for n in [2, 3, 4] {
        assert_eq!(
            store
                .get(WS, RecordKind::CUSTOMER, Uuid::from_u128(n))
                .await
                .unwrap(),
            None
        );
    }
    for key in ["email:fresh@example.com", "email:other@example.com"] {
        assert_eq!(store.customer_by_contact(WS, key).await.unwrap(), None);
    }
    let listed = store
        .list_customers(WS, &Default::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(listed.items, vec![held.clone()]);
    let found = store
        .search_customers(WS, &["given".into()], &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(found.items, vec![held.clone()]);
    assert_eq!(
        store
            .customer_by_contact(WS, "email:held@example.com")
            .await
            .unwrap(),
        Some(held)
    );

    // Writes apply in order: release a key, then claim it, in one commit.
    let mut released = customer(1, None);
    released.version = 2;
    let mut c = Commit::new();
    c.put(released).put(customer(5, Some("held@example.com")));
    store.commit(WS, c).await.unwrap();
    let owner = store
        .customer_by_contact(WS, "email:held@example.com")
        .await
        .unwrap();
    assert_eq!(owner.map(|c| c.id.0), Some(Uuid::from_u128(5)));
}

/// Puts need the previous version, deletes the current one.
pub async fn versions_are_checked(store: &Arc<dyn Store>) {
    let mut c1 = customer(10, Some("v@example.com"));
    let put = |c: &Customer| {
        let mut commit = Commit::new();
        commit.put(c.clone());
        commit
    };
    store.commit(WS, put(&c1)).await.unwrap();
    assert_conflict(store.commit(WS, put(&c1)).await); // create twice
    c1.version = 3;
    assert_conflict(store.commit(WS, put(&c1)).await); // skips a version
    c1.version = 0;
    assert!(matches!(
        store.commit(WS, put(&c1)).await,
        Err(Error::Invalid { .. })
    ));
    c1.version = 2;
    c1.stage = LifecycleStage::Loyal;
    store.commit(WS, put(&c1)).await.unwrap();
    assert_eq!(store.fetch::<Customer>(WS, c1.id.0).await.unwrap(), c1);

    let mut del = Commit::new();
    del.delete(RecordKind::CUSTOMER, c1.id.0, 1);
    match store.commit(WS, del).await {
        Err(Error::Conflict(Conflict::StaleVersion {
            expected: 1,
            found: 2,
            ..
        })) => {}
        other => panic!("expected StaleVersion, got {other:?}"),
    }
    let mut del = Commit::new();
    del.delete(RecordKind::CUSTOMER, Uuid::from_u128(999), 1);
    assert_conflict(store.commit(WS, del).await);
    let mut del = Commit::new();
    del.delete(RecordKind::CUSTOMER, c1.id.0, 2);
    store.commit(WS, del).await.unwrap();
    assert_eq!(
        store.get(WS, RecordKind::CUSTOMER, c1.id.0).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .customer_by_contact(WS, "email:v@example.com")
            .await
            .unwrap(),
        None
    );
    let listed = store
        .list_customers(WS, &Default::default(), &PageRequest::first(10))
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    // An empty commit is fine and does nothing.
    store.commit(WS, Commit::new()).await.unwrap();

    // Creating is refused for any stored id, whether above, below or equal to the highest
    // stored one (ids usually grow; a store may not assume they always do), and allowed
    // again once the record is deleted.
    let high = customer(20, None);
    let low = customer(5, None);
    store.commit(WS, put(&high)).await.unwrap();
    store.commit(WS, put(&low)).await.unwrap();
    assert_conflict(store.commit(WS, put(&low)).await);
    assert_conflict(store.commit(WS, put(&high)).await);
    let mut del = Commit::new();
    del.delete(RecordKind::CUSTOMER, high.id.0, 1);
    store.commit(WS, del).await.unwrap();
    store.commit(WS, put(&high)).await.unwrap();
    assert_conflict(store.commit(WS, put(&high)).await);
}

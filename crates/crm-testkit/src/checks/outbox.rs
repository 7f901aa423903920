use crate::support::Desk;
use chrono::Duration;
use crm_core::clock::Clock;
use crm_core::notify::{Dispatcher, MemoryNotifier, RetryPolicy};
use crm_core::outbox::OutboxStatus;
use crm_core::service::NewCustomer;
use crm_core::store::{PageRequest, Store, StoreExt};
use std::sync::Arc;

async fn merge_pair(desk: &Desk, n: usize) {
    let agent = desk.agent.principal().staff_id();
    let mut a = NewCustomer::person(&format!("A{n}"), "Win");
    a.owner = agent;
    let a = desk.officer.create_customer(a).await.unwrap();
    let b = desk
        .officer
        .create_customer(NewCustomer::person(&format!("B{n}"), "Lose"))
        .await
        .unwrap();
    desk.officer
        .merge_customers(a.id, a.version, b.id, b.version)
        .await
        .unwrap();
}

/// Outbox messages committed with a change are delivered; failures are retried with
/// exponential backoff (with jitter: between half and all of it) and parked after the last
/// attempt; a permanent failure is failed at once.
pub async fn outbox_is_delivered_with_retries(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let notifier = Arc::new(MemoryNotifier::new());
    let policy = RetryPolicy::new(3, Duration::seconds(10))
        .with_max_delay(Duration::seconds(15))
        .with_lease(Duration::minutes(1));
    let dispatcher = Dispatcher::new(store.clone(), notifier.clone(), desk.clock.clone(), policy);

    merge_pair(&desk, 1).await;
    let report = dispatcher.dispatch_due(ws, 10).await.unwrap();
    assert_eq!(report.delivered, 1);
    assert_eq!(notifier.delivered().len(), 1);
    assert_eq!(notifier.delivered()[0].0, ws);
    assert_eq!(
        dispatcher.dispatch_due(ws, 10).await.unwrap().delivered,
        0,
        "delivered once"
    );
    let delivered = store
        .list_outbox(ws, OutboxStatus::Delivered, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(delivered.items.len(), 1);
    assert_eq!(delivered.items[0].attempts, 1);

    // Fails twice: retried 5-10 s later, then 7.5-15 s later (capped at 15 s), and parked
    // on the third failure.
    merge_pair(&desk, 2).await;
    notifier.fail_next(3, false);
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().retrying, 1);
    desk.clock.advance(Duration::seconds(4));
    assert_eq!(
        dispatcher.dispatch_due(ws, 10).await.unwrap(),
        Default::default(),
        "not due before half the backoff"
    );
    desk.clock.advance(Duration::seconds(6));
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().retrying, 1);
    desk.clock.advance(Duration::seconds(7));
    assert_eq!(
        dispatcher.dispatch_due(ws, 10).await.unwrap(),
        Default::default(),
        "not due before half the capped backoff"
    );
    desk.clock.advance(Duration::seconds(8));
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().parked, 1);
    let failed = store
        .list_outbox(ws, OutboxStatus::Parked, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(failed.items.len(), 1);
    assert_eq!(failed.items[0].attempts, 3);
    assert!(failed.items[0].last_error.is_some());
    assert!(
        store
            .outbox_due(ws, desk.clock.now() + Duration::days(1), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A permanent failure is failed at once.
    merge_pair(&desk, 3).await;
    notifier.fail_next(1, true);
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().failed, 1);
    assert_eq!(notifier.delivered().len(), 1);
    let failed = store
        .list_outbox(ws, OutboxStatus::Failed, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(failed.items.len(), 1);
    assert_eq!(failed.items[0].attempts, 1);
}

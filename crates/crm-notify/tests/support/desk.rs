//! A workspace on the memory store, and raw outbox helpers.

use crm_core::id::{OutboxId, WorkspaceId};
use crm_core::outbox::{Notification, OutboxMessage};
use crm_core::store::{Commit, Store, StoreExt};
use crm_core::workspace::{WebhookEndpoint, Workspace};
use crm_store_memory::MemoryStore;
use crm_testkit::support::Desk;
use std::sync::Arc;

/// A fresh memory store with a desk on it.
pub async fn open() -> (Arc<dyn Store>, Desk) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let desk = Desk::open(&store, "Acme").await;
    (store, desk)
}

/// Queues `notification` in `ws` at the desk's time, as a service would.
pub async fn queue(store: &Arc<dyn Store>, desk: &Desk, notification: Notification) -> OutboxId {
    let id = OutboxId(uuid::Uuid::now_v7());
    let mut commit = Commit::new();
    commit.put(OutboxMessage::queued(
        id,
        crm_core::clock::Clock::now(&*desk.clock),
        notification,
    ));
    store.commit(desk.workspace.id, commit).await.unwrap();
    id
}

/// The stored message `id`.
pub async fn load(store: &Arc<dyn Store>, ws: WorkspaceId, id: OutboxId) -> OutboxMessage {
    store
        .load::<OutboxMessage>(ws, id.0)
        .await
        .unwrap()
        .unwrap()
}

/// Adds a webhook endpoint to the desk's workspace.
pub async fn add_webhook(store: &Arc<dyn Store>, desk: &Desk, name: &str, url: &str) {
    let ws = desk.workspace.id;
    let mut workspace = store.load::<Workspace>(ws, ws.0).await.unwrap().unwrap();
    workspace.version += 1;
    workspace.settings.webhooks.push(WebhookEndpoint {
        name: name.to_owned(),
        url: url.to_owned(),
        events: Vec::new(),
        active: true,
    });
    let mut commit = Commit::new();
    commit.put(workspace);
    store.commit(ws, commit).await.unwrap();
}

//! A notifier of your own: implement `crm::notify::Notifier` (here: lines on stdout, with
//! the first attempt failing as a server that is down would), and let a `Worker` deliver the
//! outbox with it. The failed message is retried in a later round.
//!
//! Run: `cargo run --example custom_notifier`.

use async_trait::async_trait;
use crm::id::WorkspaceId;
use crm::notify::{Destination, NotifyError, Receipt, RetryPolicy};
use crm::outbox::OutboxMessage;
use crm::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Prints each message; the first delivery fails as if the server were down.
#[derive(Default)]
struct Stdout {
    attempts: AtomicUsize,
    delivered: AtomicUsize,
}

#[async_trait]
impl Notifier for Stdout {
    async fn deliver(
        &self,
        _ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        if self.attempts.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(NotifyError::temporary("the server is down"));
        }
        let who = match to {
            Destination::Staff { name, .. } | Destination::Customer { name, .. } => name.clone(),
            other => format!("{other:?}"),
        };
        println!(
            "-> {who}: [{}] {}",
            message.notification.event, message.notification.subject
        );
        self.delivered.fetch_add(1, Ordering::SeqCst);
        Ok(Receipt::delivered())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crm = Crm::new(Arc::new(MemoryStore::new()));
    let (workspace, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await?;
    let admin = crm.session(workspace.id, admin.id).await?;
    let officer = admin
        .create_staff(NewStaff::new("Maryam", Role::Officer))
        .await?;
    let officer = crm.session(workspace.id, officer.id).await?;
    let agent = admin
        .create_staff(NewStaff::new("Reza", Role::Agent).email("reza@acme.example"))
        .await?;

    // A message arrives and is referred to Reza: the notice to him waits in the outbox.
    let channels = crm.system_session(workspace.id, "sms").await?;
    let sender = Sender {
        phone: Some("0912 123 4567".into()),
        ..Sender::default()
    };
    let message = InboundMessage::new(Channel::Sms, "sms-1", sender, "Please call me");
    let request = channels.intake(message).await?.request;
    officer
        .refer(
            request.id,
            request.version,
            Holder::Staff(agent.id),
            "Call back",
        )
        .await?;

    // Retries without waiting, so the example ends at once.
    let mut policy = RetryPolicy::default();
    policy.base_delay = chrono::Duration::zero();
    policy.max_delay = chrono::Duration::zero();
    let notifier = Arc::new(Stdout::default());
    let worker = Worker::new(crm.clone(), notifier.clone(), vec![workspace.id])
        .policy(policy)
        .poll(Duration::from_millis(10));
    let stop = AtomicBool::new(false);
    let first = worker.round(&stop).await;
    println!("round 1: {:?}", first.outbox);
    let second = worker.round(&stop).await;
    println!("round 2: {:?}", second.outbox);
    let delivered = notifier.delivered.load(Ordering::SeqCst);
    if first.outbox.retrying != 1 || delivered == 0 {
        return Err(format!("expected one retry then a delivery, got {delivered}").into());
    }
    Ok(())
}

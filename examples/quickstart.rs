//! The main job on the embedded sled store: a workspace, staff, customers from several
//! channels (Persian and English), identity resolution across spellings, a duplicate merged,
//! the 360° view, search, the audit trail and the outbox delivered.
//!
//! Run: `cargo run --example quickstart` (data in a fresh temporary directory; pass a path
//! to keep it: `cargo run --example quickstart -- ./crm-data`).

use crm::channel::{Channel, SocialNetwork};
use crm::customer::{ContactKind, LifecycleStage};
use crm::interaction::Direction;
use crm::notify::{Dispatcher, RetryPolicy, TracingNotifier};
use crm::service::{CustomerChanges, NewCustomer, NewInteraction, NewStaff};
use crm::sled_store::{SledConfig, SledStore};
use crm::staff::Role;
use crm::store::{PageRequest, Store};
use crm::{Crm, Error};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = match std::env::args().nth(1) {
        Some(path) => std::path::PathBuf::from(path),
        None => {
            let dir = std::env::temp_dir().join(format!("crm-quickstart-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            dir
        }
    };
    let store: Arc<dyn Store> = Arc::new(SledStore::open(SledConfig::new(&path))?);
    println!("store: sled at {} (durable commits)", path.display());
    let crm = Crm::new(store.clone());

    // 1. A workspace with its administrator, a department and staff.
    let admin = NewStaff::new("Sara Admin", Role::Admin).email("sara@acme.example");
    let (workspace, admin) = crm.create_workspace("Acme Iran", "IR", admin).await?;
    let admin = crm.session(workspace.id, admin.id).await?;
    let support = admin.create_department("پشتیبانی", None).await?;
    let officer = admin
        .create_staff(NewStaff::new("مریم احمدی", Role::Officer))
        .await?;
    let agent = admin
        .create_staff(NewStaff::new("Reza Karimi", Role::Agent).department(support.id))
        .await?;
    let officer = crm.session(workspace.id, officer.id).await?;
    println!(
        "workspace {:?}: officer and agent in department {}",
        workspace.name, support.name
    );

    // 2. Customers arrive on several channels.
    let ali = officer
        .create_customer(
            NewCustomer::person("علي", "رضايي") // Arabic yeh: folded for search
                .contact(ContactKind::Mobile, "۰۹۱۲ ۱۲۳ ۴۵۶۷") // Persian digits
                .contact(ContactKind::Email, "Ali.Rezaei@Example.COM")
                .tag("VIP"),
        )
        .await?;
    println!("created {} with {:?}", ali.display_name(), keys(&ali));
    let telegram = ContactKind::Social(SocialNetwork::Telegram);
    let jane = officer
        .create_customer(NewCustomer::person("Jane", "Doe").contact(telegram, "@JaneDoe"))
        .await?;

    // 3. Identity resolution: any spelling of a known number finds the same customer.
    for spelling in ["+98 912 123 4567", "0098-912-123-4567", "٠٩١٢١٢٣٤٥٦٧"] {
        let found = officer
            .find_by_contact(ContactKind::Mobile, spelling)
            .await?;
        println!("  {spelling:>20} -> {:?}", found.map(|c| c.display_name()));
    }
    // ...and a second customer cannot take it.
    let clash = NewCustomer::person("Ali", "R.").contact(ContactKind::Mobile, "09121234567");
    match officer.create_customer(clash).await {
        Err(Error::Conflict(conflict)) => println!("duplicate refused: {conflict}"),
        other => println!("unexpected: {other:?}"),
    }

    // 4. Interactions: the customer's history, newest first.
    let sms = NewInteraction::new(
        ali.id,
        Channel::Sms,
        Direction::Inbound,
        "سلام، سفارش من کی می‌رسد؟",
    );
    officer.record_interaction(sms).await?;
    let call = NewInteraction::new(
        ali.id,
        Channel::PhoneCall,
        Direction::Outbound,
        "Called back",
    )
    .subject("Order status");
    officer.record_interaction(call).await?;

    // 5. A duplicate record of Ali (created from an English web form) is merged into his.
    let mut web =
        NewCustomer::person("Ali", "Rezaei").contact(ContactKind::Email, "ali@work.example");
    web.owner = Some(agent.id);
    let duplicate = officer.create_customer(web).await?;
    let web_form = NewInteraction::new(
        duplicate.id,
        Channel::WebForm,
        Direction::Inbound,
        "Invoice?",
    );
    officer.record_interaction(web_form).await?;
    let merged = officer
        .merge_customers(ali.id, ali.version, duplicate.id, duplicate.version)
        .await?;
    println!(
        "merged duplicate: {} now has {:?}",
        merged.display_name(),
        keys(&merged)
    );

    // 6. A change without an expected version is retried on conflict: nothing is lost.
    let changes = CustomerChanges {
        stage: Some(LifecycleStage::Customer),
        ..Default::default()
    };
    officer.update_customer(ali.id, None, changes).await?;

    // 7. The 360° view and a Persian-aware search.
    let view = officer.customer_view(ali.id).await?;
    println!(
        "360° {} (stage {:?}, v{}): {} interactions",
        view.customer.display_name(),
        view.customer.stage,
        view.customer.version,
        view.recent_interactions.len()
    );
    for i in &view.recent_interactions {
        println!(
            "  {} {:?} {}: {}",
            i.occurred_at.format("%F %T"),
            i.direction,
            i.channel,
            i.body
        );
    }
    let found = officer
        .search_customers("علی رضا", &PageRequest::first(10))
        .await?;
    println!(
        "search 'علی رضا': {:?}",
        found
            .items
            .iter()
            .map(|c| c.display_name())
            .collect::<Vec<_>>()
    );
    let found = officer
        .search_customers("jan", &PageRequest::first(10))
        .await?;
    println!(
        "search 'jan': {:?}",
        found
            .items
            .iter()
            .map(|c| c.display_name())
            .collect::<Vec<_>>()
    );
    assert_eq!(found.items.first().map(|c| c.id), Some(jane.id));

    // 8. The audit trail, and the outbox (the agent was told about the merge).
    let trail = admin
        .audit_trail(Some(ali.id.0), &PageRequest::first(20))
        .await?;
    for entry in &trail.items {
        println!(
            "audit: {} {} {:?} {}",
            entry.at.format("%T"),
            entry.actor,
            entry.action,
            entry.detail
        );
    }
    let dispatcher = Dispatcher::new(
        store.clone(),
        Arc::new(TracingNotifier),
        crm.clock().clone(),
        RetryPolicy::default(),
    );
    let report = dispatcher.dispatch_due(workspace.id, 100).await?;
    println!(
        "outbox: {} delivered, {} failed",
        report.delivered, report.failed
    );
    Ok(())
}

fn keys(customer: &crm::customer::Customer) -> Vec<&str> {
    customer.contacts.iter().map(|c| c.key.as_str()).collect()
}

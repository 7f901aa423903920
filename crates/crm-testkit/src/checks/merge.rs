use super::{assert_invalid, assert_unauthorized};
use crate::support::Desk;
use crm_core::audit::AuditAction;
use crm_core::channel::Channel;
use crm_core::customer::{ContactKind, LifecycleStage, Party};
use crm_core::interaction::Direction;
use crm_core::outbox::{OutboxStatus, Recipient};
use crm_core::service::{NewCustomer, NewInteraction};
use crm_core::store::{PageRequest, Store, StoreExt};
use std::sync::Arc;

/// Merging moves contacts, tags and history to the winner, leaves a tombstone that redirects,
/// audits both sides and notifies the loser's owner, in one commit.
pub async fn merge_moves_everything(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let s = &desk.officer;
    let agent = desk.agent.principal().staff_id().unwrap();
    let win = s
        .create_customer(
            NewCustomer::person("Ali", "Rezaei")
                .contact(ContactKind::Email, "ali@example.com")
                .tag("web"),
        )
        .await
        .unwrap();
    let mut loser_new = NewCustomer::person("علی", "رضایی")
        .contact(ContactKind::Mobile, "09121234567")
        .tag("phone")
        .stage(LifecycleStage::Customer);
    loser_new.owner = Some(agent);
    let lose = s.create_customer(loser_new).await.unwrap();
    for body in ["اول", "دوم"] {
        s.record_interaction(NewInteraction::new(
            lose.id,
            Channel::Sms,
            Direction::Inbound,
            body,
        ))
        .await
        .unwrap();
        desk.tick(1);
    }
    s.record_interaction(NewInteraction::new(
        win.id,
        Channel::Email,
        Direction::Inbound,
        "first",
    ))
    .await
    .unwrap();
    let sender = crm_core::service::Sender {
        phone: Some("09121234567".into()),
        ..Default::default()
    };
    let asked = s
        .intake(crm_core::service::InboundMessage::new(
            Channel::Sms,
            "m-1",
            sender,
            "سوال",
        ))
        .await
        .unwrap();
    assert_eq!(asked.request.customer, Some(lose.id));
    desk.tick(1);

    assert_unauthorized(
        desk.agent
            .merge_customers(win.id, win.version, lose.id, lose.version)
            .await,
    );
    assert_invalid(
        s.merge_customers(win.id, win.version, win.id, win.version)
            .await,
        Some("merge"),
    );
    let org = s
        .create_customer(NewCustomer::organisation("Acme Co"))
        .await
        .unwrap();
    assert_invalid(
        s.merge_customers(win.id, win.version, org.id, org.version)
            .await,
        Some("merge"),
    );
    super::assert_conflict(
        s.merge_customers(win.id, win.version, lose.id, lose.version + 1)
            .await,
    );

    let merged = s
        .merge_customers(win.id, win.version, lose.id, lose.version)
        .await
        .unwrap();
    assert_eq!(merged.version, win.version + 1);
    let keys: Vec<_> = merged.contacts.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["email:ali@example.com", "tel:+989121234567"]);
    assert!(merged.tags.contains("web") && merged.tags.contains("phone"));
    assert_eq!(merged.stage, LifecycleStage::Customer);
    assert_eq!(merged.owner, Some(agent));
    assert!(matches!(merged.party, Party::Person { ref given_name, .. } if given_name == "Ali"));

    // The tombstone redirects; the phone now finds the winner; search no longer shows the loser.
    assert_eq!(s.customer(lose.id).await.unwrap(), merged);
    let by_phone = s
        .find_by_contact(ContactKind::Mobile, "+989121234567")
        .await
        .unwrap();
    assert_eq!(by_phone.map(|c| c.id), Some(win.id));
    let found = s
        .search_customers("رضایی", &PageRequest::first(10))
        .await
        .unwrap();
    assert!(found.items.is_empty());
    let listed = super::all_customers(s).await;
    assert!(listed.iter().all(|c| c.id != lose.id));
    assert_invalid(
        s.merge_customers(win.id, merged.version, lose.id, lose.version + 1)
            .await,
        Some("customer"),
    );

    // The whole history moved.
    let history = s
        .interactions(win.id, &PageRequest::first(10))
        .await
        .unwrap();
    let bodies: Vec<_> = history.items.iter().map(|i| i.body.as_str()).collect();
    assert_eq!(bodies, ["سوال", "first", "دوم", "اول"]);
    let view = s.customer_view(lose.id).await.unwrap();
    assert_eq!(view.customer.id, win.id);
    assert_eq!(
        view.recent_requests
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        vec![asked.request.id]
    );
    assert_eq!(
        s.request(asked.request.id).await.unwrap().customer,
        Some(win.id)
    );
    assert!(history.items.iter().all(|i| i.customer == win.id));

    // Audited on both sides, with the officer as actor.
    let trail = desk
        .manager
        .audit_trail(Some(win.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    let actions: Vec<_> = trail.items.iter().map(|a| a.action).collect();
    assert_eq!(actions, [AuditAction::Created, AuditAction::Merged]);
    assert_eq!(trail.items[1].actor, desk.officer.principal().actor());
    let trail = desk
        .manager
        .audit_trail(Some(lose.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        trail.items.last().map(|a| a.action),
        Some(AuditAction::MergedInto)
    );

    // The loser's owner (not the actor) is notified through the outbox.
    let pending = store
        .list_outbox(
            desk.workspace.id,
            OutboxStatus::Pending,
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(pending.items.len(), 1);
    assert_eq!(
        pending.items[0].notification.recipient,
        Recipient::Staff { staff: agent }
    );
    assert_eq!(pending.items[0].notification.event, "customer.merged");
}

use super::{assert_unauthorized, audit_count};
use crate::support::Desk;
use crm_core::audit::{Actor, AuditAction};
use crm_core::channel::Channel;
use crm_core::customer::LifecycleStage;
use crm_core::interaction::Direction;
use crm_core::record::RecordKind;
use crm_core::service::{CustomerChanges, NewCustomer, NewInteraction, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{PageRequest, Store};
use std::sync::Arc;

/// Every change is in the audit trail with its actor, action, record and time.
pub async fn audit_trail_records_changes(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let before = audit_count(&desk.admin).await;
    let c = desk
        .officer
        .create_customer(NewCustomer::person("Audit", "Me"))
        .await
        .unwrap();
    desk.tick(5);
    let changes = CustomerChanges {
        stage: Some(LifecycleStage::Qualified),
        add_tags: vec!["x".into()],
        ..Default::default()
    };
    desk.agent
        .update_customer(c.id, Some(1), changes)
        .await
        .unwrap();
    let i = desk
        .agent
        .record_interaction(NewInteraction::new(
            c.id,
            Channel::PhoneCall,
            Direction::Outbound,
            "called",
        ))
        .await
        .unwrap();
    let system = desk
        .crm
        .system_session(desk.workspace.id, "telegram-bot")
        .await
        .unwrap();
    system
        .create_customer(NewCustomer::person("From", "Bot"))
        .await
        .unwrap();
    assert_eq!(audit_count(&desk.admin).await, before + 4);

    let trail = desk
        .manager
        .audit_trail(Some(c.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(trail.items.len(), 2);
    let (created, updated) = (&trail.items[0], &trail.items[1]);
    assert_eq!(
        (created.action, created.actor.clone()),
        (AuditAction::Created, desk.officer.principal().actor())
    );
    assert_eq!(
        (updated.action, updated.actor.clone()),
        (AuditAction::Updated, desk.agent.principal().actor())
    );
    assert_eq!(updated.record.kind, RecordKind::CUSTOMER);
    assert_eq!(updated.at - created.at, chrono::Duration::minutes(5));
    assert_eq!(updated.detail, "stage, tags");
    let trail = desk
        .admin
        .audit_trail(Some(i.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(trail.items[0].action, AuditAction::InteractionRecorded);
    let all = desk
        .admin
        .audit_trail(None, &PageRequest::first(1000))
        .await
        .unwrap();
    assert!(all.items.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(
        all.items.last().map(|a| a.actor.clone()),
        Some(Actor::System("telegram-bot".into()))
    );
    assert_unauthorized(desk.officer.audit_trail(None, &PageRequest::first(1)).await);
    assert_unauthorized(desk.agent.audit_trail(None, &PageRequest::first(1)).await);
}

/// Roles and ownership decide who may do what; a refusal changes nothing.
pub async fn roles_are_enforced(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let agent_id = desk.agent.principal().staff_id();
    let mut mine = NewCustomer::person("Owned", "ByAgent");
    mine.owner = agent_id;
    let mine = desk.officer.create_customer(mine).await.unwrap();
    let mut theirs = NewCustomer::person("Owned", "ByOther");
    theirs.owner = desk.agent2.principal().staff_id();
    let theirs = desk.officer.create_customer(theirs).await.unwrap();
    let unowned = desk
        .agent
        .create_customer(NewCustomer::person("No", "Owner"))
        .await
        .unwrap();

    let tag = || CustomerChanges {
        add_tags: vec!["touched".into()],
        ..Default::default()
    };
    desk.agent
        .update_customer(mine.id, None, tag())
        .await
        .unwrap();
    desk.agent
        .update_customer(unowned.id, None, tag())
        .await
        .unwrap();
    assert_unauthorized(desk.agent.update_customer(theirs.id, None, tag()).await);
    assert_eq!(desk.agent.customer(theirs.id).await.unwrap(), theirs);
    desk.officer
        .update_customer(theirs.id, None, tag())
        .await
        .unwrap();

    assert_unauthorized(desk.agent.delete_customer(mine.id, 2).await);
    assert_unauthorized(
        desk.officer
            .create_staff(NewStaff::new("X", Role::Admin))
            .await,
    );
    assert_unauthorized(desk.manager.create_department("Sales", None).await);
    let dept = desk
        .admin
        .create_department("فروش", desk.manager.principal().staff_id())
        .await
        .unwrap();
    let staff = desk
        .admin
        .create_staff(NewStaff::new("Sales Agent", Role::Agent).department(dept.id))
        .await
        .unwrap();
    assert_eq!(staff.department, Some(dept.id));
    let depts = desk
        .officer
        .list_departments(&PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(depts.items, vec![dept]);
    let staff_list = desk
        .officer
        .list_staff(&PageRequest::first(3))
        .await
        .unwrap();
    assert_eq!(staff_list.items.len(), 3);
    assert!(staff_list.next.is_some());

    let system = desk
        .crm
        .system_session(desk.workspace.id, "intake")
        .await
        .unwrap();
    let c = system
        .create_customer(NewCustomer::person("Via", "System"))
        .await
        .unwrap();
    assert_unauthorized(system.delete_customer(c.id, 1).await);
    assert_unauthorized(system.merge_customers(c.id, 1, mine.id, 2).await);
}

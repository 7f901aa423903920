use super::{assert_conflict, assert_invalid, assert_unauthorized};
use crate::support::Desk;
use chrono::Duration;
use crm_core::access::Permission;
use crm_core::audit::Actor;
use crm_core::audit::AuditAction;
use crm_core::channel::{Channel, SocialNetwork};
use crm_core::customer::ContactKind;
use crm_core::request::{
    Holder, Priority, RequestAction, RequestStatus, RequestView, RoutingActions, RoutingConditions,
};
use crm_core::service::{InboundMessage, NewCustomer, Sender, WebForm};
use crm_core::store::{PageRequest, Store, StoreExt};
use crm_core::{Error, Transition};
use std::sync::Arc;

fn email_from(addr: &str) -> Sender {
    Sender {
        email: Some(addr.into()),
        ..Default::default()
    }
}

fn phone_from(number: &str) -> Sender {
    Sender {
        phone: Some(number.into()),
        ..Default::default()
    }
}

/// The whole cartable process, in Persian and English: intake from a known customer on
/// email and SMS (Persian digits), a new sender on Telegram, a duplicate delivery, two
/// referrals and a ping-pong, a returned answer, an approved reply, a rating, the report.
pub async fn cartable_scenario(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let billing = desk
        .admin
        .create_department("مالی", desk.manager.principal().staff_id())
        .await
        .unwrap();
    let officer_id = desk.officer.principal().staff_id().unwrap();
    let agent_id = desk.agent.principal().staff_id().unwrap();
    let agent2_id = desk.agent2.principal().staff_id().unwrap();
    let ali = desk
        .officer
        .create_customer(
            NewCustomer::person("علی", "رضایی")
                .contact(ContactKind::Email, "ali@example.com")
                .contact(ContactKind::Mobile, "09121234567"),
        )
        .await
        .unwrap();
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();

    // Email from the known customer.
    let mail = InboundMessage::new(
        Channel::Email,
        "<m1@example.com>",
        email_from("ALI@example.com"),
        "صورتحساب من اشتباه است",
    )
    .subject("مشکل صورتحساب")
    .thread("<m1@example.com>");
    let first = intake.intake(mail.clone()).await.unwrap();
    assert_eq!(first.customer.as_ref().map(|c| c.id), Some(ali.id));
    assert!(!first.new_customer && !first.joined && !first.duplicate_delivery);
    let r1 = first.request;
    assert_eq!(
        (r1.number, r1.status, r1.holder),
        (1, RequestStatus::New, Holder::Officers)
    );

    // The same email delivered again: one request, nothing changed.
    let again = intake.intake(mail).await.unwrap();
    assert!(again.duplicate_delivery);
    assert_eq!(again.request, r1);

    // SMS from the same customer, Persian digits: same customer, a new request on its channel,
    // and the result carries the earlier request.
    desk.tick(5);
    let sms = InboundMessage::new(
        Channel::Sms,
        "sms-1",
        phone_from("۰۹۱۲ ۱۲۳ ۴۵۶۷"),
        "لطفا با من تماس بگیرید",
    );
    let second = intake.intake(sms).await.unwrap();
    assert_eq!(second.customer.as_ref().map(|c| c.id), Some(ali.id));
    assert_eq!(second.request.number, 2);
    assert_eq!(
        second
            .earlier_requests
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        vec![r1.id]
    );

    // A new sender on Telegram becomes a lead.
    let tg = Sender {
        handle: Some((SocialNetwork::Telegram, "@new_customer".into())),
        name: Some("Jane Doe".into()),
        ..Default::default()
    };
    let third = intake
        .intake(InboundMessage::new(
            Channel::Social(SocialNetwork::Telegram),
            "tg-77",
            tg,
            "Hi, where is my order?",
        ))
        .await
        .unwrap();
    assert!(third.new_customer);
    let jane = third.customer.clone().unwrap();
    assert_eq!(jane.display_name(), "Jane Doe");
    assert_eq!(jane.contacts[0].key, "telegram:new_customer");

    // Officer refers #1 to billing with a note; agent takes it; refers to agent2; agent2
    // sends it back to agent: a ping-pong.
    desk.tick(10);
    let r = desk
        .officer
        .refer(
            r1.id,
            r1.version,
            Holder::Department(billing.id),
            "لطفا بررسی کنید",
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.officer, r.hops()),
        (RequestStatus::Referred, Some(officer_id), 1)
    );
    assert_unauthorized(desk.agent.take(r.id, r.version).await); // agent is not in billing
    let billing_agent = desk
        .admin
        .update_staff(
            agent_id,
            1,
            crm_core::service::StaffChanges {
                department: Some(Some(billing.id)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let agent = desk.crm.session(ws, billing_agent.id).await.unwrap();
    let r = agent.take(r.id, r.version).await.unwrap();
    assert_eq!(
        (r.status, r.holder),
        (RequestStatus::InProgress, Holder::Staff(agent_id))
    );
    let r = agent
        .refer(
            r.id,
            r.version,
            Holder::Staff(agent2_id),
            "Please check the invoice",
        )
        .await
        .unwrap();
    let r = desk
        .agent2
        .refer(r.id, r.version, Holder::Staff(agent_id), "Not mine")
        .await
        .unwrap();
    assert_eq!((r.hops(), r.ping_pongs()), (3, 1));
    assert!(r.bounced());

    // Agent resolves; the officer returns it; agent resolves again; officer approves; reply.
    let r = agent
        .resolve(r.id, r.version, "مبلغ اصلاح شد")
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Resolved);
    let review = desk
        .officer
        .awaiting_my_review(&PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        review.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![r.id]
    );
    assert!(matches!(
        desk.officer.reply(r.id, r.version, None).await,
        Err(Error::IllegalTransition { .. })
    ));
    let r = desk
        .officer
        .return_answer(r.id, r.version, "مبلغ جدید را هم بنویسید")
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Returned);
    let r = agent
        .resolve(r.id, r.version, "مبلغ اصلاح شد: ۱۲۰٬۰۰۰ تومان")
        .await
        .unwrap();
    let r = desk.officer.approve(r.id, r.version, "").await.unwrap();
    desk.tick(30);
    let r = desk.officer.reply(r.id, r.version, None).await.unwrap();
    assert_eq!(r.status, RequestStatus::Replied);
    let reply = r.reply.clone().unwrap();
    assert_eq!(reply.channel, Channel::Email);
    let history = desk
        .officer
        .interactions(ali.id, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(history.items[0].id, reply.interaction);
    assert_eq!(history.items[0].body, "مبلغ اصلاح شد: ۱۲۰٬۰۰۰ تومان");

    // The reply and the survey wait in the outbox for the customer.
    let outbox = store
        .list_outbox(
            ws,
            crm_core::outbox::OutboxStatus::Pending,
            &PageRequest::first(200),
        )
        .await
        .unwrap();
    let to_customer: Vec<_> = outbox
        .items
        .iter()
        .filter(|m| {
            matches!(
                m.notification.recipient,
                crm_core::outbox::Recipient::Customer { .. }
            )
        })
        .collect();
    let events: Vec<_> = to_customer
        .iter()
        .map(|m| m.notification.event.as_str())
        .collect();
    assert_eq!(events, ["request.reply", "request.satisfaction_survey"]);
    assert!(
        matches!(&to_customer[0].notification.recipient, crm_core::outbox::Recipient::Customer { address, .. } if address == "ali@example.com")
    );
    // The agent was told when it landed in their cartable and when it was returned.
    let to_agent: Vec<_> = outbox
        .items
        .iter()
        .filter(|m| {
            m.notification.recipient == crm_core::outbox::Recipient::Staff { staff: agent_id }
        })
        .map(|m| m.notification.event.clone())
        .collect();
    assert!(
        to_agent.contains(&"request.referred".to_owned())
            && to_agent.contains(&"request.returned".to_owned()),
        "{to_agent:?}"
    );

    // The customer rates it; the officer closes it.
    let r = intake
        .rate(r.id, r.version, 4, Some("خوب بود"))
        .await
        .unwrap();
    let r = desk.officer.close(r.id, r.version).await.unwrap();
    assert_eq!(
        (r.status, r.satisfaction.as_ref().map(|s| s.rating)),
        (RequestStatus::Closed, Some(4))
    );

    // Every transition is in the audit trail, in order.
    let trail = desk
        .manager
        .audit_trail(Some(r.id.0), &PageRequest::first(50))
        .await
        .unwrap();
    let actions: Vec<_> = trail.items.iter().map(|a| a.action).collect();
    use AuditAction::*;
    assert_eq!(
        actions,
        [
            Created, Referred, Taken, Referred, Referred, Resolved, Returned, Resolved, Approved,
            Replied, Rated, Closed
        ]
    );

    // The report of the day.
    let day = crate::support::start_time();
    let report = desk
        .manager
        .request_report(day - Duration::hours(1), day + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(report.total, 3);
    assert_eq!(report.by_channel.get("email"), Some(&1));
    assert_eq!(report.by_channel.get("sms"), Some(&1));
    assert_eq!(report.by_channel.get("social:telegram"), Some(&1));
    assert_eq!(report.resolution.count, 1);
    assert_eq!(report.first_response.count, 1);
    assert_eq!(report.satisfaction, Some(4.0));
    assert!(
        (report.bounced_unresolved - 0.0).abs() < 1e-9,
        "the bounced one was answered"
    );
    let agent_row = report.by_person.get(&agent_id).unwrap();
    assert_eq!((agent_row.handled, agent_row.resolved), (1, 1));
    assert_eq!(
        report.by_department.get(&billing.id).map(|d| d.handled),
        Some(1)
    );
    assert_unauthorized(
        desk.agent
            .request_report(day, day + Duration::days(1))
            .await,
    );
}

/// Intake resolves identity: a sender matching two customers is flagged, not attached;
/// replies in a thread or within the window join the open request; a message on a closed
/// request reopens it; web forms feed the same intake.
pub async fn intake_joins_flags_and_reopens(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    let a = desk
        .officer
        .create_customer(
            NewCustomer::person("Sara", "A").contact(ContactKind::Email, "sara@example.com"),
        )
        .await
        .unwrap();
    let b = desk
        .officer
        .create_customer(
            NewCustomer::person("Sara", "B").contact(ContactKind::Mobile, "+989351112233"),
        )
        .await
        .unwrap();

    // Email of one, phone of the other: a possible duplicate, attached to neither.
    let both = Sender {
        email: Some("sara@example.com".into()),
        phone: Some("09351112233".into()),
        ..Default::default()
    };
    let dup = intake
        .intake(InboundMessage::new(
            Channel::WebForm,
            "wf-1",
            both,
            "Which account?",
        ))
        .await
        .unwrap();
    assert!(dup.customer.is_none() && dup.request.is_possible_duplicate());
    let mut candidates = dup.request.candidates.clone();
    candidates.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(candidates, expected);
    let flagged = desk
        .officer
        .possible_duplicates(&PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(flagged.items.len(), 1);
    let attached = desk
        .officer
        .attach_to_customer(dup.request.id, dup.request.version, a.id)
        .await
        .unwrap();
    assert_eq!(attached.customer, Some(a.id));
    assert!(
        desk.officer
            .possible_duplicates(&PageRequest::first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let history = desk
        .officer
        .interactions(a.id, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(history.items[0].body, "Which account?");

    // Thread replies join; a reply after closing reopens.
    let first = intake
        .intake(
            InboundMessage::new(
                Channel::Email,
                "e-1",
                email_from("sara@example.com"),
                "Question",
            )
            .thread("t-1"),
        )
        .await
        .unwrap();
    desk.tick(60 * 48);
    let second = intake
        .intake(
            InboundMessage::new(
                Channel::Email,
                "e-2",
                email_from("sara@example.com"),
                "More detail",
            )
            .thread("t-1"),
        )
        .await
        .unwrap();
    assert!(second.joined && !second.reopened);
    assert_eq!(second.request.id, first.request.id);
    assert_eq!(second.request.messages.len(), 2);
    let r = second.request;
    let r = desk
        .officer
        .resolve(r.id, r.version, "Answer")
        .await
        .unwrap();
    let r = desk.manager.approve(r.id, r.version, "ok").await.unwrap();
    let r = desk.officer.reply(r.id, r.version, None).await.unwrap();
    let r = desk.officer.close(r.id, r.version).await.unwrap();
    let third = intake
        .intake(
            InboundMessage::new(
                Channel::Email,
                "e-3",
                email_from("sara@example.com"),
                "Still broken",
            )
            .thread("t-1"),
        )
        .await
        .unwrap();
    assert!(third.joined && third.reopened);
    assert_eq!(third.request.id, r.id);
    assert_eq!(
        (third.request.status, third.request.reopened),
        (RequestStatus::Reopened, 1)
    );

    // Without a thread: the same channel within the window joins, after it opens anew.
    let s1 = intake
        .intake(InboundMessage::new(
            Channel::Sms,
            "s-1",
            phone_from("09351112233"),
            "سلام",
        ))
        .await
        .unwrap();
    desk.tick(30);
    let s2 = intake
        .intake(InboundMessage::new(
            Channel::Sms,
            "s-2",
            phone_from("+98 935 111 2233"),
            "هستید؟",
        ))
        .await
        .unwrap();
    assert!(s2.joined);
    assert_eq!(s2.request.id, s1.request.id);
    desk.tick(60 * 25);
    let s3 = intake
        .intake(InboundMessage::new(
            Channel::Sms,
            "s-3",
            phone_from("09351112233"),
            "دوباره",
        ))
        .await
        .unwrap();
    assert!(!s3.joined);

    // Web forms are validated and feed intake; category comes from the topic.
    // A real HTML form posts more than the contact fields (a CSRF token, a honeypot): they
    // are ignored, while a missing required field is still refused.
    let extra: WebForm = serde_json::from_str(
        r#"{"submission_id":"f1","email":"x@example.com","message":"hi","csrf_token":"t0k","colour":"red"}"#,
    )
    .unwrap();
    assert_eq!(extra.message, "hi");
    let bad: Result<WebForm, _> =
        serde_json::from_str(r#"{"submission_id":"f1","csrf_token":"t0k"}"#);
    assert!(bad.is_err(), "the message is required");
    let good: WebForm =
        serde_json::from_str(r#"{"submission_id":"f0","email":"x@example.com","message":"hi"}"#)
            .unwrap();
    assert_eq!(good.email.as_deref(), Some("x@example.com"));
    let form = WebForm {
        submission_id: "f2".into(),
        name: Some("مهدی کریمی".into()),
        email: Some("mahdi@example.com".into()),
        phone: None,
        subject: None,
        message: "قیمت محصول؟".into(),
        topic: Some("Sales".into()),
        submitted_at: None,
    };
    let out = intake.intake_web_form(form.clone()).await.unwrap();
    assert!(out.new_customer);
    assert_eq!(out.request.category.as_deref(), Some("sales"));
    assert_eq!(out.customer.unwrap().display_name(), "مهدی کریمی");
    assert_invalid(
        intake
            .intake_web_form(WebForm {
                email: None,
                ..form.clone()
            })
            .await,
        Some("sender"),
    );
    assert_invalid(
        intake
            .intake_web_form(WebForm {
                email: Some("nope".into()),
                submission_id: "f3".into(),
                ..form
            })
            .await,
        Some("contact.email"),
    );
    assert_invalid(
        intake
            .intake(InboundMessage::new(
                Channel::Sms,
                "",
                phone_from("09121234567"),
                "x",
            ))
            .await,
        Some("external_id"),
    );
    assert_invalid(
        intake
            .intake(InboundMessage::new(
                Channel::Sms,
                "z",
                Sender::default(),
                "x",
            ))
            .await,
        Some("sender"),
    );
}

/// Routing rules (data) decide line, department, priority and holder; departments assign
/// round-robin or to the least loaded member; without a match, the officers' cartable.
pub async fn routing_rules_route_and_assign(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    let tech = desk.admin.create_department("فنی", None).await.unwrap();
    let mut members = Vec::new();
    for name in ["T1", "T2", "T3"] {
        let s = desk
            .admin
            .create_staff(
                crm_core::service::NewStaff::new(name, crm_core::staff::Role::Agent)
                    .department(tech.id),
            )
            .await
            .unwrap();
        members.push(s.id);
    }
    let tech = desk
        .admin
        .set_department_assignment(
            tech.id,
            tech.version,
            crm_core::request::Assignment::RoundRobin,
        )
        .await
        .unwrap();
    let conditions = RoutingConditions {
        keywords: vec!["قطعی اینترنت".into(), "outage".into()],
        ..Default::default()
    };
    let actions = RoutingActions {
        department: Some(tech.id),
        priority: Some(Priority::Urgent),
        line: Some(crm_core::request::SupportLine::Second),
        category: Some("Network".into()),
        holder: None,
    };
    assert_unauthorized(
        desk.officer
            .create_routing_rule("net", 1, conditions.clone(), actions.clone())
            .await,
    );
    desk.admin
        .create_routing_rule("net", 1, conditions, actions)
        .await
        .unwrap();
    let vip = RoutingConditions {
        tags: vec!["VIP".into()],
        ..Default::default()
    };
    let to_manager = RoutingActions {
        holder: desk.manager.principal().staff_id(),
        priority: Some(Priority::High),
        ..Default::default()
    };
    desk.admin
        .create_routing_rule("vip", 2, vip, to_manager)
        .await
        .unwrap();

    let mut holders = Vec::new();
    for i in 0..4 {
        let m = InboundMessage::new(
            Channel::Email,
            &format!("net-{i}"),
            email_from(&format!("u{i}@example.com")),
            "از صبح قطعي   اينترنت داریم",
        );
        let out = intake.intake(m).await.unwrap();
        assert_eq!(out.request.priority, Priority::Urgent);
        assert_eq!(out.request.category.as_deref(), Some("network"));
        assert_eq!(out.request.department, Some(tech.id));
        holders.push(out.request.holder);
    }
    let expected: Vec<_> = [0, 1, 2, 0]
        .iter()
        .map(|i| Holder::Staff(members[*i]))
        .collect();
    assert_eq!(holders, expected, "round-robin");

    let vip_customer = desk
        .officer
        .create_customer(
            NewCustomer::person("Big", "Client")
                .contact(ContactKind::Email, "big@example.com")
                .tag("vip"),
        )
        .await
        .unwrap();
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "vip-1",
            email_from("big@example.com"),
            "hello",
        ))
        .await
        .unwrap();
    assert_eq!(out.customer.map(|c| c.id), Some(vip_customer.id));
    assert_eq!(
        (out.request.holder, out.request.priority),
        (
            Holder::Staff(desk.manager.principal().staff_id().unwrap()),
            Priority::High
        )
    );
    let plain = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "plain-1",
            email_from("p@example.com"),
            "hello",
        ))
        .await
        .unwrap();
    assert_eq!(
        (plain.request.holder, plain.request.priority),
        (Holder::Officers, Priority::Normal)
    );

    // Least loaded: T1 and T2 hold two and one, T3 one; after T3 gets one more, T2 is next.
    let current = desk
        .admin
        .list_departments(&PageRequest::first(10))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.id == tech.id)
        .unwrap();
    desk.admin
        .set_department_assignment(
            tech.id,
            current.version,
            crm_core::request::Assignment::LeastLoaded,
        )
        .await
        .unwrap();
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "net-9",
            email_from("z@example.com"),
            "outage!",
        ))
        .await
        .unwrap();
    assert_eq!(out.request.holder, Holder::Staff(members[1]));
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "net-10",
            email_from("y@example.com"),
            "outage!",
        ))
        .await
        .unwrap();
    assert_eq!(out.request.holder, Holder::Staff(members[2]));
}

/// Illegal transitions and actors without the right role or relation get a typed error and
/// change nothing; a stale version is a conflict.
pub async fn transitions_are_checked(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let intake = desk
        .crm
        .system_session(desk.workspace.id, "channels")
        .await
        .unwrap();
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "x-1",
            email_from("c@example.com"),
            "help",
        ))
        .await
        .unwrap();
    let r = out.request;
    let agent2 = desk.agent2.principal().staff_id().unwrap();
    // Agents cannot touch what is not in their cartable; nobody can reply before approval.
    assert_unauthorized(
        desk.agent
            .refer(r.id, r.version, Holder::Staff(agent2), "x")
            .await,
    );
    assert_unauthorized(desk.agent.resolve(r.id, r.version, "x").await);
    // Refusals carry typed parts a host can match on: who, which permission, which state.
    let agent_id = desk.agent.principal().staff_id().unwrap();
    match desk.agent.resolve(r.id, r.version, "x").await {
        Err(Error::Unauthorized {
            actor: Some(Actor::Staff(who)),
            permission: None,
            ..
        }) => assert_eq!(who, agent_id),
        other => panic!("expected a refusal of the agent, got {other:?}"),
    }
    match intake
        .refer(r.id, r.version, Holder::Staff(agent2), "x")
        .await
    {
        Err(Error::Unauthorized {
            actor: Some(Actor::System(name)),
            permission: Some(Permission::WorkRequests),
            ..
        }) => assert_eq!(name, "channels"),
        other => panic!("expected WorkRequests refused to the channel, got {other:?}"),
    }
    match desk.officer.approve(r.id, r.version, "").await {
        Err(Error::IllegalTransition {
            transition: Transition::Request { status, action },
        }) => assert_eq!((status, action), (r.status, RequestAction::Approve)),
        other => panic!("expected an illegal transition, got {other:?}"),
    }
    assert!(matches!(
        desk.officer.reply(r.id, r.version, None).await,
        Err(Error::IllegalTransition { .. })
    ));
    assert!(matches!(
        intake.rate(r.id, r.version, 5, None).await,
        Err(Error::IllegalTransition { .. })
    ));
    assert_conflict(
        desk.officer
            .refer(r.id, r.version + 1, Holder::Staff(agent2), "x")
            .await,
    );
    assert_invalid(
        desk.officer
            .refer(
                r.id,
                r.version,
                Holder::Staff(crm_core::id::StaffId(uuid::Uuid::from_u128(5))),
                "x",
            )
            .await,
        Some("to"),
    );
    assert_invalid(
        desk.officer
            .refer(r.id, r.version, Holder::Officers, "x")
            .await,
        Some("to"),
    );
    assert_eq!(desk.officer.request(r.id).await.unwrap(), r);

    // Maker-checker: the author of an answer cannot approve it.
    let r = desk
        .officer
        .resolve(r.id, r.version, "my answer")
        .await
        .unwrap();
    assert_unauthorized(desk.officer.approve(r.id, r.version, "").await);
    assert_unauthorized(desk.agent.approve(r.id, r.version, "").await);
    assert_invalid(
        desk.manager.return_answer(r.id, r.version, " ").await,
        Some("note"),
    );
    assert_eq!(desk.officer.request(r.id).await.unwrap(), r);
    let r = desk.manager.approve(r.id, r.version, "").await.unwrap();
    assert_invalid(intake.rate(r.id, r.version, 6, None).await, Some("rating"));
    assert_eq!(r.status, RequestStatus::Approved);

    // Escalation past the hop limit (4): the fifth hop goes to a manager.
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "x-2",
            email_from("d@example.com"),
            "ping pong",
        ))
        .await
        .unwrap();
    let (a1, a2) = (desk.agent.principal().staff_id().unwrap(), agent2);
    let mut r = desk
        .officer
        .refer(out.request.id, out.request.version, Holder::Staff(a1), "1")
        .await
        .unwrap();
    for (who, to) in [
        (&desk.agent, a2),
        (&desk.agent2, a1),
        (&desk.agent, a2),
        (&desk.agent2, a1),
    ] {
        r = who
            .refer(r.id, r.version, Holder::Staff(to), "back")
            .await
            .unwrap();
    }
    assert!(r.escalated);
    assert_eq!(
        r.holder,
        Holder::Staff(desk.manager.principal().staff_id().unwrap())
    );
    assert_eq!(r.ping_pongs(), 3);
}

/// Service levels count business hours of the Iranian week, pause while waiting on the
/// customer, and breaches are flagged and notified once.
pub async fn service_levels_pause_and_breach(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    // Nowruz 1405 (2026-03-21) is a Saturday: 08:00 UTC = 11:30 in Tehran.
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "sla-1",
            email_from("c@example.com"),
            "help",
        ))
        .await
        .unwrap();
    let r = out.request;
    let settings = desk.officer.settings().await.unwrap();
    let cal = &settings.sla.calendar;
    assert_eq!(
        cal.business_time_between(r.received_at, r.sla.first_response_due),
        Duration::hours(8)
    );
    assert_eq!(r.due_at(), Some(r.sla.first_response_due));
    // Waiting on the customer pauses the clock: deadlines move by the business time paused.
    desk.tick(30);
    let r = desk
        .officer
        .wait_on_customer(r.id, r.version, "which invoice?")
        .await
        .unwrap();
    assert_eq!(r.due_at(), None);
    let before = r.sla.resolution_due;
    desk.tick(60 * 24);
    let back = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "sla-2",
            email_from("c@example.com"),
            "invoice 42",
        ))
        .await
        .unwrap();
    assert_eq!(back.request.id, r.id);
    assert_eq!(back.request.status, RequestStatus::InProgress);
    let paused = Duration::seconds(back.request.sla.paused_seconds);
    assert!(paused > Duration::hours(4), "{paused}");
    assert_eq!(
        cal.business_time_between(before, back.request.sla.resolution_due),
        paused
    );

    // A new urgent request breaches after an hour: flagged and notified once.
    let rules_admin = &desk.admin;
    rules_admin
        .create_routing_rule(
            "urgent",
            1,
            RoutingConditions {
                keywords: vec!["urgent".into()],
                ..Default::default()
            },
            RoutingActions {
                priority: Some(Priority::Urgent),
                holder: desk.agent.principal().staff_id(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let u = intake
        .intake(InboundMessage::new(
            Channel::Sms,
            "sla-3",
            phone_from("09121110000"),
            "URGENT please",
        ))
        .await
        .unwrap()
        .request;
    let system = desk.crm.system_session(ws, "sla-watch").await.unwrap();
    assert_eq!(
        system.check_service_levels().await.unwrap(),
        Default::default()
    );
    desk.clock
        .set(u.sla.first_response_due - Duration::minutes(30));
    let warned = system.check_service_levels().await.unwrap();
    assert_eq!((warned.warned, warned.breached), (1, 0));
    desk.clock
        .set(u.sla.first_response_due + Duration::minutes(1));
    assert_eq!(system.check_service_levels().await.unwrap().breached, 1);
    assert_eq!(
        system.check_service_levels().await.unwrap().breached,
        0,
        "only once"
    );
    let u = desk.officer.request(u.id).await.unwrap();
    assert!(u.sla.response_breached);
    let overdue = desk.officer.overdue(&PageRequest::first(10)).await.unwrap();
    let summary: Vec<_> = overdue
        .items
        .iter()
        .map(|r| (r.number, r.priority, r.sort_due()))
        .collect();
    assert_eq!(
        overdue.items.first().map(|r| r.id),
        Some(u.id),
        "urgent first: {summary:?} u={} {:?}",
        u.number,
        u.priority
    );
    let notes = store
        .list_outbox(
            ws,
            crm_core::outbox::OutboxStatus::Pending,
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    let to_agent = crm_core::outbox::Recipient::Staff {
        staff: desk.agent.principal().staff_id().unwrap(),
    };
    let events: Vec<_> = notes
        .items
        .iter()
        .filter(|m| m.notification.recipient == to_agent)
        .map(|m| m.notification.event.as_str())
        .collect();
    assert_eq!(
        events,
        [
            "request.assigned",
            "request.sla_warning",
            "request.sla_breached"
        ]
    );
}

/// Cartable views sort by priority, then due time, and page without gaps or repeats.
pub async fn cartable_views_sort_and_page(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    let agent = desk.agent.principal().staff_id().unwrap();
    for (word, priority) in [
        ("low", Priority::Low),
        ("high", Priority::High),
        ("urgent", Priority::Urgent),
    ] {
        desk.admin
            .create_routing_rule(
                word,
                1,
                RoutingConditions {
                    keywords: vec![word.into()],
                    ..Default::default()
                },
                RoutingActions {
                    priority: Some(priority),
                    holder: Some(agent),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let words = [
        "low", "high", "urgent", "normal", "high", "low", "urgent", "normal", "high",
    ];
    for (i, w) in words.iter().enumerate() {
        desk.tick(7);
        let holder_rule = if *w == "normal" {
            "low".to_owned()
        } else {
            (*w).to_owned()
        };
        let body = if *w == "normal" {
            format!("{holder_rule} but normal")
        } else {
            holder_rule
        };
        intake
            .intake(InboundMessage::new(
                Channel::Email,
                &format!("v-{i}"),
                email_from(&format!("v{i}@example.com")),
                &body,
            ))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut page = PageRequest::first(2);
    loop {
        let got = desk.agent.my_cartable(&page).await.unwrap();
        seen.extend(got.items);
        match got.next {
            Some(next) => page = PageRequest::after(next, 2),
            None => break,
        }
    }
    assert_eq!(seen.len(), words.len());
    let keys: Vec<_> = seen
        .iter()
        .map(|r| (r.priority.rank(), r.sort_due(), r.id))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(seen[0].priority, Priority::Urgent);
    // Agents see only their own views; followers see followed requests.
    assert_unauthorized(
        desk.agent
            .cartable(
                &RequestView::Holder(Holder::Officers),
                &PageRequest::first(5),
            )
            .await,
    );
    let r = &seen[0];
    let officer = desk.officer.principal().staff_id().unwrap();
    desk.officer
        .follow(r.id, r.version, officer, true)
        .await
        .unwrap();
    let followed = desk
        .officer
        .followed_by_me(&PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(
        followed.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![r.id]
    );
    assert_unauthorized(
        desk.agent2
            .follow(r.id, r.version + 1, officer, false)
            .await,
    );
}

/// Concurrent intake from one new sender ends with one customer; the same message delivered
/// concurrently is one request.
pub async fn concurrent_intake_is_idempotent(store: &Arc<dyn Store>) {
    let desk = Arc::new(Desk::open(store, "Acme").await);
    let ws = desk.workspace.id;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let intake = desk.crm.system_session(ws, "channels").await.unwrap();
            let mut outcomes = Vec::new();
            for i in 0..5 {
                let same = InboundMessage::new(
                    Channel::Email,
                    "same-message",
                    email_from("new@example.com"),
                    "once",
                );
                outcomes.push(intake.intake(same).await.unwrap());
                let own = InboundMessage::new(
                    Channel::Sms,
                    &format!("t{t}-{i}"),
                    phone_from("09120001122"),
                    "many",
                )
                .thread(&format!("t{t}-{i}"));
                outcomes.push(intake.intake(own).await.unwrap());
            }
            outcomes
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.extend(t.await.unwrap());
    }
    let customers = super::all_customers(&desk.officer).await;
    assert_eq!(customers.len(), 2, "one per sender");
    let same: std::collections::BTreeSet<_> = outcomes
        .iter()
        .filter(|o| o.request.message_keys.contains("msg:email:same-message"))
        .map(|o| o.request.id)
        .collect();
    assert_eq!(same.len(), 1);
    let numbers: std::collections::BTreeSet<_> =
        outcomes.iter().map(|o| o.request.number).collect();
    assert_eq!(
        numbers.len(),
        41,
        "40 threads and one email, numbered without repeats"
    );
    assert_eq!(numbers.iter().max(), Some(&41));
}

/// An administrator can open a cartable and work any request; a request is referred only
/// to someone who can work it (an inactive staff member is refused); a refusal names the
/// person and the action in words.
pub async fn admins_work_any_request(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Admins work").await;
    let intake = desk
        .crm
        .system_session(desk.workspace.id, "channels")
        .await
        .unwrap();
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "adm-1",
            email_from("a@example.com"),
            "help",
        ))
        .await
        .unwrap();
    let r = out.request;
    let admin_id = desk.admin.principal().staff_id().unwrap();
    // The administrator sees the officers' cartable, takes the request from it, refers it.
    let officers = desk
        .admin
        .cartable(
            &RequestView::Holder(Holder::Officers),
            &PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(officers.items.iter().any(|x| x.id == r.id));
    let r = desk.admin.take(r.id, r.version).await.unwrap();
    assert_eq!(r.holder, Holder::Staff(admin_id));
    let mine = desk
        .admin
        .my_cartable(&PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        mine.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![r.id]
    );
    let agent = desk.agent.principal().staff_id().unwrap();
    let r = desk
        .admin
        .refer(r.id, r.version, Holder::Staff(agent), "yours")
        .await
        .unwrap();
    // Referred to the administrator, the request is not stranded: they work it.
    let r = desk
        .agent
        .refer(r.id, r.version, Holder::Staff(admin_id), "back to you")
        .await
        .unwrap();
    let r = desk.admin.resolve(r.id, r.version, "done").await.unwrap();
    assert_eq!(r.status, RequestStatus::Resolved);

    // An inactive staff member cannot work requests: a referral to them is refused.
    let out = intake
        .intake(InboundMessage::new(
            Channel::Email,
            "adm-2",
            email_from("b@example.com"),
            "help again",
        ))
        .await
        .unwrap();
    let crm_core::access::Principal::Staff(agent2) = desk.agent2.principal().clone() else {
        panic!("agent2 is staff");
    };
    desk.admin
        .update_staff(
            agent2.id,
            agent2.version,
            crm_core::service::StaffChanges {
                active: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = out.request;
    assert_invalid(
        desk.officer
            .refer(r.id, r.version, Holder::Staff(agent2.id), "x")
            .await,
        Some("to"),
    );
    assert_eq!(desk.officer.request(r.id).await.unwrap(), r);

    // Refusals say who and what, in words.
    match desk.agent.create_department("X", None).await {
        Err(Error::Unauthorized { reason, .. }) => {
            assert!(reason.contains("Agent Amini (agent)"), "{reason}");
            assert!(reason.contains("manage staff and departments"), "{reason}");
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

//! The data set of the PostgreSQL compatibility fixtures: a workspace with staff, a
//! department, a routing rule, three customers (contact points, tags, custom fields,
//! occasions, consent), interactions and requests at several steps of the cartable.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm_core::channel::{Channel, SocialNetwork};
use crm_core::clock::ManualClock;
use crm_core::customer::{
    ContactKind, FieldValue, LifecycleStage, Occasion, OccasionCalendar, OccasionKind, Party,
};
use crm_core::id::IdGenerator;
use crm_core::interaction::Direction;
use crm_core::request::{Holder, Priority, RoutingActions, RoutingConditions};
use crm_core::service::{InboundMessage, NewCustomer, NewInteraction, NewStaff, Sender};
use crm_core::staff::Role;
use crm_core::store::Store;
use crm_core::{Crm, id::WorkspaceId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// When the fixture's clock starts.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 21, 8, 30, 0).unwrap()
}

/// Writes the data set into `store`; returns the workspace and the administrator's id.
pub async fn write(store: Arc<dyn Store>) -> (WorkspaceId, uuid::Uuid) {
    let clock = Arc::new(ManualClock::new(t0()));
    let crm = Crm::new(store)
        .with_clock(clock.clone())
        .with_ids(IdGenerator::seeded(1));
    let (ws, admin) = crm
        .create_workspace(
            "Pars Trading",
            "IR",
            NewStaff::new("Sara Admin", Role::Admin),
        )
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let reza = s
        .create_staff(NewStaff::new("رضا کریمی", Role::Agent).email("Reza@Pars.example"))
        .await
        .unwrap();
    let officer = s
        .create_staff(NewStaff::new("Nava Officer", Role::Officer).email("nava@pars.example"))
        .await
        .unwrap();
    let sales = s.create_department("فروش", Some(admin.id)).await.unwrap();
    s.create_routing_rule(
        "orders to sales",
        1,
        RoutingConditions {
            keywords: vec!["سفارش".into()],
            ..Default::default()
        },
        RoutingActions {
            priority: Some(Priority::High),
            department: Some(sales.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let mut ali = NewCustomer::person("علي", "رضايي")
        .contact(ContactKind::Email, "Ali.Rezaei@Example.com")
        .contact(ContactKind::Mobile, "۰۹۱۲ ۱۲۳ ۴۵۶۷")
        .contact(ContactKind::Social(SocialNetwork::Telegram), "@ali_rz")
        .contact(ContactKind::PostalAddress, "تهران، خیابان ولیعصر")
        .tag("VIP")
        .tag("تهران")
        .stage(LifecycleStage::Loyal);
    ali.owner = Some(reza.id);
    ali.fields = BTreeMap::from([
        (
            "credit".to_owned(),
            FieldValue::Decimal("1500000".parse().unwrap()),
        ),
        ("newsletter".to_owned(), FieldValue::Bool(true)),
        (
            "national_code".to_owned(),
            FieldValue::Text("0012345678".into()),
        ),
        (
            "since".to_owned(),
            FieldValue::Date(NaiveDate::from_ymd_opt(2020, 3, 20).unwrap()),
        ),
        ("visits".to_owned(), FieldValue::Integer(42)),
    ]);
    ali.occasions = vec![
        Occasion {
            kind: OccasionKind::Birthday,
            calendar: OccasionCalendar::Jalali,
            month: 1,
            day: 1,
            year: Some(1370),
        },
        Occasion {
            kind: OccasionKind::Other("Nowruz gift".into()),
            calendar: OccasionCalendar::Gregorian,
            month: 3,
            day: 21,
            year: None,
        },
    ];
    ali.consent = vec![(Channel::Email, true), (Channel::Sms, false)];
    let ali = s.create_customer(ali).await.unwrap();

    clock.advance(chrono::Duration::minutes(5));
    let pars = s
        .create_customer(
            NewCustomer::organisation("Pars Co")
                .contact(ContactKind::Website, "https://www.pars.example/")
                .contact(ContactKind::Phone, "021 8888 0000")
                .stage(LifecycleStage::Customer),
        )
        .await
        .unwrap();
    let mut mina = NewCustomer::person("Mina", "Tehrani")
        .contact(ContactKind::Email, "mina@example.org")
        .tag("prospect");
    if let Party::Person { organisation, .. } = &mut mina.party {
        *organisation = Some(pars.id);
    }
    s.create_customer(mina).await.unwrap();

    let history = [
        (
            10,
            Channel::Email,
            Direction::Inbound,
            Some("سفارش"),
            "سلام، سفارش من کی می‌رسد؟",
        ),
        (
            20,
            Channel::PhoneCall,
            Direction::Outbound,
            None,
            "Called back: ships Monday.",
        ),
        (
            30,
            Channel::Social(SocialNetwork::Telegram),
            Direction::Inbound,
            None,
            "ممنون!",
        ),
    ];
    for (minutes, channel, direction, subject, body) in history {
        let new = NewInteraction::new(ali.id, channel, direction, body)
            .at(t0() + chrono::Duration::minutes(minutes));
        let new = match subject {
            Some(subject) => new.subject(subject),
            None => new,
        };
        s.record_interaction(new).await.unwrap();
    }

    // Requests: one routed to sales and taken to the end of the process, one waiting in the
    // officers' cartable, one from a new sender (a lead).
    clock.advance(chrono::Duration::hours(1));
    let intake = crm.system_session(ws.id, "email").await.unwrap();
    let sender = Sender {
        email: Some("ali.rezaei@example.com".into()),
        ..Default::default()
    };
    let order = intake
        .intake(
            InboundMessage::new(
                Channel::Email,
                "<m1@example.com>",
                sender.clone(),
                "سفارش ۱۲ کجاست؟",
            )
            .subject("سفارش ۱۲")
            .thread("<m1@example.com>"),
        )
        .await
        .unwrap()
        .request;
    let officer_s = crm.session(ws.id, officer.id).await.unwrap();
    let order = officer_s
        .refer(
            order.id,
            order.version,
            Holder::Staff(reza.id),
            "لطفا پیگیری کنید",
        )
        .await
        .unwrap();
    let reza_s = crm.session(ws.id, reza.id).await.unwrap();
    let order = reza_s.take(order.id, order.version).await.unwrap();
    clock.advance(chrono::Duration::minutes(40));
    let order = reza_s
        .resolve(order.id, order.version, "ارسال شد، فردا می‌رسد.")
        .await
        .unwrap();
    let order = officer_s
        .approve(order.id, order.version, "ok")
        .await
        .unwrap();
    let order = officer_s
        .reply(order.id, order.version, None)
        .await
        .unwrap();
    intake
        .rate(order.id, order.version, 5, Some("عالی"))
        .await
        .unwrap();

    clock.advance(chrono::Duration::minutes(10));
    intake
        .intake(InboundMessage::new(
            Channel::Sms,
            "sms-77",
            Sender {
                phone: Some("+98 912 123 4567".into()),
                ..Default::default()
            },
            "Is the invoice ready?",
        ))
        .await
        .unwrap();
    intake
        .intake(
            InboundMessage::new(
                Channel::Email,
                "<m2@example.net>",
                Sender {
                    email: Some("new.person@example.net".into()),
                    name: Some("New Person".into()),
                    ..Default::default()
                },
                "Do you ship to Shiraz?",
            )
            .subject("Shipping"),
        )
        .await
        .unwrap();
    (ws.id, admin.id.0)
}

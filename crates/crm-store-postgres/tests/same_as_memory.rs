//! The same script of service calls on the memory store (the reference) and on PostgreSQL, with
//! the same clock and ids: every result, page boundary and cursor must be identical.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use crm_core::channel::Channel;
use crm_core::channel::SocialNetwork;
use crm_core::clock::{Clock, ManualClock};
use crm_core::customer::CustomerFilter;
use crm_core::customer::{
    ContactKind, FieldValue, LifecycleStage, Occasion, OccasionCalendar, OccasionKind,
};
use crm_core::id::{CustomerId, IdGenerator, OutboxId};
use crm_core::interaction::{Attachment, Direction};
use crm_core::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crm_core::record::RecordKind;
use crm_core::record::RecordRef;
use crm_core::service::{CustomerChanges, NewCustomer, NewInteraction, NewStaff};
use crm_core::staff::Role;
use crm_core::store::{Commit, PageRequest, Store, StoreExt};
use crm_core::{Crm, Result};
use crm_store_memory::MemoryStore;
use crm_store_postgres::TestSchema;
use std::sync::Arc;

const NAMES: [&str; 10] = [
    "علی رضایی",
    "علیرضا کریمی",
    "Ali Rezaei",
    "Alireza Karimi",
    "سارا محمدی",
    "Sara Mohammadi",
    "Reza Alavi",
    "رضا علوی",
    "Ahmad",
    "علي (Ali) Ahmadi-Rezaei",
];
const TAGS: [&str; 3] = ["vip", "gold", "نقره"];

/// Records every result of `$call` (a page walk) under `$label`.
macro_rules! walk {
    ($log:expr, $label:expr, $size:expr, |$page:ident| $call:expr) => {{
        let mut $page = PageRequest::first($size);
        for _ in 0..500 {
            let result: Result<_> = $call;
            match result {
                Ok(p) => {
                    let next = p.next.clone();
                    $log.push(format!(
                        "{} /{}: {:?} next={:?}",
                        $label, $size, p.items, p.next
                    ));
                    match next {
                        Some(c) => $page = PageRequest::after(c, $size),
                        None => break,
                    }
                }
                Err(e) => {
                    $log.push(format!("{} /{}: error {e}", $label, $size));
                    break;
                }
            }
        }
    }};
}

fn outcome<T: std::fmt::Debug>(r: &Result<T>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("error {e}"),
    }
}

async fn script(store: Arc<dyn Store>) -> Vec<String> {
    let mut log = Vec::new();
    let start = Utc.with_ymd_and_hms(2026, 3, 21, 8, 0, 0).single().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let crm = Crm::new(store.clone())
        .with_clock(clock.clone())
        .with_ids(IdGenerator::seeded(1405));
    let (ws, admin) = crm
        .create_workspace(
            "Acme",
            "IR",
            NewStaff::new("Admin", Role::Admin).email("admin@x.com"),
        )
        .await
        .unwrap();
    let s = crm.session(ws.id, admin.id).await.unwrap();
    let agent = s
        .create_staff(NewStaff::new("Agent", Role::Agent).email("agent@x.com"))
        .await
        .unwrap();
    log.push(outcome(
        &s.create_staff(NewStaff::new("Dup", Role::Agent).email("agent@x.com"))
            .await,
    ));
    log.push(outcome(&s.create_department("Sales", None).await));

    let mut ids: Vec<CustomerId> = Vec::new();
    for i in 0..36 {
        let name = NAMES[i % NAMES.len()];
        let mut new = if i % 11 == 10 {
            NewCustomer::organisation(name)
        } else {
            let (given, family) = name.split_once(' ').unwrap_or((name, ""));
            NewCustomer::person(given, family)
        };
        new = new
            .stage(LifecycleStage::ALL[i % 4])
            .contact(ContactKind::Email, &format!("c{}@x.com", i % 28));
        if i % 3 == 0 {
            new.owner = Some(agent.id);
        }
        for (t, tag) in TAGS.iter().enumerate() {
            if (i >> t) & 1 == 1 {
                new = new.tag(tag);
            }
        }
        let created = s.create_customer(new).await;
        log.push(format!("create {i}: {}", outcome(&created)));
        if let Ok(c) = created {
            ids.push(c.id);
        }
        if i % 3 == 2 {
            clock.advance(Duration::minutes(1));
        }
    }
    // Changes, a stale one among them.
    for (n, id) in ids.iter().enumerate().step_by(4) {
        let changes = CustomerChanges {
            add_tags: vec!["vip".into()],
            stage: Some(LifecycleStage::Loyal),
            ..CustomerChanges::default()
        };
        log.push(format!(
            "update {n}: {}",
            outcome(&s.update_customer(*id, None, changes).await)
        ));
    }
    let stale = s
        .update_customer(ids[0], Some(1), CustomerChanges::default())
        .await;
    log.push(format!("stale update: {}", outcome(&stale)));
    // A merge and a delete.
    let a = s.customer(ids[1]).await.unwrap();
    let b = s.customer(ids[13]).await.unwrap();
    log.push(format!(
        "merge: {}",
        outcome(&s.merge_customers(a.id, a.version, b.id, b.version).await)
    ));
    let d = s.customer(ids[5]).await.unwrap();
    log.push(format!(
        "delete: {}",
        outcome(&s.delete_customer(d.id, d.version).await)
    ));

    // Custom fields, occasions and consent round-trip through jsonb.
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(
        "credit".to_owned(),
        FieldValue::Decimal("1250.50".parse().unwrap()),
    );
    fields.insert("since".to_owned(), FieldValue::Date(start.date_naive()));
    fields.insert(
        "seen".to_owned(),
        FieldValue::Timestamp(start + Duration::microseconds(7)),
    );
    fields.insert(
        "note".to_owned(),
        FieldValue::Text("خوش‌حساب \"quoted\"".into()),
    );
    fields.insert("visits".to_owned(), FieldValue::Integer(i64::MAX));
    fields.insert("active".to_owned(), FieldValue::Bool(true));
    let changes = CustomerChanges {
        set_fields: fields,
        occasions: Some(vec![Occasion {
            kind: OccasionKind::Birthday,
            calendar: OccasionCalendar::Jalali,
            month: 12,
            day: 30,
            year: Some(1370),
        }]),
        consent: vec![
            (Channel::Sms, true),
            (Channel::Social(SocialNetwork::Telegram), false),
        ],
        ..CustomerChanges::default()
    };
    log.push(format!(
        "fields: {}",
        outcome(&s.update_customer(ids[3], None, changes).await)
    ));

    // Outbox messages written directly: ties on the due time, every status.
    let mut commit = Commit::new();
    for n in 0..9u32 {
        let id = OutboxId(uuid::Uuid::from_u128(u128::from(9 - n) << 64));
        let mut notification = Notification::new(
            Recipient::Customer {
                customer: ids[0],
                channel: Channel::Email,
                address: "c0@x.com".into(),
            },
            "customer.greeted",
            format!("s{n}"),
            "سلام".into(),
        );
        notification.record = Some(RecordRef {
            kind: RecordKind::CUSTOMER,
            id: ids[0].0,
        });
        let mut message = OutboxMessage::queued(id, start, notification);
        message.status = OutboxStatus::ALL[n as usize % OutboxStatus::ALL.len()];
        message.attempts = n;
        message.next_attempt_at = start + Duration::minutes(i64::from(n % 2));
        message.last_error = (n % 2 == 1).then(|| "smtp down".to_owned());
        message.delivered_at = (message.status == OutboxStatus::Delivered).then_some(start);
        message.awaiting_report = message.status == OutboxStatus::Sent;
        commit.put(message);
    }
    log.push(format!(
        "outbox: {}",
        outcome(&store.commit(ws.id, commit).await)
    ));

    // Interactions with ties on time (the id decides).
    for (k, id) in [ids[0], ids[2]].into_iter().enumerate() {
        for j in 0..13 {
            let at = start + Duration::minutes(i64::from(j % 4));
            let mut new =
                NewInteraction::new(id, Channel::Email, Direction::Inbound, &format!("m{k}-{j}"))
                    .at(at)
                    .subject("hello");
            if j == 3 {
                new.external_id = Some("<m3@x.com>".into());
                new.attachments = vec![Attachment {
                    name: "قرارداد.pdf".into(),
                    media_type: "application/pdf".into(),
                    size: u64::MAX,
                }];
            }
            log.push(format!(
                "interaction: {}",
                outcome(&s.record_interaction(new).await)
            ));
        }
    }

    // Reads.
    for id in &ids {
        log.push(format!("get: {}", outcome(&s.customer(*id).await)));
    }
    for i in 0..30 {
        log.push(format!(
            "by contact {i}: {}",
            outcome(
                &s.find_by_contact(ContactKind::Email, &format!("c{i}@x.com"))
                    .await
            )
        ));
    }
    for query in [
        "ali",
        "علی",
        "ali rez",
        "علیر",
        "sara",
        "رضا",
        "a",
        "r",
        "zzz",
        "رض عل",
        "ahmadi-rez",
    ] {
        for size in [1, 2, 5, 100] {
            walk!(log, format!("search {query}"), size, |page| s
                .search_customers(query, &page)
                .await);
        }
    }
    let filters = [
        CustomerFilter::default(),
        CustomerFilter {
            stage: Some(LifecycleStage::Lead),
            ..CustomerFilter::default()
        },
        CustomerFilter {
            stage: Some(LifecycleStage::Loyal),
            ..CustomerFilter::default()
        },
        CustomerFilter {
            owner: Some(agent.id),
            ..CustomerFilter::default()
        },
        CustomerFilter {
            tag: Some("vip".into()),
            ..CustomerFilter::default()
        },
        CustomerFilter {
            tag: Some("نقره".into()),
            stage: Some(LifecycleStage::Qualified),
            ..CustomerFilter::default()
        },
        CustomerFilter {
            owner: Some(agent.id),
            stage: Some(LifecycleStage::Loyal),
            tag: None,
        },
        CustomerFilter {
            owner: Some(agent.id),
            tag: Some("gold".into()),
            stage: None,
        },
    ];
    for filter in &filters {
        for size in [1, 3, 100] {
            walk!(log, format!("list {filter:?}"), size, |page| s
                .list_customers(filter, &page)
                .await);
        }
    }
    for id in [ids[0], ids[2], ids[3]] {
        for size in [1, 4, 100] {
            walk!(log, format!("interactions {id}"), size, |page| store
                .interactions(ws.id, id, &page)
                .await);
        }
    }
    for size in [1, 100] {
        walk!(log, "staff", size, |page| store
            .list_staff(ws.id, &page)
            .await);
        walk!(log, "departments", size, |page| store
            .list_departments(ws.id, &page)
            .await);
        walk!(log, "audit", size, |page| store
            .audit(ws.id, None, &page)
            .await);
        walk!(log, "audit of one", size, |page| store
            .audit(ws.id, Some(ids[0].0), &page)
            .await);
        for status in OutboxStatus::ALL {
            walk!(log, format!("outbox {status:?}"), size, |page| store
                .list_outbox(ws.id, status, &page)
                .await);
        }
    }
    for limit in [0, 1, 2, 100] {
        let due = store.outbox_due(ws.id, start, limit).await;
        log.push(format!("due {limit}: {}", outcome(&due)));
    }
    let due = store.outbox_due(ws.id, clock.now(), 100).await;
    log.push(format!("due: {}", outcome(&due)));
    let reports = crm_core::outbox::reports_due(&*store, ws.id, clock.now(), 100).await;
    log.push(format!("reports due: {}", outcome(&reports)));
    let about = crm_core::outbox::about(&*store, ws.id, ids[0].0, &PageRequest::first(100)).await;
    log.push(format!("about: {}", outcome(&about.map(|p| p.items))));
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_gives_the_memory_store_results() {
    let Some(url) = common::database_url() else {
        return;
    };
    let reference = script(Arc::new(MemoryStore::new())).await;
    let (store, _schema) = TestSchema::create(&url).await.unwrap();
    let under_test = script(Arc::new(store)).await;
    assert_eq!(
        reference.len(),
        under_test.len(),
        "different number of results"
    );
    for (want, got) in reference.iter().zip(&under_test) {
        assert_eq!(want, got);
    }
    assert!(reference.len() > 300);
    if let Ok(path) = std::env::var("CRM_DUMP_SCRIPT") {
        std::fs::write(path, reference.join("\n")).unwrap();
    }
}

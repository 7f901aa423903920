//! The cartable on the memory store (the reference) and on PostgreSQL, with the same clock and
//! ids: every request view, page boundary, cursor, key look-up and conflict must be identical.
//!
//! Requests are written both through the services (intake, referral, review) and directly as
//! commits, so that ties on priority, due time and creation time (decided by id), every status,
//! paused clocks (no deadline), possible duplicates and followers are all covered.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use crm_core::Result;
use crm_core::calendar::WorkCalendar;
use crm_core::channel::Channel;
use crm_core::counter::Counter;
use crm_core::customer::Customer;
use crm_core::id::{CustomerId, DepartmentId, RequestId, StaffId};
use crm_core::record::RecordKind;
use crm_core::request::{
    Assignment, Holder, Priority, Referral, Request, RequestStatus, RequestView, RoutingActions,
    RoutingConditions, ServiceLevel, SlaPolicy, SupportLine,
};
use crm_core::service::{InboundMessage, Sender};
use crm_core::store::{Commit, Cursor, PageRequest, Store, StoreExt};
use crm_core::workspace::Workspace;
use crm_store_memory::MemoryStore;
use crm_store_postgres::TestSchema;
use crm_testkit::support::{Desk, start_time};
use std::sync::Arc;
use uuid::Uuid;

fn outcome<T: std::fmt::Debug>(r: &Result<T>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("error {e}"),
    }
}

/// Walks every page of `view` with pages of `size`, logging items (by number and id) and
/// cursors.
async fn walk(log: &mut Vec<String>, store: &Arc<dyn Store>, ws: Uuid, view: &RequestView) {
    for size in [1, 2, 3, 7, 1000] {
        let mut page = PageRequest::first(size);
        for _ in 0..200 {
            match store
                .requests(crm_core::id::WorkspaceId(ws), view, &page)
                .await
            {
                Ok(p) => {
                    let items: Vec<_> = p.items.iter().map(|r| (r.number, r.id.0)).collect();
                    log.push(format!("{view:?} /{size}: {items:?} next={:?}", p.next));
                    match p.next {
                        Some(c) => page = PageRequest::after(c, size),
                        None => break,
                    }
                }
                Err(e) => {
                    log.push(format!("{view:?} /{size}: error {e}"));
                    break;
                }
            }
        }
    }
}

struct People {
    a: StaffId,
    b: StaffId,
    c: StaffId,
    dept: DepartmentId,
    c1: CustomerId,
    c2: CustomerId,
}

/// A request made directly (not through the services), varied by `i`.
fn synthetic(i: u64, p: &People) -> Request {
    let start = start_time();
    let priority = Priority::ALL[(i % 4) as usize];
    let status = RequestStatus::ALL[((i * 7) % 10) as usize];
    let mut sla = ServiceLevel::start(&SlaPolicy::default(), priority, start).unwrap();
    // Ties on the due time: five distinct deadlines.
    sla.first_response_due = start + Duration::hours((i % 5) as i64);
    sla.resolution_due = start + Duration::hours(10 + (i % 3) as i64);
    match i % 9 {
        0 => sla.paused_since = Some(start),
        1 => sla.first_response_at = Some(start + Duration::minutes(1)),
        2 => sla.resolved_at = Some(start + Duration::minutes(2)),
        _ => {}
    }
    let holder = match i % 4 {
        0 => Holder::Officers,
        1 => Holder::Department(p.dept),
        2 => Holder::Staff(p.a),
        _ => Holder::Staff(p.b),
    };
    let (customer, candidates) = match i % 5 {
        0 => (Some(p.c1), vec![]),
        1 => (Some(p.c2), vec![]),
        2 => (None, vec![p.c1, p.c2]),
        3 => (None, vec![]),
        _ => (Some(p.c1), vec![p.c2]),
    };
    let followers = [p.a, p.b, p.c]
        .into_iter()
        .enumerate()
        .filter(|(k, _)| (i >> k) & 1 == 1)
        .map(|(_, s)| s)
        .collect();
    // Ids not in creation order, so that ties are decided by id.
    let id = RequestId(Uuid::from_u128(
        (u128::from((i * 37) % 64) << 96) | u128::from(i),
    ));
    let created = start + Duration::minutes((i % 7) as i64);
    let channel = if i.is_multiple_of(2) {
        Channel::Email
    } else {
        Channel::Sms
    };
    let mut r = Request::new(id, 1000 + i, channel, &format!("درخواست {i}"), sla, created);
    r.customer = customer;
    r.candidates = candidates;
    r.thread = i.is_multiple_of(3).then(|| format!("th-{i}"));
    r.category = (i % 2 == 1).then(|| "billing".to_owned());
    r.priority = priority;
    r.line = if i.is_multiple_of(2) {
        SupportLine::First
    } else {
        SupportLine::Second
    };
    r.status = status;
    r.holder = holder;
    r.department = (i % 4 == 1).then_some(p.dept);
    r.officer = match i % 3 {
        0 => None,
        1 => Some(p.a),
        _ => Some(p.b),
    };
    r.followers = followers;
    r.referrals = if i % 4 == 3 {
        vec![Referral {
            from: Holder::Officers,
            to: holder,
            note: "لطفا بررسی شود".into(),
            by: crm_core::audit::Actor::Staff(p.c),
            at: created,
            ping_pong: false,
        }]
    } else {
        vec![]
    };
    r.escalated = i.is_multiple_of(11);
    r.message_keys = [format!("msg:sms:syn-{i}")].into_iter().collect();
    r.reopened = (i % 2) as u32;
    r
}

async fn script(store: Arc<dyn Store>) -> Vec<String> {
    let mut log = Vec::new();
    let desk = Desk::open(&store, "Cartable").await;
    let ws = desk.workspace.id;
    let start = start_time();
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    let staff = |s: &crm_core::Session| s.principal().staff_id().unwrap();
    let (a, b, c) = (
        staff(&desk.agent),
        staff(&desk.agent2),
        staff(&desk.officer),
    );

    // Settings, departments and routing rules round-trip.
    let mut settings = desk.admin.settings().await.unwrap();
    settings.sla = SlaPolicy::with_calendar(
        WorkCalendar::iran().with_holidays([chrono::NaiveDate::from_ymd_opt(2026, 3, 22).unwrap()]),
    );
    settings.max_hops = 3;
    settings.intake_window_minutes = 90;
    log.push(outcome(&desk.admin.update_settings(settings).await));
    let dept = desk
        .admin
        .create_department("پشتیبانی", None)
        .await
        .unwrap();
    log.push(outcome(
        &desk
            .admin
            .set_department_assignment(dept.id, dept.version, Assignment::RoundRobin)
            .await,
    ));
    for (n, word) in ["فوری", "urgent", "refund"].iter().enumerate() {
        let rule = desk
            .admin
            .create_routing_rule(
                word,
                u32::try_from(3 - n).unwrap(),
                RoutingConditions {
                    keywords: vec![(*word).into()],
                    channels: vec![Channel::Email],
                    ..Default::default()
                },
                RoutingActions {
                    priority: Some(Priority::Urgent),
                    holder: (n == 1).then_some(a),
                    department: (n == 2).then_some(dept.id),
                    ..Default::default()
                },
            )
            .await;
        log.push(format!("rule: {}", outcome(&rule)));
    }

    // Requests through intake: known and new senders, threads, a duplicate delivery.
    for i in 0..12 {
        if i % 3 != 0 {
            desk.tick(5);
        }
        let sender = Sender {
            email: Some(format!("s{}@example.com", i % 4)),
            ..Default::default()
        };
        let body = ["فوری لطفا", "urgent please", "refund now", "hello"][i % 4];
        let m = InboundMessage::new(Channel::Email, &format!("in-{}", i % 10), sender, body)
            .thread(&format!("t-{}", i % 6));
        let got = intake.intake(m).await.map(|o| o.request);
        log.push(format!("intake {i}: {}", outcome(&got)));
    }
    let officers = desk
        .officer
        .cartable(
            &RequestView::Holder(Holder::Officers),
            &PageRequest::first(100),
        )
        .await
        .unwrap();
    for (k, r) in officers.items.iter().enumerate() {
        let to = if k % 2 == 0 {
            Holder::Staff(a)
        } else {
            Holder::Department(dept.id)
        };
        log.push(format!(
            "refer: {}",
            outcome(&desk.officer.refer(r.id, r.version, to, "note").await)
        ));
    }
    let mine = desk
        .agent
        .my_cartable(&PageRequest::first(100))
        .await
        .unwrap();
    for r in mine.items.iter().take(3) {
        let resolved = desk.agent.resolve(r.id, r.version, "پاسخ").await;
        log.push(format!("resolve: {}", outcome(&resolved)));
    }

    // Synthetic requests: ties, every status, duplicates, followers, paused clocks.
    let customers = desk
        .officer
        .list_customers(&Default::default(), &PageRequest::first(10))
        .await
        .unwrap();
    let people = People {
        a,
        b,
        c,
        dept: dept.id,
        c1: customers.items[0].id,
        c2: customers.items[1].id,
    };
    for chunk in (0..48u64).collect::<Vec<_>>().chunks(12) {
        let mut commit = Commit::new();
        for i in chunk {
            commit.put(synthetic(*i, &people));
        }
        log.push(format!("put: {}", outcome(&store.commit(ws, commit).await)));
    }
    // Changes: new priority, status, holder and followers; closing; deletions.
    for i in (0..48u64).step_by(5) {
        let mut r = synthetic(i, &people);
        r.version = 2;
        r.priority = Priority::ALL[((i + 1) % 4) as usize];
        r.status = if i % 10 == 0 {
            RequestStatus::Closed
        } else {
            RequestStatus::Resolved
        };
        r.followers.clear();
        if i % 3 == 0 {
            r.followers.insert(c);
        }
        r.holder = Holder::Staff(b);
        r.message_keys.insert(format!("msg:sms:extra-{i}"));
        r.thread = None;
        let mut commit = Commit::new();
        commit.put(r);
        log.push(format!(
            "change {i}: {}",
            outcome(&store.commit(ws, commit).await)
        ));
    }
    for i in [7u64, 8] {
        let r = synthetic(i, &people);
        let mut commit = Commit::new();
        commit.delete(RecordKind::REQUEST, r.id.0, 1);
        log.push(format!(
            "delete {i}: {}",
            outcome(&store.commit(ws, commit).await)
        ));
    }
    // Conflicts: a taken number, a taken message, a taken thread, several at once (the
    // smallest key is reported), a stale version; and a freed key taken again.
    for (n, taken) in [
        (1003u64, None),
        (5000, Some("msg:sms:syn-4")),
        (5001, Some("thread:sms:th-3")),
        (1005, Some("msg:sms:syn-6")),
        (1008, Some("msg:sms:syn-8")),
        (5002, Some("msg:sms:syn-7")),
    ] {
        let mut r = synthetic(100 + n, &people);
        r.number = n;
        if let Some(key) = taken {
            if let Some(thread) = key.strip_prefix("thread:sms:") {
                r.channel = Channel::Sms;
                r.thread = Some(thread.to_owned());
            } else {
                r.message_keys.insert(key.to_owned());
            }
        }
        let mut commit = Commit::new();
        commit.put(r);
        log.push(format!(
            "claim {n} {taken:?}: {}",
            outcome(&store.commit(ws, commit).await)
        ));
    }
    let mut stale = synthetic(1, &people);
    stale.version = 3;
    let mut commit = Commit::new();
    commit.put(stale);
    log.push(format!(
        "stale: {}",
        outcome(&store.commit(ws, commit).await)
    ));

    // A counter and a request in one commit: errors come in commit order.
    let counter_now = |store: Arc<dyn Store>| async move {
        store
            .fetch::<Counter>(ws, Counter::REQUEST_NUMBERS)
            .await
            .expect("the counter")
    };
    for (case, counter_ahead, number) in [
        ("stale counter, taken number", 5u64, 1003u64),
        ("counter, taken number", 1, 1003),
        ("counter, new request", 1, 7000),
        ("stale counter, new request", 9, 7001),
    ] {
        let c = counter_now(store.clone()).await;
        let mut r = synthetic(300 + number, &people);
        r.number = number;
        let mut commit = Commit::new();
        commit.put(Counter {
            id: c.id,
            version: c.version + counter_ahead,
            value: c.value + 1,
        });
        commit.put(r);
        if case.starts_with("stale counter, new") {
            commit.writes.reverse();
        }
        let got = store.commit(ws, commit).await;
        log.push(format!(
            "{case}: {} then {:?}",
            outcome(&got),
            counter_now(store.clone()).await
        ));
    }

    // A new customer and its audit entry: a taken audit id and a taken customer id fail in
    // commit order, and nothing is applied.
    let taken_audit = store
        .audit(ws, None, &PageRequest::first(1))
        .await
        .unwrap()
        .items[0]
        .clone();
    let known: Customer = store.fetch(ws, people.c1.0).await.unwrap();
    for (case, customer_id, audit_id) in [
        ("taken audit id", Uuid::from_u128(77), taken_audit.id),
        (
            "taken customer id",
            people.c1.0,
            crm_core::id::AuditId(Uuid::from_u128(78)),
        ),
        (
            "both new",
            Uuid::from_u128(79),
            crm_core::id::AuditId(Uuid::from_u128(80)),
        ),
    ] {
        let mut c = known.clone();
        c.id = CustomerId(customer_id);
        c.version = 1;
        c.contacts.clear();
        let mut audit = taken_audit.clone();
        audit.id = audit_id;
        let mut commit = Commit::new();
        commit.put(c).put(audit);
        log.push(format!(
            "{case}: {} then {}",
            outcome(&store.commit(ws, commit).await),
            outcome(
                &store
                    .load::<Customer>(ws, customer_id)
                    .await
                    .map(|c| c.map(|c| c.version))
            )
        ));
    }

    // Reads.
    let mut views = vec![
        RequestView::Holder(Holder::Officers),
        RequestView::Holder(Holder::Staff(a)),
        RequestView::Holder(Holder::Staff(b)),
        RequestView::Holder(Holder::Staff(c)),
        RequestView::Holder(Holder::Department(dept.id)),
        RequestView::AwaitingReview(a),
        RequestView::AwaitingReview(b),
        RequestView::AwaitingReview(c),
        RequestView::FollowedBy(a),
        RequestView::FollowedBy(b),
        RequestView::FollowedBy(c),
        RequestView::PossibleDuplicates,
        RequestView::Customer(people.c1),
        RequestView::Customer(people.c2),
        RequestView::Customer(CustomerId(Uuid::from_u128(5))),
    ];
    for now in [
        start,
        start + Duration::hours(2),
        start + Duration::hours(2) + Duration::nanoseconds(500),
        start + Duration::hours(30),
        DateTime::<Utc>::MAX_UTC,
    ] {
        views.push(RequestView::Overdue(now));
    }
    for (from, to) in [
        (start, start + Duration::minutes(3)),
        (start + Duration::minutes(1), start + Duration::minutes(6)),
        (
            start + Duration::minutes(2) + Duration::nanoseconds(1),
            start + Duration::hours(1),
        ),
        (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC),
        (start + Duration::hours(1), start),
    ] {
        views.push(RequestView::Created { from, to });
    }
    for view in &views {
        walk(&mut log, &store, ws.0, view).await;
    }
    // Cursors that are not this view's.
    for (view, cursor) in [
        (RequestView::PossibleDuplicates, "nonsense"),
        (
            RequestView::Holder(Holder::Officers),
            "9.0.00000000000000000000000000000000",
        ),
        (
            RequestView::Overdue(start),
            "2.1.00000000000000000000000000000000",
        ),
        (RequestView::Customer(people.c1), "1.2.3"),
        (
            RequestView::Created {
                from: start,
                to: start + Duration::hours(1),
            },
            "0.00000000000000000000000000000000",
        ),
    ] {
        let page = PageRequest::after(Cursor::from_string(cursor), 3);
        let got = store.requests(ws, &view, &page).await;
        let got = got.map(|p| (p.items.iter().map(|r| r.number).collect::<Vec<_>>(), p.next));
        log.push(format!("{view:?} after {cursor}: {}", outcome(&got)));
    }
    for n in 0..60u64 {
        for key in [
            format!("request-no:{n}"),
            format!("request-no:{}", 1000 + n),
            format!("msg:sms:syn-{n}"),
            format!("msg:sms:extra-{n}"),
            format!("msg:email:in-{n}"),
            format!("thread:email:t-{n}"),
            format!("thread:email:th-{n}"),
            format!("thread:sms:th-{n}"),
        ] {
            log.push(format!(
                "{key}: {}",
                outcome(&store.request_by_key(ws, &key).await)
            ));
        }
    }
    for i in 0..48u64 {
        let id = synthetic(i, &people).id.0;
        log.push(format!(
            "get {i}: {}",
            outcome(&store.load::<Request>(ws, id).await)
        ));
    }
    for size in [1, 2, 100] {
        let mut page = PageRequest::first(size);
        loop {
            let got = store.list_routing_rules(ws, &page).await.unwrap();
            log.push(format!(
                "rules /{size}: {:?} next={:?}",
                got.items, got.next
            ));
            match got.next {
                Some(c) => page = PageRequest::after(c, size),
                None => break,
            }
        }
    }
    log.push(format!(
        "counter: {}",
        outcome(&store.load::<Counter>(ws, Counter::REQUEST_NUMBERS).await)
    ));
    log.push(format!(
        "workspace: {}",
        outcome(&store.load::<Workspace>(ws, ws.0).await)
    ));
    log.push(format!(
        "departments: {}",
        outcome(&store.list_departments(ws, &PageRequest::first(10)).await)
    ));
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cartable_gives_the_memory_store_results() {
    let Some(url) = common::database_url() else {
        return;
    };
    let reference = script(Arc::new(MemoryStore::new())).await;
    let (store, _schema) = TestSchema::create(&url).await.unwrap();
    let under_test = script(Arc::new(store)).await;
    if let Ok(dir) = std::env::var("CRM_DUMP_SCRIPT") {
        std::fs::write(format!("{dir}/memory.log"), reference.join("\n")).unwrap();
        std::fs::write(format!("{dir}/postgres.log"), under_test.join("\n")).unwrap();
    }
    for (want, got) in reference.iter().zip(&under_test) {
        assert_eq!(want, got);
    }
    assert_eq!(
        reference.len(),
        under_test.len(),
        "different number of results"
    );
    assert!(reference.len() > 500);
    let conflicts = reference.iter().filter(|l| l.contains("conflict")).count();
    assert!(conflicts >= 5, "the conflicts were exercised: {conflicts}");
}

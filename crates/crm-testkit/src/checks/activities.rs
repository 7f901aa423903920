//! Activities on every store: tasks and their views, notifications of followers, recurring
//! tasks (one occurrence or the series), reminders exactly once, greetings on their dates
//! once a year, hand-over under concurrent work, the customer's timeline.

use super::{assert_invalid, assert_unauthorized, audit_count};
use crate::support::Desk;
use chrono::{Duration, NaiveDate, NaiveTime};
use crm_core::activity::{
    CUSTOMER_BY_OCCASION, Celebrant, Due, Frequency, OCCASION_SORT_LEN, OPEN_BY_DUE_SORT_LEN,
    OpenTask, Priority, Recurrence, TASK_OPEN_BY_DUE, Task, TaskKind, TaskLink, TaskStatus,
    calendar_rank,
};
use crm_core::calendar::JalaliDate;
use crm_core::channel::Channel;
use crm_core::clock::Clock;
use crm_core::customer::{
    ContactKind, Customer, CustomerFilter, Occasion, OccasionCalendar, OccasionKind, Party,
};
use crm_core::id::{CustomerId, StaffId, TaskId};
use crm_core::interaction::Direction;
use crm_core::outbox::{OutboxMessage, Purpose, Recipient};
use crm_core::record::{Key, read_summary};
use crm_core::service::{
    CustomerChanges, EditScope, NewCustomer, NewInteraction, NewTask, Successor, TaskChanges,
    TimelineItem,
};
use crm_core::store::{PageRequest, Scan, Store, StoreExt};
use crm_core::workspace::QuietHours;
use crm_core::{Error, Session};
use std::sync::Arc;

fn me(s: &Session) -> StaffId {
    s.principal().staff_id().unwrap()
}

fn today(desk: &Desk) -> NaiveDate {
    let tz = desk.workspace.settings.sla.calendar.tz;
    desk.clock.now().with_timezone(&tz).date_naive()
}

async fn messages(desk: &Desk, id: uuid::Uuid, event: &str) -> Vec<OutboxMessage> {
    desk.admin
        .deliveries(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.notification.event == event)
        .collect()
}

fn to_staff(m: &OutboxMessage) -> StaffId {
    match &m.notification.recipient {
        Recipient::Staff { staff } => *staff,
        other => panic!("not to staff: {other:?}"),
    }
}

/// Tasks: creating, the views (my open tasks by due date, today's and overdue in the
/// workspace's time zone, a customer's, the ones I follow), notifications of the assignee
/// and followers but not the actor, access, audit, and bad input changing nothing.
pub async fn tasks_views_notify_and_check_access(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Tasks").await;
    let agent = me(&desk.agent);
    let agent2 = me(&desk.agent2);
    let manager = me(&desk.manager);
    let customer = desk
        .officer
        .create_customer(NewCustomer::person("سارا", "کریمی"))
        .await
        .unwrap();
    let day = today(&desk);
    let new = |title: &str, due: Option<Due>| {
        let mut t = NewTask::new(TaskKind::Call, title);
        t.due = due;
        t.link = Some(TaskLink::Customer(customer.id));
        t
    };
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let overdue = desk
        .agent
        .create_task(new("overdue", Some(Due::on(day - Duration::days(2)))))
        .await
        .unwrap();
    let later_today = desk
        .agent
        .create_task(new("later today", Some(Due::at(day, nine))))
        .await
        .unwrap();
    let today_any = desk
        .agent
        .create_task(new("today", Some(Due::on(day))))
        .await
        .unwrap();
    let tomorrow = desk
        .agent
        .create_task(new("tomorrow", Some(Due::on(day + Duration::days(1)))))
        .await
        .unwrap();
    let mut followed = new("undated, followed", None);
    followed.followers.insert(agent2);
    followed.priority = Priority::High;
    let undated = desk.agent.create_task(followed).await.unwrap();
    // Someone else's task, assigned by the manager: the agent is told, the manager is not.
    let mut for_agent = NewTask::new(TaskKind::Meeting, "from the manager");
    for_agent.assignee = Some(agent);
    let assigned = desk.manager.create_task(for_agent).await.unwrap();
    let told = messages(&desk, assigned.id.0, "task.changed").await;
    assert_eq!(told.iter().map(to_staff).collect::<Vec<_>>(), vec![agent]);
    assert!(
        messages(&desk, overdue.id.0, "task.changed")
            .await
            .is_empty()
    );
    // The follower was told of the creation.
    let told = messages(&desk, undated.id.0, "task.changed").await;
    assert_eq!(told.iter().map(to_staff).collect::<Vec<_>>(), vec![agent2]);

    let page = PageRequest::first(50);
    let mine = desk.agent.open_tasks(agent, &page).await.unwrap();
    let titles: Vec<&str> = mine.items.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "overdue",
            "today",
            "later today",
            "tomorrow",
            "undated, followed",
            "from the manager"
        ],
        "by due date, those due on the date only first"
    );
    assert_eq!(mine.items.len(), 6);
    let now = desk.agent.tasks_today(Some(agent), 10).await.unwrap();
    assert_eq!(now.today, day);
    assert_eq!(
        now.overdue.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![overdue.id]
    );
    assert_eq!(
        now.due_today.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![today_any.id, later_today.id]
    );
    assert!(!now.more_overdue);
    let everyone = desk.manager.tasks_today(None, 10).await.unwrap();
    assert_eq!(everyone.due_today.len(), 2);
    assert_unauthorized(desk.agent.tasks_today(None, 10).await);
    assert_unauthorized(desk.agent2.open_tasks(agent, &page).await);
    let of_customer = desk
        .officer
        .tasks_of(TaskLink::Customer(customer.id), &page)
        .await
        .unwrap();
    assert_eq!(of_customer.items.len(), 5);
    assert_eq!(of_customer.items[0].id, undated.id, "newest first");
    let following = desk.agent2.followed_tasks(agent2, &page).await.unwrap();
    assert_eq!(
        following.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![undated.id]
    );

    // Changes tell the assignee and followers, except whoever made them.
    let changes = TaskChanges {
        due: Some(Some(Due::on(day + Duration::days(3)))),
        ..TaskChanges::default()
    };
    let moved = desk
        .agent
        .update_task(undated.id, undated.version, changes, EditScope::Occurrence)
        .await
        .unwrap();
    let told = messages(&desk, undated.id.0, "task.changed").await;
    assert_eq!(told.len(), 2);
    assert!(told.iter().all(|m| to_staff(m) == agent2));
    // The manager follows it; the agent completes it: both others are told.
    let moved = desk
        .manager
        .follow_task(moved.id, moved.version, manager, true)
        .await
        .unwrap();
    let done = desk
        .agent
        .complete_task(moved.id, moved.version)
        .await
        .unwrap();
    assert_eq!(done.task.status, TaskStatus::Done);
    assert!(done.next.is_none());
    let told = messages(&desk, undated.id.0, "task.changed").await;
    let last: Vec<StaffId> = told[2..].iter().map(to_staff).collect();
    assert_eq!(last.len(), 2);
    assert!(last.contains(&agent2) && last.contains(&manager));
    let mine = desk.agent.open_tasks(agent, &page).await.unwrap();
    assert_eq!(mine.items.len(), 5, "a done task leaves the open list");

    // Access: another agent may not change it; the department-less manager may not either.
    assert_unauthorized(
        desk.agent2
            .complete_task(tomorrow.id, tomorrow.version)
            .await,
    );
    assert_unauthorized(
        desk.agent2
            .follow_task(tomorrow.id, tomorrow.version, agent, true)
            .await,
    );
    // Bad input changes nothing.
    let audits = audit_count(&desk.admin).await;
    assert_invalid(
        desk.agent
            .create_task(NewTask::new(TaskKind::ToDo, "  "))
            .await,
        Some("title"),
    );
    let mut bad = NewTask::new(TaskKind::ToDo, "remind");
    bad.reminders.insert(999_999);
    assert_invalid(desk.agent.create_task(bad).await, Some("reminders"));
    let mut bad = NewTask::new(TaskKind::ToDo, "repeat");
    bad.recurrence = Some(Recurrence {
        frequency: Frequency::Daily,
        interval: 1,
        calendar: OccasionCalendar::Gregorian,
        until: None,
    });
    assert_invalid(desk.agent.create_task(bad).await, Some("recurrence"));
    let mut bad = NewTask::new(TaskKind::ToDo, "linked");
    bad.link = Some(TaskLink::Customer(crm_core::id::CustomerId(
        uuid::Uuid::nil(),
    )));
    assert_invalid(desk.agent.create_task(bad).await, Some("link"));
    assert_invalid(
        desk.agent
            .complete_task(done.task.id, done.task.version)
            .await,
        Some("task.status"),
    );
    assert!(matches!(
        desk.agent.complete_task(tomorrow.id, 99).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(audit_count(&desk.admin).await, audits);
    let still = desk.agent.task(tomorrow.id).await.unwrap();
    assert_eq!(still, tomorrow);
}

/// A recurring task: completing an occurrence creates the next on the rule's date (the last
/// day of every Jalali month, Esfand 29 in a common year); editing one occurrence leaves the
/// others; editing the series changes every open one; cancelling the series ends it.
pub async fn recurring_tasks_edit_one_or_the_series(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Recurring").await;
    let agent = me(&desk.agent);
    let first = JalaliDate::new(1404, 11, 30).unwrap().to_gregorian();
    let mut new = NewTask::new(TaskKind::ToDo, "month-end report");
    new.due = Some(Due::on(first));
    new.recurrence = Some(Recurrence {
        frequency: Frequency::MonthlyLastDay,
        interval: 1,
        calendar: OccasionCalendar::Jalali,
        until: None,
    });
    let task = desk.agent.create_task(new).await.unwrap();
    assert_eq!(task.series, Some(task.id));
    let done = desk
        .agent
        .complete_task(task.id, task.version)
        .await
        .unwrap();
    let next = done.next.expect("the next occurrence");
    assert_eq!(
        JalaliDate::from_gregorian(next.due.unwrap().date),
        JalaliDate::new(1404, 12, 29).unwrap()
    );
    assert_eq!(next.series, Some(task.id));
    let done = desk
        .agent
        .complete_task(next.id, next.version)
        .await
        .unwrap();
    let third = done.next.expect("the third occurrence");
    assert_eq!(
        JalaliDate::from_gregorian(third.due.unwrap().date),
        JalaliDate::new(1405, 1, 31).unwrap()
    );
    // One occurrence: its title only.
    let one = desk
        .agent
        .update_task(
            third.id,
            third.version,
            TaskChanges {
                title: Some("Farvardin report".into()),
                ..TaskChanges::default()
            },
            EditScope::Occurrence,
        )
        .await
        .unwrap();
    assert_eq!(one.title, "Farvardin report");
    // A rule change needs the series scope.
    assert_invalid(
        desk.agent
            .update_task(
                one.id,
                one.version,
                TaskChanges {
                    recurrence: Some(None),
                    ..TaskChanges::default()
                },
                EditScope::Occurrence,
            )
            .await,
        Some("recurrence"),
    );
    // The series: priority for every open occurrence.
    let series = desk
        .agent
        .update_task(
            one.id,
            one.version,
            TaskChanges {
                priority: Some(Priority::High),
                ..TaskChanges::default()
            },
            EditScope::Series,
        )
        .await
        .unwrap();
    assert_eq!(series.priority, Priority::High);
    let closed = desk.agent.task(task.id).await.unwrap();
    assert_eq!(
        closed.priority,
        Priority::Normal,
        "closed occurrences keep theirs"
    );
    let cancelled = desk
        .agent
        .cancel_task(series.id, series.version, EditScope::Series)
        .await
        .unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    let open = desk
        .agent
        .open_tasks(agent, &PageRequest::first(10))
        .await
        .unwrap();
    assert!(open.items.is_empty());
}

/// Reminders go out through the outbox once per task and offset, however many senders run
/// at once; moving the due time plans them again; completing the task drops them.
pub async fn reminders_go_out_once_per_due_time(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Reminders").await;
    let agent = me(&desk.agent);
    let tz = desk.workspace.settings.sla.calendar.tz;
    let local = desk.clock.now().with_timezone(&tz).naive_local() + Duration::hours(2);
    let mut new = NewTask::new(TaskKind::Call, "call back");
    new.due = Some(Due::at(local.date(), local.time()));
    new.reminders = [60, 30].into_iter().collect();
    let task = desk
        .manager
        .create_task(NewTask {
            assignee: Some(agent),
            ..new
        })
        .await
        .unwrap();
    let worker = desk
        .crm
        .system_session(desk.workspace.id, "worker")
        .await
        .unwrap();
    assert_eq!(worker.send_due_reminders().await.unwrap(), 0, "not yet");
    desk.tick(61);
    let (a, b) = tokio::join!(worker.send_due_reminders(), worker.send_due_reminders());
    assert_eq!(a.unwrap() + b.unwrap(), 1, "the 60-minute one, once");
    assert_eq!(worker.send_due_reminders().await.unwrap(), 0);
    let sent = messages(&desk, task.id.0, "task.reminder").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(to_staff(&sent[0]), agent);
    // The due time moves an hour later: both reminders are planned again for it.
    let later = local + Duration::hours(1);
    let task = desk.agent.task(task.id).await.unwrap();
    let task = desk
        .agent
        .update_task(
            task.id,
            task.version,
            TaskChanges {
                due: Some(Some(Due::at(later.date(), later.time()))),
                ..TaskChanges::default()
            },
            EditScope::Occurrence,
        )
        .await
        .unwrap();
    assert_eq!(worker.send_due_reminders().await.unwrap(), 0);
    desk.tick(60);
    assert_eq!(worker.send_due_reminders().await.unwrap(), 1);
    desk.tick(30);
    assert_eq!(worker.send_due_reminders().await.unwrap(), 1);
    assert_eq!(messages(&desk, task.id.0, "task.reminder").await.len(), 3);
    // Another task completed before its reminder: nothing goes out.
    let mut new = NewTask::new(TaskKind::ToDo, "done early");
    let soon = desk.clock.now().with_timezone(&tz).naive_local() + Duration::hours(1);
    new.due = Some(Due::at(soon.date(), soon.time()));
    new.reminders = [10].into_iter().collect();
    let early = desk.agent.create_task(new).await.unwrap();
    desk.agent
        .complete_task(early.id, early.version)
        .await
        .unwrap();
    desk.tick(55);
    assert_eq!(worker.send_due_reminders().await.unwrap(), 0);
    assert!(
        messages(&desk, early.id.0, "task.reminder")
            .await
            .is_empty()
    );
}

fn occasion(kind: OccasionKind, calendar: OccasionCalendar, month: u8, day: u8) -> Occasion {
    Occasion {
        kind,
        calendar,
        month,
        day,
        year: None,
    }
}

/// The summaries everyone's `tasks_today` reads from the due index's keys ([`OpenTask`])
/// agree with the tasks' bodies after creation, edits of the title, due date, priority and
/// assignee, completion and cancelling (closed tasks have no entry left), and the list
/// answers from them.
pub async fn open_task_summaries_match_bodies(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Open tasks").await;
    let ws = desk.workspace.id;
    let agent2 = me(&desk.agent2);
    let day = today(&desk);
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let mk = |title: &str, due: Option<Due>| {
        let mut t = NewTask::new(TaskKind::Call, title);
        t.due = due;
        t
    };
    let overdue = desk
        .agent
        .create_task(mk("overdue", Some(Due::on(day - Duration::days(3)))))
        .await
        .unwrap();
    let moved = desk
        .agent
        .create_task(mk("tomorrow", Some(Due::on(day + Duration::days(1)))))
        .await
        .unwrap();
    let given = desk
        .agent
        .create_task(mk("today", Some(Due::on(day))))
        .await
        .unwrap();
    let done = desk
        .agent
        .create_task(mk("done", Some(Due::on(day))))
        .await
        .unwrap();
    let cancelled = desk
        .agent
        .create_task(mk("cancelled", Some(Due::on(day - Duration::days(1)))))
        .await
        .unwrap();
    let undated = desk.agent.create_task(mk("undated", None)).await.unwrap();
    let changes = TaskChanges {
        title: Some("امروز ساعت ۹".into()),
        due: Some(Some(Due::at(day, nine))),
        priority: Some(Priority::High),
        ..TaskChanges::default()
    };
    desk.agent
        .update_task(moved.id, moved.version, changes, EditScope::Occurrence)
        .await
        .unwrap();
    let changes = TaskChanges {
        assignee: Some(agent2),
        ..TaskChanges::default()
    };
    desk.agent
        .update_task(given.id, given.version, changes, EditScope::Occurrence)
        .await
        .unwrap();
    desk.agent
        .complete_task(done.id, done.version)
        .await
        .unwrap();
    desk.agent
        .cancel_task(cancelled.id, cancelled.version, EditScope::Occurrence)
        .await
        .unwrap();

    let mut bodies = Vec::new();
    for t in [&overdue, &moved, &given, &done, &cancelled, &undated] {
        bodies.push(store.fetch::<Task>(ws, t.id.0).await.unwrap());
    }
    let scan = Scan::index(TASK_OPEN_BY_DUE)
        .prefix(&Key::new())
        .keys_only();
    let got: Vec<(uuid::Uuid, OpenTask)> = store
        .scan(ws, &scan)
        .await
        .unwrap()
        .into_iter()
        .map(|h| {
            let summary = read_summary::<OpenTask>(&h.position, OPEN_BY_DUE_SORT_LEN).unwrap();
            (h.id, summary.expect("a task's summary is in its key"))
        })
        .collect();
    // One entry per open dated task, equal to the summary of its body.
    let open_dated: Vec<&Task> = bodies
        .iter()
        .filter(|t| t.is_open() && t.due.is_some())
        .collect();
    assert_eq!(got.len(), open_dated.len());
    for task in &bodies {
        let entry = got.iter().find(|(id, _)| *id == task.id.0);
        let want = OpenTask::of(task).filter(|t| t.due.is_some());
        assert_eq!(entry.map(|(_, s)| s.clone()), want, "{}", task.title);
    }
    let edited = &got.iter().find(|(id, _)| *id == moved.id.0).unwrap().1;
    assert_eq!(edited.title, "امروز ساعت ۹");
    assert_eq!(edited.priority, Priority::High);
    assert_eq!(
        got.iter()
            .find(|(id, _)| *id == given.id.0)
            .unwrap()
            .1
            .assignee,
        agent2
    );

    // Everyone's list answers from the summaries: today's by time, the overdue oldest first.
    let everyone = desk.manager.tasks_today(None, 10).await.unwrap();
    let of = |t: &TaskId| OpenTask::of(bodies.iter().find(|b| b.id == *t).unwrap()).unwrap();
    assert_eq!(everyone.due_today, vec![of(&given.id), of(&moved.id)]);
    assert_eq!(everyone.overdue, vec![of(&overdue.id)]);
    assert!(!everyone.more_overdue);
    let one = desk.manager.tasks_today(None, 1).await.unwrap();
    assert_eq!(one.overdue.len(), 1);
    assert!(!one.more_overdue);
    desk.agent
        .create_task(mk("older", Some(Due::on(day - Duration::days(9)))))
        .await
        .unwrap();
    let one = desk.manager.tasks_today(None, 1).await.unwrap();
    assert_eq!(one.overdue[0].title, "older");
    assert!(one.more_overdue);
    // One person's list gives the same summaries, from the tasks.
    let agents = desk
        .agent
        .tasks_today(Some(me(&desk.agent)), 10)
        .await
        .unwrap();
    assert_eq!(agents.due_today, vec![of(&moved.id)]);
}

/// The summaries `due_greetings` reads from the occasion index's keys ([`Celebrant`]) agree
/// with the customers' bodies after creation and edits of the name, consent, tags and
/// occasions, and after a merge (the merged customer has no entries left); a customer whose
/// summary is too large for a key has entries without one and is still found, filtered by
/// tag, from its record.
pub async fn celebrant_summaries_match_bodies(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Celebrants").await;
    let ws = desk.workspace.id;
    use OccasionCalendar::{Gregorian, Jalali};
    let person = |given: &str, family: &str, email: &str, occasions: Vec<Occasion>| {
        let mut new = NewCustomer::person(given, family).contact(ContactKind::Email, email);
        new.occasions = occasions;
        new
    };
    let mut sara = person(
        "Sara",
        "Ahmadi",
        "sara@example.com",
        vec![
            occasion(OccasionKind::Birthday, Jalali, 1, 1),
            occasion(OccasionKind::Anniversary, Gregorian, 3, 21),
        ],
    )
    .tag("vip");
    sara.consent = vec![(Channel::Email, true)];
    let sara = desk.officer.create_customer(sara).await.unwrap();
    let reza = person(
        "Reza",
        "Karimi",
        "reza@example.com",
        vec![occasion(OccasionKind::Birthday, Jalali, 1, 1)],
    );
    let reza = desk.officer.create_customer(reza).await.unwrap();
    let twin = person(
        "Reza",
        "Karimi",
        "reza.k@example.com",
        vec![occasion(
            OccasionKind::Other("wedding".into()),
            Gregorian,
            3,
            21,
        )],
    );
    let twin = desk.officer.create_customer(twin).await.unwrap();
    // Forty long tags: far over the size a summary may take in a key.
    let mut big = person(
        "Big",
        "Tags",
        "big@example.com",
        vec![occasion(OccasionKind::Birthday, Jalali, 1, 1)],
    );
    big.tags = (0..40)
        .map(|i| format!("{}{i:02}", "ت".repeat(50)))
        .collect();
    big.consent = vec![(Channel::Email, true)];
    let big = desk.officer.create_customer(big).await.unwrap();

    // Edits: Sara's name, consent, tags and occasions; Reza's consent and tags.
    let changes = CustomerChanges {
        party: Some(Party::Person {
            given_name: "سارا".into(),
            family_name: "احمدی".into(),
            organisation: None,
        }),
        consent: vec![(Channel::Email, false)],
        add_tags: vec!["tehran".into()],
        remove_tags: vec!["vip".into()],
        occasions: Some(vec![
            occasion(OccasionKind::Other("nowruz".into()), Jalali, 1, 1),
            occasion(OccasionKind::Birthday, Gregorian, 12, 25),
        ]),
        ..CustomerChanges::default()
    };
    desk.officer
        .update_customer(sara.id, None, changes)
        .await
        .unwrap();
    let changes = CustomerChanges {
        consent: vec![(Channel::Email, true)],
        add_tags: vec!["vip".into()],
        ..CustomerChanges::default()
    };
    let reza = desk
        .officer
        .update_customer(reza.id, None, changes)
        .await
        .unwrap();
    // The twin merges into Reza, who takes its occasion.
    desk.admin
        .merge_customers(reza.id, reza.version, twin.id, twin.version)
        .await
        .unwrap();

    // Every entry, against the summary of the body it belongs to.
    let mut want: Vec<(Vec<u8>, uuid::Uuid, Option<Celebrant>)> = Vec::new();
    let mut bodies = Vec::new();
    for id in [sara.id, reza.id, twin.id, big.id] {
        let body: Customer = store.fetch(ws, id.0).await.unwrap();
        if body.merged_into.is_none() {
            let mut keys: Vec<_> = body
                .occasions
                .iter()
                .filter(|o| o.is_valid())
                .map(|o| (o.calendar, o.month, o.day))
                .collect();
            keys.sort_by_key(|k| (calendar_rank(k.0), k.1, k.2));
            keys.dedup();
            for key in keys {
                let sort = vec![calendar_rank(key.0), key.1, key.2];
                let summary = (body.id != big.id).then(|| Celebrant::of(&body, key));
                want.push((sort, body.id.0, summary));
            }
        }
        bodies.push(body);
    }
    want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let scan = Scan::index(CUSTOMER_BY_OCCASION)
        .prefix(&Key::new())
        .keys_only();
    let got: Vec<(Vec<u8>, uuid::Uuid, Option<Celebrant>)> = store
        .scan(ws, &scan)
        .await
        .unwrap()
        .into_iter()
        .map(|h| {
            let summary = read_summary::<Celebrant>(&h.position, OCCASION_SORT_LEN).unwrap();
            (h.position[..OCCASION_SORT_LEN].to_vec(), h.id, summary)
        })
        .collect();
    assert_eq!(got, want);
    assert!(got.iter().all(|(_, id, _)| *id != twin.id.0));
    let sara_now = got.iter().find(|(_, id, _)| *id == sara.id.0).unwrap();
    let sara_now = sara_now.2.as_ref().unwrap();
    assert_eq!(sara_now.name, "سارا احمدی");
    assert_eq!(sara_now.address, None);
    assert_eq!(sara_now.tags, ["tehran"]);

    // 1405-01-01 is 2026-03-21: Sara's Nowruz, Reza's birthday and the twin's wedding, and
    // the big one's birthday read from its record.
    let day = JalaliDate::new(1405, 1, 1).unwrap().to_gregorian();
    let due = desk
        .officer
        .due_greetings(day, &CustomerFilter::default())
        .await
        .unwrap();
    let mut found: Vec<_> = due
        .iter()
        .map(|g| (g.customer.id, g.occasion.kind.clone()))
        .collect();
    let order = |(id, kind): &(CustomerId, OccasionKind)| (*id, format!("{kind:?}"));
    found.sort_by_key(order);
    let mut expected = vec![
        (sara.id, OccasionKind::Other("nowruz".into())),
        (reza.id, OccasionKind::Birthday),
        (reza.id, OccasionKind::Other("wedding".into())),
        (big.id, OccasionKind::Birthday),
    ];
    expected.sort_by_key(order);
    assert_eq!(found, expected);
    for g in &due {
        let body = bodies.iter().find(|b| b.id == g.customer.id).unwrap();
        let key = (g.occasion.calendar, g.occasion.month, g.occasion.day);
        assert_eq!(g.customer, Celebrant::of(body, key));
    }
    // A filter by one of the big one's tags finds it alone.
    let big_body = bodies.iter().find(|b| b.id == big.id).unwrap();
    let tag = big_body.tags.iter().next().unwrap().clone();
    let by_tag = CustomerFilter {
        tag: Some(tag),
        ..CustomerFilter::default()
    };
    let due = desk.officer.due_greetings(day, &by_tag).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].customer.id, big.id);
    assert_eq!(
        due[0].customer.address,
        Some((Channel::Email, "big@example.com".to_owned()))
    );
    let vip = CustomerFilter {
        tag: Some("vip".into()),
        ..CustomerFilter::default()
    };
    let ids: Vec<_> = desk
        .officer
        .due_greetings(day, &vip)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.customer.id)
        .collect();
    assert_eq!(ids, [reza.id, reza.id]);
}

/// `due_greetings` finds Jalali occasions on their Jalali date and Gregorian ones on their
/// Gregorian date (Esfand 30 on Esfand 29, February 29 on February 28 in common years),
/// narrowed by a filter; sending greets each once a year, only with consent, not in quiet
/// hours.
pub async fn greetings_fall_on_their_dates_once_a_year(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Greetings").await;
    let mk = |name: &str, email: &str, occasions: Vec<Occasion>, consent: bool| {
        let mut new = NewCustomer::person(name, "Test").contact(ContactKind::Email, email);
        new.occasions = occasions;
        if consent {
            new.consent = vec![(Channel::Email, true)];
        }
        new
    };
    use OccasionCalendar::{Gregorian, Jalali};
    let nowruz = mk(
        "Nowruz",
        "n@example.com",
        vec![occasion(OccasionKind::Birthday, Jalali, 1, 1)],
        true,
    );
    let nowruz = desk
        .officer
        .create_customer(nowruz.tag("vip"))
        .await
        .unwrap();
    let march = desk
        .officer
        .create_customer(mk(
            "March",
            "m@example.com",
            vec![occasion(OccasionKind::Anniversary, Gregorian, 3, 21)],
            false,
        ))
        .await
        .unwrap();
    let esfand = desk
        .officer
        .create_customer(mk(
            "Esfand",
            "e@example.com",
            vec![occasion(OccasionKind::Birthday, Jalali, 12, 30)],
            true,
        ))
        .await
        .unwrap();
    let leap = desk
        .officer
        .create_customer(mk(
            "Leap",
            "l@example.com",
            vec![occasion(OccasionKind::Birthday, Gregorian, 2, 29)],
            true,
        ))
        .await
        .unwrap();
    let all = CustomerFilter::default();
    // 1405-01-01 is 2026-03-21: the Jalali and the Gregorian occasion.
    let day = JalaliDate::new(1405, 1, 1).unwrap().to_gregorian();
    let due = desk.officer.due_greetings(day, &all).await.unwrap();
    let mut ids: Vec<_> = due.iter().map(|g| g.customer.id).collect();
    ids.sort();
    let mut want = vec![nowruz.id, march.id];
    want.sort();
    assert_eq!(ids, want);
    let vip = CustomerFilter {
        tag: Some("vip".into()),
        ..CustomerFilter::default()
    };
    let due = desk.officer.due_greetings(day, &vip).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].customer.id, nowruz.id);
    // Esfand 30 in the common year 1404 falls on Esfand 29; in the leap year 1403 not.
    let common = JalaliDate::new(1404, 12, 29).unwrap().to_gregorian();
    let ids: Vec<_> = desk
        .officer
        .due_greetings(common, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.customer.id)
        .collect();
    assert_eq!(ids, vec![esfand.id]);
    let leap_year = JalaliDate::new(1403, 12, 29).unwrap().to_gregorian();
    assert!(
        desk.officer
            .due_greetings(leap_year, &all)
            .await
            .unwrap()
            .is_empty()
    );
    // February 29 on February 28 in 2027, not in 2028.
    let feb28 = NaiveDate::from_ymd_opt(2027, 2, 28).unwrap();
    let ids: Vec<_> = desk
        .officer
        .due_greetings(feb28, &all)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.customer.id)
        .collect();
    assert_eq!(ids, vec![leap.id]);
    let feb28_leap = NaiveDate::from_ymd_opt(2028, 2, 28).unwrap();
    assert!(
        desk.officer
            .due_greetings(feb28_leap, &all)
            .await
            .unwrap()
            .is_empty()
    );

    // Sending: once a year, with consent.
    let worker = desk
        .crm
        .system_session(desk.workspace.id, "worker")
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        worker.send_greetings(day, &all),
        worker.send_greetings(day, &all)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 1, "{a:?} {b:?}");
    assert_eq!(a.without_consent, 1);
    let again = worker.send_greetings(day, &all).await.unwrap();
    assert_eq!((again.sent, again.already_sent), (0, 1));
    let sent = messages(&desk, nowruz.id.0, "customer.greeting").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].notification.purpose, Purpose::Service);
    assert!(sent[0].notification.body.contains("Nowruz"));
    assert!(
        messages(&desk, march.id.0, "customer.greeting")
            .await
            .is_empty()
    );
    // Quiet hours: nothing goes out.
    let mut settings = desk.admin.settings().await.unwrap();
    let local = desk
        .clock
        .now()
        .with_timezone(&desk.workspace.settings.sla.calendar.tz)
        .time();
    settings.quiet_hours = Some(QuietHours {
        start: local - Duration::hours(1),
        end: local + Duration::hours(1),
    });
    desk.admin.update_settings(settings).await.unwrap();
    let quiet = worker.send_greetings(common, &all).await.unwrap();
    assert!(quiet.quiet);
    assert_eq!(quiet.sent, 0);
    assert!(
        messages(&desk, esfand.id.0, "customer.greeting")
            .await
            .is_empty()
    );
}

/// How many assignments of each kind race one hand-over.
const RACING: usize = 12;

/// Runs `op` again while it fails with a conflict (a racer re-reads and tries again, as a
/// person would); returns whether it was done (`false`: refused, for the person's being
/// inactive). Any other error fails the check.
async fn assign<T, F, Fut>(what: &str, mut op: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    loop {
        match op().await {
            Ok(_) => return true,
            Err(Error::Conflict(_)) => tokio::task::yield_now().await,
            Err(Error::Invalid { .. }) => return false,
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

/// Deactivating a staff member with a successor moves their held requests, open tasks,
/// owned customers, open leads and open deals in one audited step (a disqualified lead keeps
/// its owner: it is history, not work). While it runs, other sessions keep
/// giving the leaver work of every kind (referring requests to them, creating tasks for
/// them, making them a customer's owner, creating deals for them and giving them deals);
/// each such commit either lands before the hand-over (and is moved by it) or is refused
/// after: nothing is left held by the inactive person, and nothing done is lost.
pub async fn hand_over_leaves_nothing_with_the_leaver(store: &Arc<dyn Store>) {
    use crm_core::customer::ContactKind;
    use crm_core::customer::Customer;
    use crm_core::request::{Holder, RequestView};
    use crm_core::sales::{LeadSource, Money, Pipeline, QualificationLevel, SourceKind};
    use crm_core::service::{CustomerChanges, InboundMessage, NewDeal, NewLead, Sender};
    use std::sync::atomic::{AtomicUsize, Ordering};

    let desk = Desk::open(store, "Leaver").await;
    let ws = desk.workspace.id;
    let agent = me(&desk.agent);
    let agent2 = me(&desk.agent2);
    let mut owned = NewCustomer::person("Owned", "Customer");
    owned.owner = Some(agent);
    let customer = desk.officer.create_customer(owned).await.unwrap();
    for i in 0..5 {
        let mut t = NewTask::new(TaskKind::ToDo, &format!("task {i}"));
        t.assignee = Some(agent);
        desk.manager.create_task(t).await.unwrap();
    }
    let lead = |name: &str, mobile: &str| {
        NewLead::new(name, LeadSource::of(SourceKind::Manual))
            .contact(ContactKind::Mobile, mobile)
            .owner(agent)
    };
    let open_lead = desk
        .manager
        .create_lead(lead("Open Lead", "09121110001"))
        .await
        .unwrap();
    let dropped = desk
        .manager
        .create_lead(lead("Dropped Lead", "09121110002"))
        .await
        .unwrap();
    desk.manager
        .qualify_lead(
            dropped.id,
            None,
            QualificationLevel::Disqualified,
            Some("no budget"),
        )
        .await
        .unwrap();
    let pipeline = desk
        .admin
        .create_pipeline("Leaver's", Pipeline::default_stages())
        .await
        .unwrap();
    let amount = Money::parse("1000", "IRR").unwrap();
    let mut unowned = Vec::new();
    let mut deals = Vec::new();
    let mut requests = Vec::new();
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    for i in 0..RACING {
        let c = desk
            .officer
            .create_customer(NewCustomer::person("Racing", &format!("Customer {i}")))
            .await
            .unwrap();
        let mut new = NewDeal::new(&format!("deal {i}"), c.id, pipeline.id, amount.clone());
        new.owner = Some(agent2);
        deals.push(desk.admin.create_deal(new).await.unwrap().id);
        unowned.push(c.id);
        let mail = InboundMessage::new(
            Channel::Email,
            &format!("<leaver{i}@example.com>"),
            Sender {
                email: Some(format!("leaver{i}@example.com")),
                ..Default::default()
            },
            "Please call me",
        );
        requests.push(intake.intake(mail).await.unwrap().request.id);
    }
    let before_deals = desk
        .admin
        .pipeline_view(agent2, &PageRequest::first(200))
        .await
        .unwrap()
        .items
        .len();
    // Every kind of assignment, each in its own task, racing the hand-over: it starts once
    // each racer is a third of the way through.
    let progress: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let mut racers = Vec::new();
    {
        let manager = desk.manager.clone();
        let progress = progress.clone();
        racers.push(tokio::spawn(async move {
            let mut made = [0usize; 5];
            for i in 0..RACING {
                let title = format!("racing {i}");
                let done = assign("task", || {
                    let mut t = NewTask::new(TaskKind::ToDo, &title);
                    t.assignee = Some(agent);
                    manager.create_task(t)
                })
                .await;
                made[0] += usize::from(done);
                progress[0].fetch_add(1, Ordering::SeqCst);
            }
            made
        }));
    }
    {
        let officer = desk.officer.clone();
        let requests = requests.clone();
        let progress = progress.clone();
        racers.push(tokio::spawn(async move {
            let mut made = [0usize; 5];
            for id in requests {
                let done = assign("refer", || async {
                    let r = officer.request(id).await?;
                    officer
                        .refer(id, r.version, Holder::Staff(agent), "yours")
                        .await
                })
                .await;
                made[1] += usize::from(done);
                progress[1].fetch_add(1, Ordering::SeqCst);
            }
            made
        }));
    }
    {
        let admin = desk.admin.clone();
        let unowned = unowned.clone();
        let progress = progress.clone();
        racers.push(tokio::spawn(async move {
            let mut made = [0usize; 5];
            for id in unowned {
                let done = assign("owner", || {
                    let changes = CustomerChanges {
                        owner: Some(Some(agent)),
                        ..CustomerChanges::default()
                    };
                    admin.update_customer(id, None, changes)
                })
                .await;
                made[2] += usize::from(done);
                progress[2].fetch_add(1, Ordering::SeqCst);
            }
            made
        }));
    }
    {
        let admin = desk.admin.clone();
        let deals = deals.clone();
        let (customer, pipeline, amount) = (customer.id, pipeline.id, amount.clone());
        let progress = progress.clone();
        racers.push(tokio::spawn(async move {
            let mut made = [0usize; 5];
            for (i, id) in deals.into_iter().enumerate() {
                let done = assign("reassign", || admin.reassign_deal(id, None, agent)).await;
                made[4] += usize::from(done);
                let title = format!("new deal {i}");
                let done = assign("deal", || {
                    let mut new = NewDeal::new(&title, customer, pipeline, amount.clone());
                    new.owner = Some(agent);
                    admin.create_deal(new)
                })
                .await;
                made[3] += usize::from(done);
                progress[3].fetch_add(1, Ordering::SeqCst);
            }
            made
        }));
    }
    while progress
        .iter()
        .any(|p| p.load(Ordering::SeqCst) < RACING / 3)
    {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let report = desk
        .admin
        .hand_over(agent, Successor::Staff(agent2))
        .await
        .unwrap();
    let mut made = [0usize; 5];
    for racer in racers {
        let m = racer.await.unwrap();
        for (total, n) in made.iter_mut().zip(m) {
            *total += n;
        }
    }
    assert!(report.tasks >= 5);
    assert!(report.customers >= 1);
    assert_eq!(report.leads, 1);
    let moved_lead = desk.manager.lead(open_lead.id).await.unwrap();
    assert_eq!(moved_lead.owner, Some(agent2));
    assert_eq!(moved_lead.version, open_lead.version + 1);
    let kept = desk.manager.lead(dropped.id).await.unwrap();
    assert_eq!(kept.owner, Some(agent));
    // Nothing of any kind is left with the leaver.
    let page = PageRequest::first(200);
    let tasks = desk.admin.open_tasks(agent, &page).await.unwrap();
    assert!(tasks.items.is_empty(), "{} tasks left", tasks.items.len());
    let held = desk
        .admin
        .cartable(&RequestView::Holder(Holder::Staff(agent)), &page)
        .await
        .unwrap();
    assert!(held.items.is_empty(), "{} requests left", held.items.len());
    let filter = CustomerFilter {
        owner: Some(agent),
        ..CustomerFilter::default()
    };
    let customers = desk.admin.list_customers(&filter, &page).await.unwrap();
    assert!(
        customers.items.is_empty(),
        "{} customers left",
        customers.items.len()
    );
    let open = desk.admin.pipeline_view(agent, &page).await.unwrap();
    assert!(open.items.is_empty(), "{} deals left", open.items.len());
    // Whatever was given to the leaver and not refused is with the successor now.
    let moved = desk.admin.open_tasks(agent2, &page).await.unwrap();
    assert_eq!(moved.items.len(), 5 + made[0]);
    assert!(moved.items.iter().all(|t: &Task| t.assignee == agent2));
    let held = desk
        .admin
        .cartable(&RequestView::Holder(Holder::Staff(agent2)), &page)
        .await
        .unwrap();
    assert_eq!(held.items.len(), made[1]);
    let filter = CustomerFilter {
        owner: Some(agent2),
        ..CustomerFilter::default()
    };
    let owned: Vec<Customer> = desk
        .admin
        .list_customers(&filter, &page)
        .await
        .unwrap()
        .items;
    assert_eq!(owned.len(), 1 + made[2]);
    let open = desk.admin.pipeline_view(agent2, &page).await.unwrap();
    // Reassigned deals were the successor's before; the new ones add to them.
    assert_eq!(open.items.len(), before_deals + made[3]);
    assert!(made[4] <= RACING);
    let customer = desk.officer.customer(customer.id).await.unwrap();
    assert_eq!(customer.owner, Some(agent2));
    // Refused once inactive, every kind.
    let mut t = NewTask::new(TaskKind::ToDo, "too late");
    t.assignee = Some(agent);
    assert_invalid(desk.manager.create_task(t).await, None);
    let r = desk.officer.request(requests[0]).await.unwrap();
    assert_invalid(
        desk.officer
            .refer(r.id, r.version, Holder::Staff(agent), "too late")
            .await,
        None,
    );
    let changes = CustomerChanges {
        owner: Some(Some(agent)),
        ..CustomerChanges::default()
    };
    assert_invalid(
        desk.admin.update_customer(unowned[0], None, changes).await,
        None,
    );
    assert_invalid(desk.admin.reassign_deal(deals[0], None, agent).await, None);
    assert_invalid(
        desk.manager
            .create_lead(lead("Late Lead", "09121110003"))
            .await,
        None,
    );
    // The leaver is inactive; a second hand-over is refused.
    assert!(desk.crm.session(ws, agent).await.is_err());
    assert_invalid(
        desk.admin.hand_over(agent, Successor::Staff(agent2)).await,
        Some("leaver"),
    );
    assert_unauthorized(
        desk.manager
            .hand_over(agent2, Successor::Staff(me(&desk.manager)))
            .await,
    );
}

/// A routing rule sends a customer's message to a person who is deactivated (handed over)
/// after the intake routed it and before its commit: the intake routes again around them
/// (here to the officers, the rule naming no department) instead of failing, and the
/// message is not lost.
pub async fn intake_routes_around_a_person_deactivated_meanwhile(store: &Arc<dyn Store>) {
    use crate::hooked_store::HookedStore;
    use crm_core::Crm;
    use crm_core::record::RecordKind;
    use crm_core::request::{Holder, RoutingActions, RoutingConditions};
    use crm_core::service::{InboundMessage, Sender};
    use crm_core::store::Write;

    let hooked = Arc::new(HookedStore::new(store.clone()));
    let through: Arc<dyn Store> = hooked.clone();
    let desk = Desk::open(&through, "Rerouted").await;
    let ws = desk.workspace.id;
    let (agent, agent2) = (me(&desk.agent), me(&desk.agent2));
    let vip = RoutingConditions {
        tags: vec!["VIP".into()],
        ..Default::default()
    };
    let to_agent = RoutingActions {
        holder: Some(agent),
        ..Default::default()
    };
    desk.admin
        .create_routing_rule("vip", 1, vip, to_agent)
        .await
        .unwrap();
    desk.officer
        .create_customer(
            NewCustomer::person("Big", "Client")
                .contact(ContactKind::Email, "big@example.com")
                .tag("vip"),
        )
        .await
        .unwrap();
    // The hand-over goes to the store underneath, right before the intake's commit.
    let admin = Crm::new(store.clone())
        .session(ws, me(&desk.admin))
        .await
        .unwrap();
    let puts_a_request = |c: &crm_core::store::Commit| {
        c.writes
            .iter()
            .any(|w| matches!(w, Write::Put(r) if r.kind() == RecordKind::REQUEST))
    };
    hooked
        .arm(puts_a_request, async move {
            admin
                .hand_over(agent, Successor::Staff(agent2))
                .await
                .unwrap();
        })
        .await;
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    let mail = InboundMessage::new(
        Channel::Email,
        "<rerouted@example.com>",
        Sender {
            email: Some("big@example.com".into()),
            ..Default::default()
        },
        "Our contract",
    );
    let out = intake.intake(mail).await.unwrap();
    assert!(hooked.fired(), "the hand-over never ran");
    assert_eq!(out.request.holder, Holder::Officers);
    assert!(desk.crm.session(ws, agent).await.is_err());
    let stored = desk.officer.request(out.request.id).await.unwrap();
    assert_eq!(stored.holder, Holder::Officers);
}

/// The timeline: interactions, requests, tasks and deals of a customer, newest first, in
/// pages that neither skip nor repeat.
pub async fn customer_timeline_pages_newest_first(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Timeline").await;
    let customer = desk
        .officer
        .create_customer(NewCustomer::person("Time", "Line"))
        .await
        .unwrap();
    let mut made = Vec::new();
    for i in 0..4 {
        desk.tick(1);
        let interaction = desk
            .officer
            .record_interaction(NewInteraction::new(
                customer.id,
                Channel::PhoneCall,
                Direction::Inbound,
                &format!("note {i}"),
            ))
            .await
            .unwrap();
        made.push(interaction.id.0);
        desk.tick(1);
        let mut t = NewTask::new(TaskKind::Call, &format!("call {i}"));
        t.link = Some(TaskLink::Customer(customer.id));
        made.push(desk.officer.create_task(t).await.unwrap().id.0);
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = desk
            .officer
            .customer_timeline(customer.id, before, 3)
            .await
            .unwrap();
        assert!(page.entries.windows(2).all(|w| w[0].at >= w[1].at));
        for e in &page.entries {
            seen.push(match &e.item {
                TimelineItem::Interaction(i) => i.id.0,
                TimelineItem::Task(t) => t.id.0,
                TimelineItem::Request(r) => r.id.0,
                TimelineItem::Deal(d) => d.id.0,
            });
        }
        match page.next_before {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made);
    let view = desk.officer.customer_view(customer.id).await.unwrap();
    assert_eq!(view.timeline.entries.len(), 8);
}

/// Service recovery: a rating of 1 or 2 creates one high-priority follow-up task for the
/// manager of the request's department, linked to the request; a good rating does not.
pub async fn low_ratings_create_a_follow_up_for_the_manager(store: &Arc<dyn Store>) {
    use crm_core::request::Holder;
    use crm_core::service::{InboundMessage, Sender, StaffChanges};
    let desk = Desk::open(store, "Recovery").await;
    let ws = desk.workspace.id;
    let manager = me(&desk.manager);
    let billing = desk
        .admin
        .create_department("Billing", Some(manager))
        .await
        .unwrap();
    let agent_id = me(&desk.agent);
    let staff: crm_core::staff::Staff =
        crm_core::store::StoreExt::fetch(store.as_ref(), ws, agent_id.0)
            .await
            .unwrap();
    desk.admin
        .update_staff(
            agent_id,
            staff.version,
            StaffChanges {
                department: Some(Some(billing.id)),
                ..StaffChanges::default()
            },
        )
        .await
        .unwrap();
    let agent = desk.crm.session(ws, agent_id).await.unwrap();
    let intake = desk.crm.system_session(ws, "channels").await.unwrap();
    let page = PageRequest::first(10);
    let mut rated = Vec::new();
    for (i, rating) in [1u8, 4].into_iter().enumerate() {
        let mail = InboundMessage::new(
            Channel::Email,
            &format!("<r{i}@example.com>"),
            Sender {
                email: Some(format!("c{i}@example.com")),
                ..Default::default()
            },
            "The invoice is wrong",
        )
        .subject("Invoice");
        let r = intake.intake(mail).await.unwrap().request;
        let r = desk
            .officer
            .refer(r.id, r.version, Holder::Department(billing.id), "please")
            .await
            .unwrap();
        let r = agent.take(r.id, r.version).await.unwrap();
        let r = agent.resolve(r.id, r.version, "fixed").await.unwrap();
        let r = desk.officer.approve(r.id, r.version, "").await.unwrap();
        let r = desk.officer.reply(r.id, r.version, None).await.unwrap();
        let r = intake.rate(r.id, r.version, rating, None).await.unwrap();
        rated.push(r);
    }
    let low = desk
        .manager
        .tasks_of(TaskLink::Request(rated[0].id), &page)
        .await
        .unwrap();
    assert_eq!(low.items.len(), 1);
    let task = &low.items[0];
    assert_eq!(task.assignee, manager);
    assert_eq!(task.priority, Priority::High);
    assert!(task.is_open());
    let good = desk
        .manager
        .tasks_of(TaskLink::Request(rated[1].id), &page)
        .await
        .unwrap();
    assert!(good.items.is_empty());
    // Rated low again: still one follow-up.
    let r = &rated[0];
    let again = intake.rate(r.id, r.version, 2, None).await.unwrap();
    assert_eq!(again.satisfaction.map(|s| s.rating), Some(2));
    let low = desk
        .manager
        .tasks_of(TaskLink::Request(r.id), &page)
        .await
        .unwrap();
    assert_eq!(low.items.len(), 1);
}

/// The greeting job greets the customers the workspace's `greeting_filter` lets through,
/// each in their language: their preferred one, else their name's script, else the
/// workspace's.
pub async fn greeting_job_follows_the_filter_and_the_language(store: &Arc<dyn Store>) {
    use crm_core::activity::LANGUAGE_FIELD;
    use crm_core::club::EarningRule;
    use crm_core::customer::FieldValue;
    use crm_core::service::NewProgramme;
    use crm_core::template::Language;
    use crm_core::worker::{GreetingJob, Job};

    let desk = Desk::open(store, "Greeting job").await;
    let day = today(&desk);
    let j = JalaliDate::from_gregorian(day);
    let birthday = occasion(
        OccasionKind::Birthday,
        OccasionCalendar::Jalali,
        j.month,
        j.day,
    );
    let mk = |given: &str, family: &str, email: &str, tag: Option<&str>, lang: Option<&str>| {
        let mut new = NewCustomer::person(given, family).contact(ContactKind::Email, email);
        new.occasions = vec![birthday.clone()];
        new.consent = vec![(Channel::Email, true)];
        if let Some(lang) = lang {
            new.fields
                .insert(LANGUAGE_FIELD.into(), FieldValue::Text(lang.into()));
        }
        match tag {
            Some(t) => new.tag(t),
            None => new,
        }
    };
    let persian = desk
        .officer
        .create_customer(mk("علی", "رضایی", "ali@example.com", Some("vip"), None))
        .await
        .unwrap();
    let prefers = desk
        .officer
        .create_customer(mk(
            "Jane",
            "Doe",
            "jane@example.com",
            Some("vip"),
            Some("fa"),
        ))
        .await
        .unwrap();
    let latin = desk
        .officer
        .create_customer(mk("John", "Smith", "john@example.com", Some("vip"), None))
        .await
        .unwrap();
    let untagged = desk
        .officer
        .create_customer(mk("Sam", "Other", "sam@example.com", None, None))
        .await
        .unwrap();
    // An unknown language is refused and changes nothing.
    assert_invalid(
        desk.officer
            .create_customer(mk("Kim", "Bad", "kim@example.com", None, Some("ko")))
            .await,
        Some("field.language"),
    );
    let mut settings = desk.admin.settings().await.unwrap();
    settings.quiet_hours = None;
    settings.language = Some(Language::English);
    settings.greeting_filter = CustomerFilter {
        tag: Some("VIP".into()),
        ..CustomerFilter::default()
    };
    desk.admin.update_settings(settings).await.unwrap();
    // Two members of a programme with a birthday bonus: Sam, outside the greeting filter,
    // gets it too.
    let mut club = NewProgramme::new("Greeting club");
    club.rules = vec![EarningRule::Birthday { points: 30 }];
    let club = desk.admin.create_programme(club).await.unwrap();
    let cards = [
        desk.agent.join_club(club.id, latin.id).await.unwrap(),
        desk.agent.join_club(club.id, untagged.id).await.unwrap(),
    ];
    GreetingJob::default()
        .run(&desk.crm, desk.workspace.id)
        .await
        .unwrap();
    let greeted_in = |m: &[OutboxMessage]| {
        assert_eq!(m.len(), 1);
        Language::detect(&m[0].notification.body)
    };
    let m = messages(&desk, persian.id.0, "customer.greeting").await;
    assert_eq!(greeted_in(&m), Some(Language::Persian));
    let m = messages(&desk, prefers.id.0, "customer.greeting").await;
    assert_eq!(greeted_in(&m), Some(Language::Persian));
    let m = messages(&desk, latin.id.0, "customer.greeting").await;
    assert_eq!(greeted_in(&m), Some(Language::English));
    assert!(
        messages(&desk, untagged.id.0, "customer.greeting")
            .await
            .is_empty(),
        "the filter leaves Sam out"
    );
    // Once a year: a second run sends nothing more.
    GreetingJob::default()
        .run(&desk.crm, desk.workspace.id)
        .await
        .unwrap();
    let m = messages(&desk, latin.id.0, "customer.greeting").await;
    assert_eq!(m.len(), 1);
    // The birthday bonus was awarded once to each member, for this Jalali year.
    for card in &cards {
        let ledger = desk
            .agent
            .club_ledger(card.id, false, &PageRequest::first(10))
            .await
            .unwrap();
        let bonus: Vec<_> = ledger.items.iter().map(|e| (e.points, &e.key)).collect();
        let key = format!("birthday:{}", j.year);
        assert_eq!(bonus, vec![(30, &Some(key))], "one bonus of 30");
        assert_eq!(desk.agent.club_balance(card.id).await.unwrap().balance, 30);
    }
}

/// A closed request the customer reopens, and a lost deal reopened, after the person who
/// had them left go to the leaver's successor, not back to the inactive person.
pub async fn reopened_work_follows_the_leaver(store: &Arc<dyn Store>) {
    use crm_core::request::{Holder, RequestStatus};
    use crm_core::sales::{LostReason, Money, Pipeline};
    use crm_core::service::{InboundMessage, NewDeal, Sender};

    let desk = Desk::open(store, "Reopened").await;
    let agent = me(&desk.agent);
    let agent2 = me(&desk.agent2);
    let intake = desk
        .crm
        .system_session(desk.workspace.id, "channels")
        .await
        .unwrap();
    let mail = |id: &str, body: &str| {
        InboundMessage::new(
            Channel::Email,
            id,
            Sender {
                email: Some("reopen@example.com".into()),
                ..Default::default()
            },
            body,
        )
        .thread("reopen-thread")
    };
    let r = intake
        .intake(mail("<r-1@example.com>", "It broke"))
        .await
        .unwrap()
        .request;
    let r = desk
        .officer
        .refer(r.id, r.version, Holder::Staff(agent), "yours")
        .await
        .unwrap();
    let r = desk
        .agent
        .resolve(r.id, r.version, "Fixed it")
        .await
        .unwrap();
    let r = desk.manager.approve(r.id, r.version, "ok").await.unwrap();
    let r = desk.officer.reply(r.id, r.version, None).await.unwrap();
    let r = desk.officer.close(r.id, r.version).await.unwrap();
    assert_eq!(
        r.holder,
        Holder::Staff(agent),
        "closed with its last holder"
    );
    let pipeline = desk
        .admin
        .create_pipeline("Reopened", Pipeline::default_stages())
        .await
        .unwrap();
    let mut new = NewDeal::new(
        "lost one",
        r.customer.unwrap(),
        pipeline.id,
        Money::parse("5000", "IRR").unwrap(),
    );
    new.owner = Some(agent);
    let deal = desk.admin.create_deal(new).await.unwrap();
    let deal = desk
        .admin
        .lose_deal(deal.id, None, LostReason::Price)
        .await
        .unwrap();
    desk.admin
        .hand_over(agent, Successor::Staff(agent2))
        .await
        .unwrap();
    let again = intake
        .intake(mail("<r-2@example.com>", "Broken again"))
        .await
        .unwrap();
    assert!(again.reopened);
    assert_eq!(again.request.id, r.id);
    assert_eq!(again.request.status, RequestStatus::Reopened);
    assert_eq!(again.request.holder, Holder::Staff(agent2));
    // The successor can work it.
    desk.agent2
        .resolve(again.request.id, again.request.version, "Fixed again")
        .await
        .unwrap();
    let deal = desk.admin.reopen_deal(deal.id, None, None).await.unwrap();
    assert_eq!(deal.owner, agent2);
    let view = desk
        .admin
        .pipeline_view(agent2, &PageRequest::first(10))
        .await
        .unwrap();
    assert!(view.items.iter().any(|i| i.deal.id == deal.id));
}

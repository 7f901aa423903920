//! Delivery: consent, opt-outs, webhook events, delivery reports and replay, on every store.

use crate::support::Desk;
use async_trait::async_trait;
use chrono::Duration;
use crm_core::Error;
use crm_core::channel::Channel;
use crm_core::clock::Clock;
use crm_core::customer::{ContactKind, Customer};
use crm_core::id::WorkspaceId;
use crm_core::notify::{
    DeliveryReport, Destination, Dispatcher, MemoryNotifier, Notifier, NotifyError, Receipt,
    RetryPolicy,
};
use crm_core::outbox::{OutboxMessage, OutboxStatus, Purpose, Recipient};
use crm_core::request::{Holder, Request};
use crm_core::service::{InboundMessage, NewCustomer, Sender};
use crm_core::store::{PageRequest, Store, StoreExt};
use crm_core::workspace::WebhookEndpoint;
use std::sync::{Arc, Mutex};

/// A customer with an email (and consent to email when `consent`), and their request taken in,
/// referred, resolved, approved and replied to by email.
async fn replied(desk: &Desk, email: &str, consent: bool) -> (Customer, Request) {
    let mut new = NewCustomer::person("سارا", "کریمی").contact(ContactKind::Email, email);
    if consent {
        new.consent.push((Channel::Email, true));
    }
    let customer = desk.officer.create_customer(new).await.unwrap();
    let channels = desk
        .crm
        .system_session(desk.workspace.id, "channels")
        .await
        .unwrap();
    let sender = Sender {
        email: Some(email.to_owned()),
        ..Default::default()
    };
    let id = message_id(email);
    let message = InboundMessage::new(Channel::Email, &id, sender, "سفارشم نرسیده")
        .subject("پیگیری سفارش")
        .thread(&id);
    let r = channels.intake(message).await.unwrap().request;
    let agent = desk.agent.principal().staff_id().unwrap();
    let r = desk
        .officer
        .refer(r.id, r.version, Holder::Staff(agent), "لطفا پاسخ دهید")
        .await
        .unwrap();
    let r = desk
        .agent
        .resolve(r.id, r.version, "فردا می‌رسد")
        .await
        .unwrap();
    let r = desk.officer.approve(r.id, r.version, "").await.unwrap();
    let r = desk.officer.reply(r.id, r.version, None).await.unwrap();
    (customer, r)
}

/// The id of the customer's first email in [`replied`].
fn message_id(email: &str) -> String {
    format!("first.{}", email.replace('@', ".at.")) + "@mail.example.com"
}

fn dispatcher(store: &Arc<dyn Store>, desk: &Desk, notifier: Arc<dyn Notifier>) -> Dispatcher {
    let policy = RetryPolicy::new(2, Duration::seconds(10));
    Dispatcher::new(store.clone(), notifier, desk.clock.clone(), policy)
}

async fn messages_about(desk: &Desk, request: &Request, event: &str) -> Vec<OutboxMessage> {
    let all = desk.officer.deliveries(request.id.0).await.unwrap();
    all.into_iter()
        .filter(|m| m.notification.event == event)
        .collect()
}

/// The reply to a customer's own request goes out without consent; the satisfaction survey
/// does not: it is suppressed with the reason, unless the customer consented. The reply
/// names the customer's message (`In-Reply-To`, `References`), and the request's deliveries
/// show what became of each message.
pub async fn consent_decides_what_reaches_customers(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let notifier = Arc::new(MemoryNotifier::new());
    let dispatcher = dispatcher(store, &desk, notifier.clone());

    let (_, without) = replied(&desk, "sara@example.com", false).await;
    let report = dispatcher.dispatch_due(ws, 100).await.unwrap();
    assert_eq!(report.suppressed, 1, "{report:?}");
    let reply = &messages_about(&desk, &without, "request.reply").await[0];
    assert_eq!(reply.status, OutboxStatus::Delivered);
    assert_eq!(reply.notification.purpose, Purpose::Transactional);
    let first = message_id("sara@example.com");
    assert_eq!(reply.notification.in_reply_to.as_ref(), Some(&first));
    assert_eq!(reply.notification.references, vec![first]);
    let survey = &messages_about(&desk, &without, "request.satisfaction_survey").await[0];
    assert_eq!(survey.status, OutboxStatus::Suppressed);
    assert!(
        survey
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("consent"),
        "{:?}",
        survey.last_error
    );
    let customers: Vec<_> = notifier
        .destinations()
        .into_iter()
        .filter(|d| matches!(d, Destination::Customer { .. }))
        .collect();
    assert_eq!(customers.len(), 1, "only the reply reached the customer");

    let (_, with) = replied(&desk, "reza@example.com", true).await;
    dispatcher.dispatch_due(ws, 100).await.unwrap();
    let survey = &messages_about(&desk, &with, "request.satisfaction_survey").await[0];
    assert_eq!(survey.status, OutboxStatus::Delivered);
    assert!(survey.delivered_at.is_some());
}

/// A customer who texts an opt-out keyword (`لغو ۱۱`, STOP) withdraws consent to SMS in the
/// same commit; a non-transactional SMS queued before is then suppressed when delivered.
pub async fn an_sms_opt_out_withdraws_consent(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let mut new = NewCustomer::person("علی", "رضایی").contact(ContactKind::Mobile, "09121234567");
    new.consent.push((Channel::Sms, true));
    let ali = desk.officer.create_customer(new).await.unwrap();
    assert!(ali.has_consent(Channel::Sms));
    let channels = desk.crm.system_session(ws, "channels").await.unwrap();
    let sender = Sender {
        phone: Some("+98 912 123 4567".into()),
        ..Default::default()
    };
    let hello = InboundMessage::new(Channel::Sms, "sms-1", sender.clone(), "سلام");
    assert!(!channels.intake(hello).await.unwrap().unsubscribed);
    let stop = InboundMessage::new(Channel::Sms, "sms-2", sender, "لغو ۱۱");
    let outcome = channels.intake(stop).await.unwrap();
    assert!(outcome.unsubscribed);
    let ali = desk.officer.customer(ali.id).await.unwrap();
    assert!(!ali.has_consent(Channel::Sms));
    assert_eq!(
        ali.consent.get(&Channel::Sms).map(|c| c.granted),
        Some(false)
    );

    // A greeting by SMS (not transactional) is now suppressed with the reason.
    let mut n = crm_core::outbox::Notification::new(
        Recipient::Customer {
            customer: ali.id,
            channel: Channel::Sms,
            address: "+989121234567".into(),
        },
        "customer.greeting",
        "تولدت مبارک".into(),
        "تولدت مبارک".into(),
    );
    n.purpose = Purpose::Service;
    let id = crm_core::id::OutboxId(uuid::Uuid::now_v7());
    let mut commit = crm_core::store::Commit::new();
    commit.put(OutboxMessage::queued(id, desk.clock.now(), n));
    store.commit(ws, commit).await.unwrap();
    let notifier = Arc::new(MemoryNotifier::new());
    let report = dispatcher(store, &desk, notifier.clone())
        .dispatch_due(ws, 100)
        .await
        .unwrap();
    assert!(report.suppressed >= 1, "{report:?}");
    let greeting: OutboxMessage = store.fetch(ws, id.0).await.unwrap();
    assert_eq!(greeting.status, OutboxStatus::Suppressed);
    assert!(greeting.last_error.unwrap().contains("withdrew"));
    assert!(
        notifier
            .delivered()
            .iter()
            .all(|(_, n)| n.event != "customer.greeting")
    );
}

/// Events reach the webhook endpoints that want them, one event id for all copies, with a
/// JSON payload naming the event; a removed endpoint's queued events are suppressed.
pub async fn webhooks_receive_the_events_they_want(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let endpoint = |name: &str, events: &[&str]| WebhookEndpoint {
        name: name.into(),
        url: format!("https://hooks.example.com/{name}"),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        active: true,
    };
    desk.admin
        .set_webhook(endpoint("requests", &["request.*"]))
        .await
        .unwrap();
    desk.admin
        .set_webhook(endpoint("everything", &[]))
        .await
        .unwrap();
    desk.admin
        .set_webhook(endpoint("customers", &["customer.created"]))
        .await
        .unwrap();
    desk.admin.set_webhook(endpoint("bad", &[])).await.unwrap();
    let bad = WebhookEndpoint {
        url: "ftp://example.com".into(),
        ..endpoint("ftp", &[])
    };
    assert!(matches!(
        desk.admin.set_webhook(bad).await,
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        desk.officer.set_webhook(endpoint("x", &[])).await,
        Err(Error::Unauthorized { .. })
    ));
    desk.admin.remove_webhook("bad").await.unwrap();
    assert_eq!(desk.admin.webhooks().await.unwrap().len(), 3);

    // Sessions see the endpoints as they were when opened: open a fresh one.
    let channels = desk.crm.system_session(ws, "channels").await.unwrap();
    let sender = Sender {
        email: Some("new@example.com".into()),
        ..Default::default()
    };
    let out = channels
        .intake(InboundMessage::new(Channel::Email, "m-9", sender, "hello"))
        .await
        .unwrap();
    assert!(out.new_customer);
    let notifier = Arc::new(MemoryNotifier::new());
    let dispatcher = dispatcher(store, &desk, notifier.clone());
    dispatcher.dispatch_due(ws, 100).await.unwrap();
    let hooks: Vec<(String, String, uuid::Uuid, String)> = notifier
        .delivered()
        .into_iter()
        .filter_map(|(_, n)| match &n.recipient {
            Recipient::Webhook { endpoint, .. } => Some((
                endpoint.clone(),
                n.event.clone(),
                n.event_id.unwrap(),
                n.payload.clone().unwrap(),
            )),
            _ => None,
        })
        .collect();
    let mut got: Vec<(&str, &str)> = hooks.iter().map(|h| (h.0.as_str(), h.1.as_str())).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        vec![
            ("customers", "customer.created"),
            ("everything", "customer.created"),
            ("everything", "request.created"),
            ("requests", "request.created"),
        ]
    );
    let ids = |event: &str| -> Vec<uuid::Uuid> {
        hooks.iter().filter(|h| h.1 == event).map(|h| h.2).collect()
    };
    assert!(
        ids("request.created").windows(2).all(|w| w[0] == w[1]),
        "one id per event"
    );
    assert_ne!(ids("request.created")[0], ids("customer.created")[0]);
    let payload: serde_json::Value = serde_json::from_str(&hooks[0].3).unwrap();
    assert_eq!(payload["type"], hooks[0].1.as_str());
    assert!(payload["data"]["id"].is_string(), "{payload}");

    // The officer refers the request: "requests" and "everything" get request.referred; then
    // "requests" is removed and its queued copy is suppressed.
    let officer = desk
        .crm
        .session(ws, desk.officer.principal().staff_id().unwrap())
        .await
        .unwrap();
    let agent = desk.agent.principal().staff_id().unwrap();
    let r = out.request;
    officer
        .refer(r.id, r.version, Holder::Staff(agent), "please")
        .await
        .unwrap();
    desk.admin.remove_webhook("requests").await.unwrap();
    let report = dispatcher.dispatch_due(ws, 100).await.unwrap();
    assert_eq!(report.suppressed, 1, "{report:?}");
    let referred = officer
        .deliveries(r.id.0)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.notification.event == "request.referred")
        .filter(|m| matches!(m.notification.recipient, Recipient::Webhook { .. }))
        .map(|m| m.status)
        .collect::<Vec<_>>();
    let mut referred = referred;
    referred.sort_by_key(|s| s.as_str());
    assert_eq!(
        referred,
        vec![OutboxStatus::Delivered, OutboxStatus::Suppressed]
    );
}

/// A notifier that hands messages for customers to a gateway that reports delivery later
/// (staff messages are delivered at once).
#[derive(Default)]
struct Gateway {
    reports: Mutex<Vec<DeliveryReport>>,
}

#[async_trait]
impl Notifier for Gateway {
    async fn deliver(
        &self,
        _ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        if !matches!(to, Destination::Customer { .. }) {
            return Ok(Receipt::delivered());
        }
        Ok(Receipt::sent()
            .provider_ref(format!("gw-{}", message.id))
            .parts(2)
            .awaiting_report())
    }

    async fn report(
        &self,
        _ws: WorkspaceId,
        _message: &OutboxMessage,
    ) -> Result<DeliveryReport, NotifyError> {
        let mut reports = self.reports.lock().unwrap();
        Ok(if reports.is_empty() {
            DeliveryReport::Pending
        } else {
            reports.remove(0)
        })
    }
}

/// A message handed to a gateway is `Sent` with the gateway's id and parts; the worker asks
/// for its report at the report interval and records `Delivered` (or a bounce) when the
/// gateway knows; a message whose report never comes stays `Sent` after the window.
pub async fn delivery_reports_follow_sent_messages(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let gateway = Arc::new(Gateway::default());
    let policy = RetryPolicy::new(3, Duration::seconds(10))
        .with_reports(Duration::minutes(2), Duration::hours(1));
    let dispatcher = Dispatcher::new(store.clone(), gateway.clone(), desk.clock.clone(), policy);
    let (_, r) = replied(&desk, "sara@example.com", true).await;
    let report = dispatcher.dispatch_due(ws, 100).await.unwrap();
    assert_eq!(report.sent, 2, "the reply and the survey: {report:?}");
    let reply = &messages_about(&desk, &r, "request.reply").await[0];
    assert_eq!(reply.status, OutboxStatus::Sent);
    assert_eq!(reply.provider_ref, Some(format!("gw-{}", reply.id)));
    assert_eq!(reply.parts, Some(2));
    assert!(reply.awaiting_report);

    // Not asked before the interval; then one says delivered, the other bounced.
    assert_eq!(dispatcher.check_reports(ws, 100).await.unwrap().reported, 0);
    *gateway.reports.lock().unwrap() = vec![
        DeliveryReport::Delivered,
        DeliveryReport::Bounced("no such mailbox".into()),
    ];
    desk.tick(2);
    let checked = dispatcher.check_reports(ws, 100).await.unwrap();
    assert_eq!((checked.delivered, checked.bounced), (1, 1), "{checked:?}");
    let statuses: Vec<OutboxStatus> = desk
        .officer
        .deliveries(r.id.0)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| matches!(m.notification.recipient, Recipient::Customer { .. }))
        .map(|m| m.status)
        .collect();
    assert!(statuses.contains(&OutboxStatus::Delivered), "{statuses:?}");
    assert!(statuses.contains(&OutboxStatus::Bounced), "{statuses:?}");

    // A report that never comes: asked until the window closes, then it stays Sent.
    let (_, r2) = replied(&desk, "reza@example.com", true).await;
    dispatcher.dispatch_due(ws, 100).await.unwrap();
    for _ in 0..40 {
        desk.tick(2);
        dispatcher.check_reports(ws, 100).await.unwrap();
    }
    let reply = &messages_about(&desk, &r2, "request.reply").await[0];
    assert_eq!(reply.status, OutboxStatus::Sent);
    assert!(!reply.awaiting_report, "no longer asked after the window");
}

/// A parked message can be replayed by an officer: it is queued again with its attempts reset,
/// delivered with the same id, and the replay is audited; a delivered one cannot be replayed.
pub async fn parked_messages_can_be_replayed(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let notifier = Arc::new(MemoryNotifier::new());
    let dispatcher = dispatcher(store, &desk, notifier.clone());
    let (_, r) = replied(&desk, "sara@example.com", true).await;
    notifier.fail_next(100, false);
    dispatcher.dispatch_due(ws, 100).await.unwrap();
    desk.tick(1);
    let report = dispatcher.dispatch_due(ws, 100).await.unwrap();
    assert!(report.parked >= 2, "{report:?}");
    let parked = desk
        .officer
        .outbox(OutboxStatus::Parked, &PageRequest::first(100))
        .await
        .unwrap()
        .items;
    let reply = parked
        .iter()
        .find(|m| m.notification.event == "request.reply")
        .unwrap();
    assert_eq!(reply.attempts, 2);
    assert!(matches!(
        desk.agent.replay(reply.id).await,
        Err(Error::Unauthorized { .. })
    ));
    let again = desk.officer.replay(reply.id).await.unwrap();
    assert_eq!((again.status, again.attempts), (OutboxStatus::Pending, 0));
    notifier.fail_next(0, false);
    let report = dispatcher.dispatch_due(ws, 100).await.unwrap();
    assert_eq!(report.delivered, 1, "{report:?}");
    let delivered = &messages_about(&desk, &r, "request.reply").await[0];
    assert_eq!(delivered.status, OutboxStatus::Delivered);
    assert_eq!(delivered.id, reply.id);
    assert!(matches!(
        desk.officer.replay(reply.id).await,
        Err(Error::IllegalTransition { .. })
    ));
    let trail = desk
        .manager
        .audit_trail(Some(reply.id.0), &PageRequest::first(10))
        .await
        .unwrap();
    assert!(
        trail
            .items
            .iter()
            .any(|e| e.action == crm_core::audit::AuditAction::Replayed)
    );
}

/// The worker delivers what is due and stops when told: it
/// returns, and a message queued after that stays queued.
pub async fn the_worker_delivers_until_told_to_stop(store: &Arc<dyn Store>) {
    let desk = Desk::open(store, "Acme").await;
    let ws = desk.workspace.id;
    let notifier = Arc::new(MemoryNotifier::new());
    let worker = crm_core::worker::Worker::new(desk.crm.clone(), notifier.clone(), vec![ws])
        .poll(std::time::Duration::from_millis(5));
    let (_, r) = replied(&desk, "sara@example.com", true).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watcher = notifier.clone();
    let stopper = async move {
        for _ in 0..2000 {
            let customers = watcher
                .delivered()
                .iter()
                .filter(|(_, n)| matches!(n.recipient, Recipient::Customer { .. }))
                .count();
            if customers == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let _ = stop.send(());
    };
    let (ran, ()) = tokio::join!(
        worker.run(async {
            let _ = stopped.await;
        }),
        stopper
    );
    ran.unwrap();
    let reply = &messages_about(&desk, &r, "request.reply").await[0];
    assert_eq!(reply.status, OutboxStatus::Delivered);
    let before = notifier.delivered().len();
    let (_, later) = replied(&desk, "reza@example.com", true).await;
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    assert_eq!(
        notifier.delivered().len(),
        before,
        "nothing delivered after the stop"
    );
    let queued = &messages_about(&desk, &later, "request.reply").await[0];
    assert_eq!(queued.status, OutboxStatus::Pending);
}

/// A deal's events reach the webhooks that want them (`deal.created`, `deal.won`), and the
/// worker's forecast job freezes today's snapshots once however often it runs.
pub async fn deal_events_reach_webhooks_and_the_worker_freezes_forecasts(store: &Arc<dyn Store>) {
    let sales = super::SalesDesk::open(store, "Acme").await;
    let desk = &sales.desk;
    let ws = desk.workspace.id;
    desk.admin
        .set_webhook(WebhookEndpoint {
            name: "erp".into(),
            url: "https://erp.example.com/hooks".into(),
            events: vec!["deal.*".into()],
            active: true,
        })
        .await
        .unwrap();
    // Sessions opened after the endpoint was set see it.
    let manager = desk
        .crm
        .session(ws, desk.manager.principal().staff_id().unwrap())
        .await
        .unwrap();
    let customer = sales.customer("Sara").await;
    let deal = sales.deal(&manager, customer, "1000000", "IRR").await;
    manager.win_deal(deal.id, None).await.unwrap();
    let notifier = Arc::new(MemoryNotifier::new());
    let worker = crm_core::worker::Worker::new(desk.crm.clone(), notifier.clone(), vec![ws]);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let first = worker.round(&stop).await;
    assert_eq!(first.errors, 0, "{first:?}");
    let events: Vec<String> = notifier
        .delivered()
        .into_iter()
        .filter(|(_, n)| matches!(n.recipient, Recipient::Webhook { .. }))
        .map(|(_, n)| n.event)
        .collect();
    assert_eq!(
        events,
        vec!["deal.created".to_owned(), "deal.won".to_owned()]
    );
    let frozen = desk.admin.freeze_forecasts(desk.clock.now()).await.unwrap();
    assert_eq!(frozen, 0, "the worker froze today's snapshots already");
}

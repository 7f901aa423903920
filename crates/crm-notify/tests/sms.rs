//! SMS through a fake Kavenegar server on loopback: Persian text in UCS-2 parts, delivery
//! reports through a real `Dispatcher`, a server down, a slow server, and an API key that
//! never shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Duration;
use crm_core::channel::Channel;
use crm_core::id::{CustomerId, WorkspaceId};
use crm_core::notify::{Destination, Dispatcher, Notifier, NotifyError, RetryPolicy};
use crm_core::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crm_core::service::NewCustomer;
use crm_notify::sms::{HttpGateway, HttpMethod, Kavenegar, SmsGateway, SmsNotifier, segments};
use std::sync::Arc;
use support::capture::Capture;
use support::fake_kavenegar::FakeKavenegar;

const KEY: &str = "4A6F2B3C5D7E8F90112233445566778899AABBCCDDEEFF00";
const NUMBER: &str = "+989121234567";

/// 140 Persian letters and spaces, ending in a full stop: 140 UTF-16 units, 3 parts of at
/// most 67.
fn persian_140() -> String {
    let sentence = "پاسخ درخواست شما آماده است ";
    let mut text: String = sentence.chars().cycle().take(139).collect();
    text.push('.');
    text
}

fn sms_to(customer: CustomerId, address: &str, body: &str) -> Notification {
    Notification::new(
        Recipient::Customer {
            customer,
            channel: Channel::Sms,
            address: address.to_owned(),
        },
        "request.replied",
        "پاسخ".to_owned(),
        body.to_owned(),
    )
}

fn destination(address: &str) -> Destination {
    Destination::Customer {
        customer: CustomerId(uuid::Uuid::nil()),
        channel: Channel::Sms,
        address: address.to_owned(),
        name: "علی".to_owned(),
    }
}

fn message(body: &str, address: &str) -> OutboxMessage {
    OutboxMessage::queued(
        crm_core::id::OutboxId(uuid::Uuid::now_v7()),
        chrono::Utc::now(),
        sms_to(CustomerId(uuid::Uuid::nil()), address, body),
    )
}

fn ws() -> WorkspaceId {
    WorkspaceId(uuid::Uuid::nil())
}

fn kavenegar(url: &str) -> Kavenegar {
    Kavenegar::new(KEY)
        .sender("10004346")
        .base_url(url)
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap()
}

/// The key is in none of these texts.
fn assert_no_key(texts: &[String]) {
    for text in texts {
        assert!(!text.contains(KEY), "the API key leaked: {text}");
    }
}

#[tokio::test]
async fn a_persian_reply_is_sent_in_ucs2_parts_and_reported_delivered() {
    let fake = FakeKavenegar::start(KEY).await;
    let (store, desk) = support::desk::open().await;
    let ws = desk.workspace.id;
    let customer = desk
        .officer
        .create_customer(NewCustomer::person("علی", "رضایی"))
        .await
        .unwrap();
    let text = persian_140();
    assert_eq!(text.chars().count(), 140);
    let id = support::desk::queue(&store, &desk, sms_to(customer.id, NUMBER, &text)).await;

    let notifier = Arc::new(SmsNotifier::new(kavenegar(&fake.url)));
    let policy = RetryPolicy::new(3, Duration::seconds(10))
        .with_reports(Duration::minutes(2), Duration::days(1));
    let dispatcher = Dispatcher::new(store.clone(), notifier, desk.clock.clone(), policy);

    let report = dispatcher.dispatch_due(ws, 10).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, format!("/v1/{KEY}/sms/send.json"));
    assert_eq!(
        sent.fields["receptor"], "09121234567",
        "in Kavenegar's national form"
    );
    assert_eq!(
        sent.fields["message"], text,
        "the Persian text arrived intact"
    );
    assert_eq!(sent.fields["sender"], "10004346");

    let stored = support::desk::load(&store, ws, id).await;
    assert_eq!(stored.status, OutboxStatus::Sent);
    assert_eq!(stored.parts, Some(3), "140 UCS-2 units are 3 parts of 67");
    assert!(stored.awaiting_report);
    let provider_ref = stored.provider_ref.clone().unwrap();
    assert_eq!(provider_ref, "8792344");

    // Still queued at the gateway: the message stays Sent and is asked about again later.
    desk.clock.advance(Duration::minutes(3));
    let report = dispatcher.check_reports(ws, 10).await.unwrap();
    assert_eq!(report.reported, 0);
    assert_eq!(
        support::desk::load(&store, ws, id).await.status,
        OutboxStatus::Sent
    );
    assert_eq!(
        fake.requests().last().unwrap().fields["messageid"],
        provider_ref
    );

    // The gateway reports delivery (Kavenegar status 10).
    fake.set_status(&provider_ref, 10);
    desk.clock.advance(Duration::minutes(3));
    let report = dispatcher.check_reports(ws, 10).await.unwrap();
    assert_eq!(report.delivered, 1, "{report:?}");
    let stored = support::desk::load(&store, ws, id).await;
    assert_eq!(stored.status, OutboxStatus::Delivered);
    assert!(!stored.awaiting_report);
    assert_eq!(stored.parts, Some(3));
}

#[tokio::test]
async fn reports_of_failure_and_of_a_blocked_number_end_failed_and_bounced() {
    let fake = FakeKavenegar::start(KEY).await;
    let (store, desk) = support::desk::open().await;
    let ws = desk.workspace.id;
    let customer = desk
        .officer
        .create_customer(NewCustomer::person("Sara", "Karimi"))
        .await
        .unwrap();
    let a = support::desk::queue(&store, &desk, sms_to(customer.id, NUMBER, "first")).await;
    let b = support::desk::queue(&store, &desk, sms_to(customer.id, NUMBER, "second")).await;
    let notifier = Arc::new(SmsNotifier::new(kavenegar(&fake.url)));
    let dispatcher = Dispatcher::new(
        store.clone(),
        notifier,
        desk.clock.clone(),
        RetryPolicy::default(),
    );
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().sent, 2);
    let ref_a = support::desk::load(&store, ws, a)
        .await
        .provider_ref
        .unwrap();
    let ref_b = support::desk::load(&store, ws, b)
        .await
        .provider_ref
        .unwrap();
    fake.set_status(&ref_a, 11); // not delivered: the phone stayed off
    fake.set_status(&ref_b, 14); // blocked by the recipient
    desk.clock.advance(Duration::minutes(3));
    let report = dispatcher.check_reports(ws, 10).await.unwrap();
    assert_eq!((report.failed, report.bounced), (1, 1), "{report:?}");
    let a = support::desk::load(&store, ws, a).await;
    assert_eq!(a.status, OutboxStatus::Failed);
    assert!(a.last_error.unwrap().contains("11"));
    assert_eq!(
        support::desk::load(&store, ws, b).await.status,
        OutboxStatus::Bounced
    );
}

#[tokio::test]
async fn a_server_that_is_down_is_retried_then_parked_without_showing_the_key() {
    // A port nobody listens on.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);

    let (store, desk) = support::desk::open().await;
    let ws = desk.workspace.id;
    let customer = desk
        .officer
        .create_customer(NewCustomer::person("Reza", "Ahmadi"))
        .await
        .unwrap();
    let id = support::desk::queue(&store, &desk, sms_to(customer.id, NUMBER, "سلام")).await;
    let notifier = Arc::new(SmsNotifier::new(kavenegar(&url)));
    let policy = RetryPolicy::new(3, Duration::seconds(10)).with_max_delay(Duration::seconds(20));
    let dispatcher = Dispatcher::new(store.clone(), notifier.clone(), desk.clock.clone(), policy);

    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().retrying, 1);
    desk.clock.advance(Duration::seconds(20));
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().retrying, 1);
    desk.clock.advance(Duration::seconds(20));
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().parked, 1);

    let stored = support::desk::load(&store, ws, id).await;
    assert_eq!(stored.status, OutboxStatus::Parked);
    assert_eq!(stored.attempts, 3);
    let error = stored.last_error.unwrap();
    assert!(error.contains("unavailable"), "{error}");
    let mut texts = capture.lines();
    texts.push(error);
    texts.push(format!("{notifier:?}"));
    assert_no_key(&texts);
}

#[tokio::test]
async fn a_slow_server_times_out_as_a_temporary_failure() {
    let fake = FakeKavenegar::start(KEY).await;
    fake.set_delay(std::time::Duration::from_secs(3));
    let gateway = Kavenegar::new(KEY)
        .base_url(&fake.url)
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let notifier = SmsNotifier::new(gateway);
    let started = std::time::Instant::now();
    let error = notifier
        .deliver(ws(), &message("hello", NUMBER), &destination(NUMBER))
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(matches!(error, NotifyError::Temporary(_)), "{error}");
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_no_key(&[error.to_string(), format!("{error:?}")]);
}

#[tokio::test]
async fn gateway_answers_map_to_temporary_bounced_and_permanent() {
    let fake = FakeKavenegar::start(KEY).await;
    let notifier = SmsNotifier::new(kavenegar(&fake.url));

    // Kavenegar 411: the receptor is invalid -> bounced.
    let bad = "+98123";
    let error = notifier
        .deliver(ws(), &message("hi", bad), &destination(bad))
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Bounced(_)), "{error}");

    // 5xx and 429 -> temporary.
    for status in [502, 503, 429] {
        fake.fail_with(Some(status));
        let error = notifier
            .deliver(ws(), &message("hi", NUMBER), &destination(NUMBER))
            .await
            .unwrap_err();
        assert!(
            matches!(error, NotifyError::Temporary(_)),
            "{status}: {error}"
        );
    }
    fake.fail_with(None);

    // A wrong key (Kavenegar 403) -> permanent, and neither key shows.
    let wrong = Kavenegar::new("WRONGKEY0123456789")
        .base_url(&fake.url)
        .build()
        .unwrap();
    let error = SmsNotifier::new(wrong)
        .deliver(ws(), &message("hi", NUMBER), &destination(NUMBER))
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert!(error.to_string().contains("403"), "{error}");
    assert!(!error.to_string().contains("WRONGKEY0123456789"), "{error}");

    // Only customers on SMS; no empty texts.
    let error = notifier
        .deliver(
            ws(),
            &message("hi", NUMBER),
            &Destination::Webhook {
                endpoint: "x".into(),
                url: "https://example.com".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    let error = notifier
        .deliver(ws(), &message("  ", NUMBER), &destination(NUMBER))
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert_eq!(
        fake.requests().len(),
        5,
        "the refused ones never reached the gateway"
    );
}

#[tokio::test]
async fn the_api_key_shows_in_no_error_debug_output_or_log_line() {
    let fake = FakeKavenegar::start(KEY).await;
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let gateway = kavenegar(&fake.url);
    let mut texts = vec![format!("{gateway:?}")];

    fake.fail_with(Some(500));
    let error = gateway.send(NUMBER, "x").await.unwrap_err();
    texts.push(error.to_string());
    texts.push(format!("{error:?}"));
    fake.fail_with(None);

    let error = gateway.status("not-a-number").await;
    texts.push(format!("{error:?}"));

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let down = kavenegar(&closed);
    let error = down.send(NUMBER, "x").await.unwrap_err();
    texts.push(error.to_string());
    texts.push(format!("{error:?}"));
    let notifier = SmsNotifier::new(down);
    let error = notifier
        .deliver(ws(), &message("x", NUMBER), &destination(NUMBER))
        .await
        .unwrap_err();
    texts.push(error.to_string());
    texts.push(format!("{error:?}"));
    texts.push(format!("{notifier:?}"));

    let sent = notifier.gateway().send(NUMBER, "x").await;
    assert!(sent.is_err());
    let ok = SmsNotifier::new(kavenegar(&fake.url));
    let receipt = ok
        .deliver(ws(), &message("x", NUMBER), &destination(NUMBER))
        .await
        .unwrap();
    texts.push(format!("{receipt:?}"));
    let logged = capture.lines();
    assert!(
        logged
            .iter()
            .any(|l| l.contains("SMS handed to the gateway")),
        "the capture sees the notifier's log: {logged:?}"
    );
    texts.extend(logged);
    assert_no_key(&texts);
}

#[tokio::test]
async fn the_generic_gateway_fills_its_template_and_reads_the_id() {
    // The fake Kavenegar answers JSON with entries[0].messageid: a generic gateway pointed at
    // it with a template and a JSON pointer reads the same id.
    let fake = FakeKavenegar::start(KEY).await;
    let template = format!(
        "{}/v1/{KEY}/sms/send.json?receptor={{to}}&message={{text}}",
        fake.url
    );
    let gateway = HttpGateway::new(template)
        .header("Authorization", "Bearer TOKEN-123")
        .message_id_pointer("/entries/0/messageid")
        .build()
        .unwrap();
    let text = "سلام & خداحافظ";
    let sent = gateway.send(NUMBER, text).await.unwrap();
    assert_eq!(sent.id.as_deref(), Some("8792344"));
    assert_eq!(sent.parts, segments(text).parts);
    let request = &fake.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.fields["receptor"], NUMBER);
    assert_eq!(request.fields["message"], text);
    assert!(!gateway.reports_delivery());

    let post = HttpGateway::new(format!("{}/v1/{KEY}/sms/send.json", fake.url))
        .method(HttpMethod::Post)
        .form_field("receptor", "{to}")
        .form_field("message", "{text}")
        .form_field("sender", "{sender}")
        .sender("10004346")
        .build()
        .unwrap();
    let notifier = SmsNotifier::new(post);
    let receipt = notifier
        .deliver(ws(), &message("hello", NUMBER), &destination(NUMBER))
        .await
        .unwrap();
    assert_eq!(receipt.parts, Some(1));
    assert!(!receipt.awaits_report, "no id pointer, no reports");
    let request = &fake.requests()[1];
    assert_eq!(request.method, "POST");
    assert_eq!(request.fields["sender"], "10004346");

    fake.fail_with(Some(400));
    let error = gateway.send(NUMBER, "x").await.unwrap_err();
    assert!(error.to_string().contains("400"), "{error}");
    assert!(!format!("{gateway:?}").contains("TOKEN-123"));
    assert!(!format!("{gateway:?}").contains(KEY));
}

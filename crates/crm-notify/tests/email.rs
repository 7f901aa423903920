//! The email notifier against a real SMTP server (aiosmtpd, started by the tests on
//! loopback), with what arrived read by an independent parser (Python's `email` package).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/sink.rs"]
mod sink;

use chrono::Duration as ChronoDuration;
use crm_core::channel::Channel;
use crm_core::clock::{Clock, ManualClock};
use crm_core::id::{CustomerId, OutboxId, StaffId, WorkspaceId};
use crm_core::notify::{Destination, Dispatcher, Notifier, NotifyError, RetryPolicy};
use crm_core::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crm_core::store::{Commit, Store, StoreExt};
use crm_notify::email::{EmailNotifier, SmtpConfig, Tls};
use crm_store_memory::MemoryStore;
use crm_testkit::support::Desk;
use sink::{Sink, parse};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SUBJECT: &str = "پاسخ درخواست ۱۲: مشکل صورتحساب";
const BODY: &str =
    "علی جان سلام،\n\nصورتحساب شما اصلاح شد و مبلغ اضافه برگشت داده می‌شود.\nبا احترام، پشتیبانی";

fn config(port: u16) -> SmtpConfig {
    SmtpConfig::smtp("127.0.0.1", port, Tls::None)
        .from("پشتیبانی Acme", "support@acme.example")
        .domain("acme.example")
}

fn notifier(config: SmtpConfig) -> EmailNotifier {
    EmailNotifier::new(config).expect("valid config")
}

fn customer(address: &str) -> (Recipient, Destination) {
    let customer = CustomerId(uuid::Uuid::from_u128(7));
    (
        Recipient::Customer {
            customer,
            channel: Channel::Email,
            address: address.into(),
        },
        Destination::Customer {
            customer,
            channel: Channel::Email,
            address: address.into(),
            name: "علی رضایی".into(),
        },
    )
}

fn reply(recipient: Recipient) -> OutboxMessage {
    let n = Notification::new(recipient, "request.replied", SUBJECT.into(), BODY.into());
    OutboxMessage::queued(OutboxId(uuid::Uuid::now_v7()), chrono::Utc::now(), n)
}

fn ws() -> WorkspaceId {
    WorkspaceId(uuid::Uuid::from_u128(1))
}

#[tokio::test]
async fn persian_subject_and_body_round_trip_with_text_and_html_parts() {
    let Some(sink) = Sink::start("persian_subject_and_body_round_trip", &[]) else {
        return;
    };
    let (recipient, to) = customer("ali@example.com");
    let message = reply(recipient);
    let receipt = notifier(config(sink.port))
        .deliver(ws(), &message, &to)
        .await
        .expect("delivered");
    assert!(
        !receipt.delivered,
        "SMTP only hands over: sent, not delivered"
    );
    assert_eq!(
        receipt.provider_ref,
        Some(format!("{}@acme.example", message.id))
    );
    let files = sink.wait_for(1);
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(raw.is_ascii(), "headers and bodies are encoded to 7-bit");
    let got = parse(&files[0]);
    assert_eq!(got["subject"], SUBJECT);
    // Text travels in MIME's canonical form, CRLF line ends; the characters are exact.
    let text = got["text"].as_str().unwrap().replace("\r\n", "\n");
    assert_eq!(text.trim_end(), BODY);
    assert_eq!(got["to"], "علی رضایی <ali@example.com>");
    assert_eq!(got["from"], "پشتیبانی Acme <support@acme.example>");
    assert_eq!(
        got["content_types"],
        serde_json::json!(["multipart/alternative", "text/plain", "text/html"])
    );
    assert_eq!(got["charsets"], serde_json::json!(["utf-8", "utf-8"]));
    let html = got["html"].as_str().unwrap();
    assert!(html.contains(r#"dir="rtl" lang="fa""#), "{html}");
    assert!(html.contains("<p>علی جان سلام،</p>"), "{html}");
    assert!(got["date"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(got["x_crm_event"], "request.replied");
    assert!(
        got["auto_submitted"].is_null(),
        "customers' mail is not marked"
    );
}

#[tokio::test]
async fn an_english_message_is_left_to_right_and_its_own_html_is_kept() {
    let Some(sink) = Sink::start("an_english_message_is_left_to_right", &[]) else {
        return;
    };
    let (recipient, to) = customer("ali@example.com");
    let mut message = reply(recipient.clone());
    message.notification.subject = "Your request".into();
    // Lines starting with a dot survive SMTP's dot-stuffing.
    message.notification.body = "Hello <Ali>\n.a line with a dot\n..two\n.".into();
    let email = notifier(config(sink.port));
    email.deliver(ws(), &message, &to).await.unwrap();
    let mut own = reply(recipient);
    own.notification.html = Some("<p>custom <b>html</b></p>".into());
    email.deliver(ws(), &own, &to).await.unwrap();
    let files = sink.wait_for(2);
    let first = parse(&files[0]);
    let html = first["html"].as_str().unwrap();
    assert!(
        html.contains(r#"dir="ltr""#) && html.contains("Hello &lt;Ali&gt;"),
        "{html}"
    );
    let second = parse(&files[1]);
    assert_eq!(
        second["html"].as_str().unwrap().trim_end(),
        "<p>custom <b>html</b></p>"
    );
}

#[tokio::test]
async fn the_message_id_is_the_same_on_every_delivery_of_one_outbox_message() {
    let Some(sink) = Sink::start("the_message_id_is_stable", &[]) else {
        return;
    };
    let (recipient, to) = customer("ali@example.com");
    let message = reply(recipient.clone());
    let other = reply(recipient);
    let email = notifier(config(sink.port));
    email.deliver(ws(), &message, &to).await.unwrap();
    email.deliver(ws(), &message, &to).await.unwrap();
    email.deliver(ws(), &other, &to).await.unwrap();
    let files = sink.wait_for(3);
    let ids: Vec<String> = files
        .iter()
        .map(|f| parse(f)["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids[0], format!("<{}@acme.example>", message.id));
    assert_eq!(ids[0], ids[1], "a repeat carries the same Message-ID");
    assert_ne!(ids[0], ids[2]);
}

#[tokio::test]
async fn replies_carry_in_reply_to_and_references() {
    let Some(sink) = Sink::start("replies_carry_in_reply_to_and_references", &[]) else {
        return;
    };
    let (recipient, to) = customer("ali@example.com");
    let mut message = reply(recipient);
    message.notification.in_reply_to = Some("m2@mail.example.com".into());
    message.notification.references = vec!["m0@mail.example.com".into(), "<m1@x>".into()];
    notifier(config(sink.port))
        .deliver(ws(), &message, &to)
        .await
        .unwrap();
    let got = parse(&sink.wait_for(1)[0]);
    assert_eq!(got["in_reply_to"], "<m2@mail.example.com>");
    assert_eq!(
        got["references"],
        "<m0@mail.example.com> <m1@x> <m2@mail.example.com>"
    );
}

#[tokio::test]
async fn staff_notifications_are_auto_submitted_and_staff_without_email_fail() {
    let Some(sink) = Sink::start("staff_notifications_are_auto_submitted", &[]) else {
        return;
    };
    let staff = StaffId(uuid::Uuid::from_u128(3));
    let message = reply(Recipient::Staff { staff });
    let email = notifier(config(sink.port));
    let to = Destination::Staff {
        staff,
        email: Some("sara@acme.example".into()),
        name: "Sara Amini".into(),
    };
    email.deliver(ws(), &message, &to).await.unwrap();
    let got = parse(&sink.wait_for(1)[0]);
    assert_eq!(got["auto_submitted"], "auto-generated");
    assert_eq!(got["to"], "Sara Amini <sara@acme.example>");

    let no_email = Destination::Staff {
        staff,
        email: None,
        name: "Sara Amini".into(),
    };
    let err = email.deliver(ws(), &message, &no_email).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err}");
    assert!(err.to_string().contains("no work email"), "{err}");
    let sms = Destination::Customer {
        customer: CustomerId(uuid::Uuid::from_u128(7)),
        channel: Channel::Sms,
        address: "+989121234567".into(),
        name: "Ali".into(),
    };
    let err = email.deliver(ws(), &message, &sms).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err}");
    assert_eq!(sink.messages().len(), 1, "nothing more was sent");
}

#[tokio::test]
async fn authentication_works_and_a_wrong_password_is_not_shown() {
    let Some(sink) = Sink::start(
        "authentication_works",
        &["--auth", "crm:correct-horse-battery"],
    ) else {
        return;
    };
    let (recipient, to) = customer("ali@example.com");
    let message = reply(recipient);
    let good = notifier(config(sink.port).credentials("crm", "correct-horse-battery"));
    good.deliver(ws(), &message, &to)
        .await
        .expect("authenticated");
    assert_eq!(sink.wait_for(1).len(), 1);

    let wrong = notifier(config(sink.port).credentials("crm", "wrong-staple-9"));
    let err = wrong.deliver(ws(), &message, &to).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("AUTH"), "{text}");
    assert!(!text.contains("wrong-staple-9"), "{text}");
    assert!(!format!("{wrong:?}").contains("wrong-staple-9"));

    let anonymous = notifier(config(sink.port));
    let err = anonymous.deliver(ws(), &message, &to).await.unwrap_err();
    assert!(!matches!(err, NotifyError::Bounced(_)), "{err}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        sink.messages().len(),
        1,
        "nothing sent without authentication"
    );
}

#[tokio::test]
async fn a_refused_recipient_bounces_a_busy_one_is_temporary_refused_content_fails() {
    let Some(sink) = Sink::start("a_refused_recipient_bounces", &[]) else {
        return;
    };
    let email = notifier(config(sink.port));
    let (recipient, to) = customer("bounce@example.com");
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Bounced(_)), "{err}");
    assert!(err.to_string().contains("550"), "{err}");

    let (recipient, to) = customer("busy@example.com");
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Temporary(_)), "{err}");
    assert!(err.to_string().contains("451"), "{err}");

    let (recipient, to) = customer("reject@example.com");
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err}");
    assert!(err.to_string().contains("554"), "{err}");

    let (recipient, to) = customer("not an address");
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Bounced(_)), "{err}");

    // The notifier goes on delivering after the refusals.
    let (recipient, to) = customer("ali@example.com");
    email.deliver(ws(), &reply(recipient), &to).await.unwrap();
    assert_eq!(sink.wait_for(1).len(), 1);
}

#[tokio::test]
async fn a_slow_server_is_a_temporary_failure_by_timeout() {
    let Some(sink) = Sink::start("a_slow_server_times_out", &["--slow-data", "4"]) else {
        return;
    };
    let email = notifier(config(sink.port).timeout(Duration::from_secs(1)));
    let (recipient, to) = customer("ali@example.com");
    let started = Instant::now();
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, NotifyError::Temporary(_)), "{err}");
    assert!(
        err.to_string().contains("no answer within 1000 ms"),
        "{err}"
    );
    assert!(took < Duration::from_millis(2500), "took {took:?}");
}

#[tokio::test]
async fn a_server_that_is_down_is_temporary() {
    let email = notifier(config(sink::closed_port()).timeout(Duration::from_secs(2)));
    let (recipient, to) = customer("ali@example.com");
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Temporary(_)), "{err}");
    assert!(err.to_string().contains("connecting"), "{err}");
}

#[tokio::test]
async fn the_dispatcher_retries_a_server_that_is_down_then_parks() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let desk = Desk::open(&store, "email-down").await;
    let ws = desk.workspace.id;
    let clock: Arc<ManualClock> = desk.clock.clone();
    let admin = desk.admin.principal().staff_id().unwrap();
    let n = Notification::new(
        Recipient::Staff { staff: admin },
        "request.referred",
        "ارجاع".into(),
        "درخواست ۱ به شما ارجاع شد".into(),
    );
    let id = OutboxId(uuid::Uuid::now_v7());
    let mut commit = Commit::new();
    commit.put(OutboxMessage::queued(id, clock.now(), n));
    store.commit(ws, commit).await.unwrap();

    let email = notifier(config(sink::closed_port()).timeout(Duration::from_secs(2)));
    let dispatcher = Dispatcher::new(
        store.clone(),
        Arc::new(email),
        clock.clone(),
        RetryPolicy::new(3, ChronoDuration::seconds(10)),
    );
    let mut retrying = 0;
    let mut parked = 0;
    for _ in 0..5 {
        let report = dispatcher.dispatch_due(ws, 10).await.unwrap();
        retrying += report.retrying;
        parked += report.parked;
        clock.advance(ChronoDuration::hours(1));
    }
    assert_eq!((retrying, parked), (2, 1));
    let stored: OutboxMessage = store.load(ws, id.0).await.unwrap().unwrap();
    assert_eq!(stored.status, OutboxStatus::Parked);
    assert_eq!(stored.attempts, 3);
    let error = stored.last_error.unwrap_or_default();
    assert!(error.contains("connecting"), "{error}");
}

#[tokio::test]
async fn starttls_required_never_falls_back_to_plain_text() {
    let Some(sink) = Sink::start("starttls_required_never_falls_back", &[]) else {
        return;
    };
    let email = notifier(
        SmtpConfig::smtp("127.0.0.1", sink.port, Tls::StartTls)
            .from("Acme", "support@acme.example")
            .domain("acme.example"),
    );
    let (recipient, to) = customer("ali@example.com");
    let err = email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(sink.messages().is_empty(), "nothing was sent in plain text");
}

#[tokio::test]
async fn the_mail_directory_mode_writes_one_eml_per_message() {
    if !sink::available("the_mail_directory_mode_writes_one_eml_per_message") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let email = notifier(
        SmtpConfig::mail_dir(dir.path().join("outbox"))
            .from("Acme", "support@acme.example")
            .domain("acme.example"),
    );
    let (recipient, to) = customer("ali@example.com");
    let message = reply(recipient);
    let receipt = email.deliver(ws(), &message, &to).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|e| e == "eml"));
    let got = parse(&files[0]);
    assert_eq!(got["subject"], SUBJECT);
    assert_eq!(
        got["message_id"],
        format!("<{}>", receipt.provider_ref.unwrap())
    );
}

#[tokio::test]
async fn a_kept_connection_the_server_closed_is_replaced() {
    let Some(first) = Sink::start("a_kept_connection_the_server_closed_is_replaced", &[]) else {
        return;
    };
    let port = first.port;
    let email = notifier(config(port));
    let (recipient, to) = customer("ali@example.com");
    email
        .deliver(ws(), &reply(recipient.clone()), &to)
        .await
        .unwrap();
    assert_eq!(first.wait_for(1).len(), 1);
    // The server restarts on the same port: the kept connection is dead.
    drop(first);
    let port_text = port.to_string();
    let second = Sink::start("a_kept_connection_replaced", &["--port", &port_text]).unwrap();
    email
        .deliver(ws(), &reply(recipient), &to)
        .await
        .expect("delivered on a new connection");
    assert_eq!(second.wait_for(1).len(), 1);
}

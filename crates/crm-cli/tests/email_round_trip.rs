//! The whole email round trip: a customer's email taken in by the `crm` binary, answered
//! through the cartable, the reply delivered by the email notifier to a real SMTP server
//! (aiosmtpd), the customer's answer to that reply written as a mail client would, and taken
//! in again: it joins the same request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../crm-notify/tests/support/sink.rs"]
mod sink;

use common::{fixture, ok, workspace};
use crm::clock::SystemClock;
use crm::id::WorkspaceId;
use crm::notify::{Dispatcher, RetryPolicy};
use crm::outbox::{OutboxMessage, OutboxStatus};
use crm::sled_store::{SledConfig, SledStore};
use crm::store::{Store, StoreExt};
use crm_notify::email::{EmailNotifier, SmtpConfig, Tls};
use sink::{Sink, answer, parse};
use std::path::Path;
use std::sync::Arc;

/// The workspace `crm init` recorded in the data directory.
fn workspace_id(db: &Path) -> WorkspaceId {
    let text = std::fs::read_to_string(db.join("crm-cli.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["workspace"].as_str().unwrap().parse().unwrap()
}

/// Delivers everything due in the data directory's outbox to the sink, with the library,
/// after the CLI has exited.
async fn deliver_outbox(db: &Path, port: u16) -> Vec<OutboxMessage> {
    let ws = workspace_id(db);
    let store: Arc<dyn Store> = Arc::new(SledStore::open(SledConfig::new(db)).unwrap());
    let email = EmailNotifier::new(
        SmtpConfig::smtp("127.0.0.1", port, Tls::None)
            .from("پشتیبانی Acme", "support@acme.example")
            .domain("acme.example"),
    )
    .unwrap();
    let dispatcher = Dispatcher::new(
        store.clone(),
        Arc::new(email),
        Arc::new(SystemClock),
        RetryPolicy::default(),
    );
    let report = dispatcher.dispatch_due(ws, 100).await.unwrap();
    assert_eq!(
        report.retrying + report.failed + report.parked,
        0,
        "{report:?}"
    );
    let all: Vec<OutboxMessage> = store.all(ws).await.unwrap();
    store.sync().await.unwrap();
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn the_customers_answer_to_our_emailed_reply_joins_the_same_request() {
    let Some(smtp) = Sink::start("the_customers_answer_joins_the_same_request", &[]) else {
        return;
    };
    let (tmp, db) = workspace();
    let opened = ok(&db, &["intake", "--eml", &fixture("persian-invoice.eml")]);
    assert!(opened.contains("request #1 opened"), "{opened}");
    let m = ["--as", "maryam@acme.example"];
    let r = ["--as", "reza@acme.example"];
    let go = |who: &[&str; 2], rest: &[&str]| {
        let args: Vec<&str> = who.iter().chain(rest).copied().collect();
        ok(&db, &args)
    };
    go(&m, &["refer", "1", "--to", "department:مالی"]);
    go(&r, &["take", "#1"]);
    go(
        &r,
        &[
            "resolve",
            "1",
            "--answer",
            "مبلغ اضافه به حساب شما برگشت داده شد.",
        ],
    );
    go(&m, &["approve", "1"]);
    let replied = go(&m, &["reply", "1"]);
    assert!(replied.contains("replied on email"), "{replied}");

    // The CLI has exited; the library delivers the queued reply to the SMTP server.
    let outbox = deliver_outbox(&db, smtp.port).await;
    let reply = outbox
        .iter()
        .find(|o| o.notification.event == "request.reply")
        .expect("the reply was queued");
    assert_eq!(reply.status, OutboxStatus::Sent, "{reply:?}");
    let expected_id = format!("<{}@acme.example>", reply.id);

    let received = smtp
        .wait_for(1)
        .into_iter()
        .find(|f| parse(f)["message_id"] == expected_id.as_str())
        .expect("the reply arrived at the SMTP server");
    let got = parse(&received);
    // The answer is Persian, so the reply is written from the Persian template.
    assert_eq!(got["subject"], "پاسخ: مشکل در پرداخت صورتحساب [#1]");
    assert_eq!(got["to"], "سارا محمدی <sara.mohammadi@example.com>");
    assert_eq!(got["in_reply_to"], "<invoice-4567@mail.example.com>");
    assert_eq!(got["references"], "<invoice-4567@mail.example.com>");
    assert!(
        got["text"]
            .as_str()
            .unwrap()
            .contains("مبلغ اضافه به حساب شما برگشت داده شد."),
        "{got}"
    );

    // The customer answers our reply from her mail client.
    let answer_file = tmp.path().join("answer.eml");
    answer(
        &received,
        &answer_file,
        "سارا محمدی <Sara.Mohammadi@Example.com>",
        "ممنون، مبلغ رسید. فقط رسید آن را هم بفرستید.",
    );
    let joined = ok(&db, &["intake", "--eml", answer_file.to_str().unwrap()]);
    // The request was replied (closed to new work): the answer reopens it, the same number.
    assert!(joined.starts_with("request #1 reopened"), "{joined}");
    let shown = go(&m, &["request", "show", "1"]);
    assert!(shown.contains("فقط رسید آن را هم بفرستید"), "{shown}");
    let second = common::run(
        &db,
        &["--as", "maryam@acme.example", "request", "show", "2"],
    );
    assert_ne!(second.code, 0, "no second request:\n{}", second.stdout);
}

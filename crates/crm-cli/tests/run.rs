//! `crm run`, the worker, against a real SMTP server (aiosmtpd on loopback): it delivers the
//! reply, suppresses the survey without consent, and a worker killed in the middle of a
//! delivery loses nothing: the message goes out again with the same Message-ID.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../crm-notify/tests/support/sink.rs"]
mod sink;

use common::{fixture, ok, run, spawn, workspace};
use sink::{Sink, parse};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// Takes in the Persian invoice email and answers it through the cartable: the reply and the
/// survey wait in the outbox, with the staff notifications.
fn replied(db: &Path) {
    ok(db, &["intake", "--eml", &fixture("persian-invoice.eml")]);
    let m = ["--as", "maryam@acme.example"];
    let r = ["--as", "reza@acme.example"];
    let go = |who: &[&str; 2], rest: &[&str]| {
        let args: Vec<&str> = who.iter().chain(rest).copied().collect();
        ok(db, &args)
    };
    go(&m, &["refer", "1", "--to", "department:مالی"]);
    go(&r, &["take", "#1"]);
    go(
        &r,
        &["resolve", "1", "--answer", "مبلغ اضافه برگشت داده شد."],
    );
    go(&m, &["approve", "1"]);
    go(&m, &["reply", "1"]);
}

fn smtp_args(port: u16) -> Vec<String> {
    [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-tls",
        "none",
        "--smtp-port",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([port.to_string()])
    .chain(["--mail-from".into(), "support@acme.example".into()])
    .collect()
}

fn outbox_json(db: &Path, status: &str) -> Vec<serde_json::Value> {
    let out = ok(
        db,
        &[
            "--as",
            "maryam@acme.example",
            "outbox",
            "list",
            "--status",
            status,
            "--json",
        ],
    );
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn crm_run_delivers_the_reply_and_suppresses_the_survey_without_consent() {
    let Some(smtp) = Sink::start("crm_run_delivers_the_reply", &[]) else {
        return;
    };
    let (_tmp, db) = workspace();
    replied(&db);
    let mut args = vec!["run".to_owned(), "--once".to_owned()];
    args.extend(smtp_args(smtp.port));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let summary = ok(&db, &args);
    assert!(summary.contains("suppressed 1"), "{summary}");
    let received: Vec<serde_json::Value> = smtp.wait_for(1).iter().map(|f| parse(f)).collect();
    let reply = received
        .iter()
        .find(|m| {
            m["to"]
                .as_str()
                .unwrap_or("")
                .contains("sara.mohammadi@example.com")
        })
        .expect("the reply reached the SMTP server");
    assert_eq!(reply["subject"], "پاسخ: مشکل در پرداخت صورتحساب [#1]");
    assert!(
        reply["html"].as_str().unwrap().contains("dir=\"rtl\""),
        "{reply}"
    );

    let suppressed = outbox_json(&db, "suppressed");
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["notification"]["event"],
        "request.satisfaction_survey"
    );
    assert!(
        suppressed[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("not consented to email")
    );
    let sent = outbox_json(&db, "sent");
    assert!(
        sent.iter()
            .any(|m| m["notification"]["event"] == "request.reply"),
        "{sent:?}"
    );
    let shown = ok(
        &db,
        &["--as", "maryam@acme.example", "request", "show", "1"],
    );
    assert!(shown.contains("request.reply"), "{shown}");
    assert!(shown.contains("sara.mohammadi@example.com"), "{shown}");
    assert!(shown.contains("not consented"), "{shown}");

    // An unknown status is a usage error; a queued message cannot be replayed.
    let bad = run(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "outbox",
            "list",
            "--status",
            "lost",
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let id = suppressed[0]["id"].as_str().unwrap();
    let again = run(
        &db,
        &["--as", "maryam@acme.example", "outbox", "replay", id],
    );
    assert_ne!(again.code, 0, "a suppressed message is not replayed");
}

#[test]
fn a_worker_killed_mid_delivery_loses_nothing_and_repeats_the_same_message_id() {
    // The first server answers DATA after 3 s: the worker is killed while it waits.
    let Some(slow) = Sink::start("a_worker_killed_mid_delivery", &["--slow-data", "3"]) else {
        return;
    };
    let Some(fast) = Sink::start("a_worker_killed_mid_delivery", &[]) else {
        return;
    };
    let (_tmp, db) = workspace();
    replied(&db);
    let mut args = vec![
        "run".to_owned(),
        "--lease-secs".into(),
        "2".into(),
        "--poll-ms".into(),
        "50".into(),
    ];
    args.extend(smtp_args(slow.port));
    let mut worker = spawn(&db, &args);
    // Wait until the worker is in the middle of its first delivery, then SIGKILL it.
    std::thread::sleep(Duration::from_millis(1500));
    worker.kill().unwrap();
    worker.wait().unwrap();

    // Nothing is lost: what was in flight is still queued (leased), nothing is marked sent.
    let pending = outbox_json(&db, "pending");
    assert!(!pending.is_empty(), "the messages wait for the next worker");
    assert!(
        outbox_json(&db, "sent").is_empty(),
        "nothing was recorded as sent"
    );

    // Once the lease has run out, a new worker delivers everything, to the fast server.
    std::thread::sleep(Duration::from_millis(2500));
    let mut args = vec!["run".to_owned(), "--once".into()];
    args.extend(smtp_args(fast.port));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&db, &args);
    let sent = outbox_json(&db, "sent");
    let left = outbox_json(&db, "pending");
    assert!(left.is_empty(), "all delivered: {left:#?}");
    let expected: BTreeSet<String> = sent
        .iter()
        .map(|m| format!("<{}@acme.example>", m["id"].as_str().unwrap()))
        .collect();
    let fast_ids: BTreeSet<String> = fast
        .wait_for(expected.len())
        .iter()
        .map(|f| parse(f)["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fast_ids, expected,
        "every message delivered with its own stable id"
    );
    // The slow server may have kept the message it was receiving when the worker died: if so
    // it is one the new worker sent again, with the same Message-ID, so a receiver can drop it.
    let deadline = Instant::now() + Duration::from_secs(4);
    while slow.messages().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for file in slow.messages() {
        let id = parse(&file)["message_id"].as_str().unwrap().to_owned();
        assert!(
            fast_ids.contains(&id),
            "{id} was delivered again with the same id"
        );
    }
}

#[test]
fn crm_run_stops_cleanly_on_sigterm() {
    let (_tmp, db) = workspace();
    replied(&db);
    let mut worker = spawn(&db, &["run".to_owned(), "--poll-ms".into(), "50".into()]);
    // Wait until it has written the customer's reply into the data directory's mail folder.
    let mail = db.join("mail");
    let deadline = Instant::now() + Duration::from_secs(20);
    let replied_to_customer = || {
        std::fs::read_dir(&mail).is_ok_and(|dir| {
            dir.filter_map(Result::ok).any(|f| {
                std::fs::read_to_string(f.path())
                    .is_ok_and(|text| text.contains("sara.mohammadi@example.com"))
            })
        })
    };
    while !replied_to_customer() {
        assert!(
            Instant::now() < deadline,
            "crm run did not deliver the reply"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let term = std::process::Command::new("kill")
        .args(["-TERM", &worker.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = worker.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "crm run did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "stopped with {status:?}");
    // The store was closed properly: the next command opens it at once.
    let sent = outbox_json(&db, "sent");
    assert!(
        sent.iter()
            .any(|m| m["notification"]["event"] == "request.reply")
    );
}

//! Messages dispatched per second through SMTP to a loopback server, with one dispatcher
//! and with four on one store, each in its own lane (docs/delivery-email.md, "Benchmark").
//!
//! `cargo bench -p crm-notify --bench smtp`; `CRM_BENCH_SMTP_MESSAGES` messages per run
//! (default 2,000). Two servers: a minimal SMTP sink in this process (tokio), to show what
//! the client side does when the server is not the limit, and aiosmtpd (Python,
//! tests/servers/smtp_sink.py, which saves every message as a file; skipped when missing).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/sink.rs"]
mod sink;

use crm_core::clock::SystemClock;
use crm_core::id::{OutboxId, WorkspaceId};
use crm_core::notify::{Dispatcher, RetryPolicy};
use crm_core::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crm_core::store::{Commit, Store, StoreExt};
use crm_notify::email::{EmailNotifier, SmtpConfig, Tls};
use crm_store_memory::MemoryStore;
use crm_testkit::support::Desk;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn messages() -> usize {
    std::env::var("CRM_BENCH_SMTP_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// A minimal SMTP server: answers every command, counts messages, keeps nothing.
async fn start_fast_sink() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut read = BufReader::new(read);
                let mut line = Vec::new();
                if write.write_all(b"220 fast-sink ESMTP\r\n").await.is_err() {
                    return;
                }
                loop {
                    line.clear();
                    match read.read_until(b'\n', &mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with(b"EHLO") {
                        b"250-fast-sink\r\n250-8BITMIME\r\n250 SIZE 33554432\r\n"
                    } else if upper.starts_with(b"DATA") {
                        if write.write_all(b"354 go ahead\r\n").await.is_err() {
                            return;
                        }
                        loop {
                            line.clear();
                            match read.read_until(b'\n', &mut line).await {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == b".\r\n" => break,
                                Ok(_) => {}
                            }
                        }
                        counter.fetch_add(1, Ordering::Relaxed);
                        b"250 2.0.0 queued\r\n"
                    } else if upper.starts_with(b"QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    if write.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, count)
}

/// A store with `n` queued staff notifications; returns it and the workspace.
async fn queued(n: usize) -> (Arc<dyn Store>, WorkspaceId) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let desk = Desk::open(&store, "smtp-bench").await;
    let ws = desk.workspace.id;
    let admin = desk.admin.principal().staff_id().unwrap();
    let now = chrono::Utc::now() - chrono::Duration::minutes(1);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut commit = Commit::new();
        for i in chunk {
            let note = Notification::new(
                Recipient::Staff { staff: admin },
                "request.referred",
                format!("درخواست {i} به شما ارجاع شد"),
                format!("درخواست شماره {i} برای بررسی به شما ارجاع شد.\n\nبا احترام"),
            );
            commit.put(OutboxMessage::queued(
                OutboxId(uuid::Uuid::now_v7()),
                now,
                note,
            ));
        }
        store.commit(ws, commit).await.unwrap();
    }
    (store, ws)
}

/// Drains `n` messages through `dispatchers` dispatchers to `port`; returns messages/s.
async fn run(n: usize, dispatchers: usize, port: u16) -> f64 {
    let (store, ws) = queued(n).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for lane in 0..dispatchers {
        let email = EmailNotifier::new(
            SmtpConfig::smtp("127.0.0.1", port, Tls::None)
                .from("Acme", "support@acme.example")
                .domain("acme.example"),
        )
        .unwrap();
        let dispatcher = Dispatcher::new(
            store.clone(),
            Arc::new(email),
            Arc::new(SystemClock),
            RetryPolicy::default(),
        )
        .with_lane(lane as u32, dispatchers as u32)
        .unwrap();
        tasks.push(tokio::spawn(async move {
            loop {
                let report = dispatcher.dispatch_due(ws, 50).await.unwrap();
                assert_eq!(
                    report.retrying + report.failed + report.parked,
                    0,
                    "{report:?}"
                );
                if report.handled() + report.skipped == 0 {
                    return;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let all: Vec<OutboxMessage> = store.all(ws).await.unwrap();
    let sent = all
        .iter()
        .filter(|m| m.status == OutboxStatus::Sent)
        .count();
    assert_eq!(sent, n, "every message sent");
    n as f64 / elapsed.as_secs_f64()
}

fn main() {
    let n = messages();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("SMTP dispatch, {n} messages per run (CRM_BENCH_SMTP_MESSAGES)");
    println!(
        "{:<28} {:>11} {:>12}",
        "server", "dispatchers", "messages/s"
    );
    runtime.block_on(async {
        let (port, count) = start_fast_sink().await;
        for dispatchers in [1, 4] {
            let before = count.load(Ordering::Relaxed);
            let rate = run(n, dispatchers, port).await;
            let got = count.load(Ordering::Relaxed) - before;
            assert_eq!(got, n, "the sink counted every message once");
            println!(
                "{:<28} {dispatchers:>11} {rate:>12.0}",
                "in-process tokio sink"
            );
        }
    });
    match sink::Sink::start("smtp bench (aiosmtpd)", &[]) {
        Some(server) => runtime.block_on(async {
            for dispatchers in [1, 4] {
                let before = server.messages().len();
                let rate = run(n, dispatchers, server.port).await;
                let deadline = Instant::now() + Duration::from_secs(10);
                while server.messages().len() < before + n && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                assert_eq!(
                    server.messages().len() - before,
                    n,
                    "aiosmtpd saved every message once"
                );
                println!(
                    "{:<28} {dispatchers:>11} {rate:>12.0}",
                    "aiosmtpd (Python, saves)"
                );
            }
        }),
        None => println!("aiosmtpd: skipped (not installed)"),
    }
}

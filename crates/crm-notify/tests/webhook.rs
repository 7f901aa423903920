//! Webhooks posted to a real HTTP receiver on loopback that verifies each signature with an
//! independent implementation (the `standardwebhooks` Python package): one secret, two during
//! a rotation, a wrong one; the same id on a retry through a real `Dispatcher`; redirects,
//! loopback without the allow-list, and a missing secret refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Duration;
use crm_core::id::{OutboxId, WorkspaceId};
use crm_core::notify::{Destination, Dispatcher, Notifier, NotifyError, RetryPolicy};
use crm_core::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crm_notify::webhook::{Guard, Secret, WebhookNotifier};
use std::sync::Arc;
use support::receiver::{Receiver, available};

fn secret(seed: &[u8]) -> Secret {
    let mut key = seed.to_vec();
    key.resize(32, b'.');
    Secret::from_key(&key).unwrap()
}

fn event(endpoint: &str, url: &str, event_id: uuid::Uuid) -> Notification {
    let mut n = Notification::new(
        Recipient::Webhook {
            endpoint: endpoint.to_owned(),
            url: url.to_owned(),
        },
        "request.replied",
        "Reply sent".to_owned(),
        "The reply to request 12 was sent".to_owned(),
    );
    n.event_id = Some(event_id);
    n.payload = Some(
        serde_json::json!({
            "type": "request.replied",
            "data": {"request": 12, "subject": "پاسخ درخواست شما"},
        })
        .to_string(),
    );
    n
}

fn message(notification: Notification) -> OutboxMessage {
    OutboxMessage::queued(
        OutboxId(uuid::Uuid::now_v7()),
        chrono::Utc::now(),
        notification,
    )
}

fn to(endpoint: &str, url: &str) -> Destination {
    Destination::Webhook {
        endpoint: endpoint.to_owned(),
        url: url.to_owned(),
    }
}

fn ws() -> WorkspaceId {
    WorkspaceId(uuid::Uuid::nil())
}

fn loopback() -> Guard {
    Guard::new().allow_loopback()
}

async fn post(
    notifier: &WebhookNotifier,
    endpoint: &str,
    url: &str,
    id: uuid::Uuid,
) -> Result<crm_core::notify::Receipt, NotifyError> {
    notifier
        .deliver(ws(), &message(event(endpoint, url, id)), &to(endpoint, url))
        .await
}

#[tokio::test]
async fn a_signature_with_one_secret_is_verified_by_the_python_package() {
    if !available("a_signature_with_one_secret_is_verified_by_the_python_package") {
        return;
    }
    let key = secret(b"one");
    let receiver = Receiver::start(&[key.expose()], &[]);
    let notifier = WebhookNotifier::new(loopback()).endpoint("crm", vec![key]);
    let id = uuid::Uuid::now_v7();
    let n = event("crm", &receiver.url, id);
    let receipt = notifier
        .deliver(ws(), &message(n.clone()), &to("crm", &receiver.url))
        .await
        .unwrap();
    assert!(receipt.delivered);
    let webhook_id = format!("msg_{}", id.simple());
    assert_eq!(receipt.provider_ref.as_deref(), Some(webhook_id.as_str()));

    let got = receiver.wait_for(1);
    assert_eq!(got.len(), 1);
    assert!(got[0].verified, "{:?}", got[0].error);
    assert_eq!(got[0].status, 204);
    assert_eq!(got[0].id.as_deref(), Some(webhook_id.as_str()));
    assert_eq!(got[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(
        Some(got[0].body.clone()),
        n.payload,
        "the payload as queued"
    );
    assert_eq!(
        got[0].signature.as_deref().unwrap().matches("v1,").count(),
        1
    );
}

#[tokio::test]
async fn during_a_rotation_a_receiver_knowing_either_secret_verifies() {
    if !available("during_a_rotation_a_receiver_knowing_either_secret_verifies") {
        return;
    }
    let (old, new) = (secret(b"old"), secret(b"new"));
    let notifier = WebhookNotifier::new(loopback()).endpoint("crm", vec![new.clone(), old.clone()]);
    for (knows, what) in [(new.clone(), "only the new"), (old.clone(), "only the old")] {
        let receiver = Receiver::start(&[knows.expose()], &[]);
        let receipt = post(&notifier, "crm", &receiver.url, uuid::Uuid::now_v7()).await;
        assert!(receipt.unwrap().delivered, "{what}");
        let got = receiver.wait_for(1);
        assert!(got[0].verified, "{what}: {:?}", got[0].error);
        assert_eq!(
            got[0].signature.as_deref().unwrap().matches("v1,").count(),
            2
        );
    }
    // A receiver that knows neither refuses it.
    let receiver = Receiver::start(&[secret(b"other").expose()], &[]);
    let error = post(&notifier, "crm", &receiver.url, uuid::Uuid::now_v7())
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert!(!receiver.wait_for(1)[0].verified);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_the_message_ends_failed() {
    if !available("a_wrong_secret_is_refused_and_the_message_ends_failed") {
        return;
    }
    let receiver = Receiver::start(&[secret(b"receiver").expose()], &[]);
    let (store, desk) = support::desk::open().await;
    let ws = desk.workspace.id;
    support::desk::add_webhook(&store, &desk, "crm", &receiver.url).await;
    let id = support::desk::queue(
        &store,
        &desk,
        event("crm", &receiver.url, uuid::Uuid::now_v7()),
    )
    .await;
    let notifier =
        Arc::new(WebhookNotifier::new(loopback()).endpoint("crm", vec![secret(b"sender")]));
    let dispatcher = Dispatcher::new(
        store.clone(),
        notifier,
        desk.clock.clone(),
        RetryPolicy::default(),
    );
    let report = dispatcher.dispatch_due(ws, 10).await.unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let stored = support::desk::load(&store, ws, id).await;
    assert_eq!(stored.status, OutboxStatus::Failed);
    assert!(stored.last_error.unwrap().contains("401"));
    let got = receiver.wait_for(1);
    assert_eq!(got.len(), 1);
    assert!(!got[0].verified);
    assert_eq!(got[0].status, 401);
}

#[tokio::test]
async fn a_retry_after_a_server_error_carries_the_same_id() {
    if !available("a_retry_after_a_server_error_carries_the_same_id") {
        return;
    }
    let key = secret(b"retry");
    let receiver = Receiver::start(&[key.expose()], &["--fail-first", "1"]);
    let (store, desk) = support::desk::open().await;
    let ws = desk.workspace.id;
    support::desk::add_webhook(&store, &desk, "crm", &receiver.url).await;
    let event_id = uuid::Uuid::now_v7();
    let id = support::desk::queue(&store, &desk, event("crm", &receiver.url, event_id)).await;
    let notifier = Arc::new(WebhookNotifier::new(loopback()).endpoint("crm", vec![key]));
    let policy = RetryPolicy::new(3, Duration::seconds(10));
    let dispatcher = Dispatcher::new(store.clone(), notifier, desk.clock.clone(), policy);

    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().retrying, 1);
    let stored = support::desk::load(&store, ws, id).await;
    assert_eq!(stored.status, OutboxStatus::Pending);
    assert!(stored.last_error.unwrap().contains("500"));
    desk.clock.advance(Duration::seconds(10));
    assert_eq!(dispatcher.dispatch_due(ws, 10).await.unwrap().delivered, 1);
    let stored = support::desk::load(&store, ws, id).await;
    assert_eq!(stored.status, OutboxStatus::Delivered);
    assert_eq!(stored.attempts, 2);

    let got = receiver.wait_for(2);
    assert_eq!(got.len(), 2);
    let expected = format!("msg_{}", event_id.simple());
    assert_eq!(got[0].status, 500);
    assert!(got[1].verified, "{:?}", got[1].error);
    assert_eq!(got[1].status, 204);
    for request in &got {
        assert_eq!(
            request.id.as_deref(),
            Some(expected.as_str()),
            "one id on every attempt"
        );
    }
}

#[tokio::test]
async fn one_event_has_one_id_at_every_endpoint() {
    if !available("one_event_has_one_id_at_every_endpoint") {
        return;
    }
    let (a, b) = (secret(b"endpoint-a"), secret(b"endpoint-b"));
    let ra = Receiver::start(&[a.expose()], &[]);
    let rb = Receiver::start(&[b.expose()], &[]);
    let notifier = WebhookNotifier::new(loopback())
        .endpoint("a", vec![a])
        .endpoint("b", vec![b]);
    let id = uuid::Uuid::now_v7();
    post(&notifier, "a", &ra.url, id).await.unwrap();
    post(&notifier, "b", &rb.url, id).await.unwrap();
    let (ga, gb) = (ra.wait_for(1), rb.wait_for(1));
    assert!(ga[0].verified && gb[0].verified);
    assert_eq!(ga[0].id, gb[0].id);
    assert_ne!(
        ga[0].signature, gb[0].signature,
        "each endpoint's own secret"
    );
}

#[tokio::test]
async fn answers_map_to_temporary_and_permanent_failures() {
    if !available("answers_map_to_temporary_and_permanent_failures") {
        return;
    }
    let key = secret(b"answers");
    let notifier = WebhookNotifier::new(loopback()).endpoint("crm", vec![key.clone()]);
    for (status, temporary) in [("503", true), ("429", true), ("410", false), ("404", false)] {
        let receiver = Receiver::start(&[key.expose()], &["--answer", status]);
        let error = post(&notifier, "crm", &receiver.url, uuid::Uuid::now_v7())
            .await
            .unwrap_err();
        assert_eq!(
            matches!(error, NotifyError::Temporary(_)),
            temporary,
            "{status}: {error}"
        );
        assert!(error.to_string().contains(status), "{error}");
        if status == "410" {
            assert!(error.to_string().contains("Gone"), "{error}");
        }
    }
    // A receiver slower than the timeout: temporary.
    let receiver = Receiver::start(&[key.expose()], &["--sleep", "3"]);
    let slow = WebhookNotifier::new(loopback())
        .endpoint("crm", vec![key])
        .timeout(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let error = post(&slow, "crm", &receiver.url, uuid::Uuid::now_v7())
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert!(matches!(error, NotifyError::Temporary(_)), "{error}");
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    if !available("redirects_are_not_followed") {
        return;
    }
    let key = secret(b"redirect");
    let target = Receiver::start(&[key.expose()], &[]);
    let redirecting = Receiver::start(&[key.expose()], &["--redirect", &target.url]);
    let notifier = WebhookNotifier::new(loopback()).endpoint("crm", vec![key]);
    let error = post(&notifier, "crm", &redirecting.url, uuid::Uuid::now_v7())
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert!(error.to_string().contains("307"), "{error}");
    assert_eq!(redirecting.wait_for(1).len(), 1);
    assert!(
        target.received().is_empty(),
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn loopback_is_refused_without_the_allow_list_and_nothing_reaches_it() {
    // A listener that counts connections (no Python needed: nothing may arrive).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = connections.clone();
    let accepting = tokio::spawn(async move {
        while let Ok((_stream, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let notifier = WebhookNotifier::new(Guard::new()).endpoint("crm", vec![secret(b"ssrf")]);
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
    ] {
        let error = post(&notifier, "crm", &url, uuid::Uuid::now_v7())
            .await
            .unwrap_err();
        assert!(matches!(error, NotifyError::Permanent(_)), "{url}: {error}");
        assert!(error.to_string().contains("loopback"), "{url}: {error}");
    }
    let error = post(&notifier, "crm", "file:///etc/passwd", uuid::Uuid::now_v7())
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no request reached the receiver"
    );
    // With the allow-list the same URL is reached.
    let allowed = WebhookNotifier::new(loopback()).endpoint("crm", vec![secret(b"ssrf")]);
    let _ = post(
        &allowed,
        "crm",
        &format!("http://127.0.0.1:{port}/hook"),
        uuid::Uuid::now_v7(),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 1);
    accepting.abort();
}

#[tokio::test]
async fn a_missing_secret_is_permanent_and_names_the_endpoint() {
    let notifier = WebhookNotifier::new(loopback())
        .endpoint("crm", vec![secret(b"x")])
        .endpoint("three", vec![secret(b"1"), secret(b"2"), secret(b"3")]);
    let error = post(
        &notifier,
        "billing-events",
        "http://127.0.0.1:9/",
        uuid::Uuid::now_v7(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    assert!(error.to_string().contains("billing-events"), "{error}");
    let error = post(
        &notifier,
        "three",
        "http://127.0.0.1:9/",
        uuid::Uuid::now_v7(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    let shown = format!("{notifier:?}");
    assert!(!shown.contains(&secret(b"x").expose()[6..20]), "{shown}");
    // Not a webhook destination.
    let error = notifier
        .deliver(
            ws(),
            &message(event("crm", "http://127.0.0.1:9/", uuid::Uuid::now_v7())),
            &Destination::Staff {
                staff: crm_core::id::StaffId(uuid::Uuid::nil()),
                email: None,
                name: "Sara".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
}

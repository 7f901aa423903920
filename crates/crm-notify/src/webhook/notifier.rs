//! The notifier that POSTs signed events to webhook endpoints.

use super::resolver::{GuardedResolver, ResolveError, resolve_allowed};
use super::signature::{self, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::{Guard, Secret};
use async_trait::async_trait;
use crm_core::id::WorkspaceId;
use crm_core::notify::{Destination, Notifier, NotifyError, Receipt};
use crm_core::outbox::OutboxMessage;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// At most this many secrets are valid for one endpoint at a time (the old and the new one
/// during a rotation).
const MAX_SECRETS: usize = 2;

/// Delivers [`Destination::Webhook`] messages: POSTs the notification's `payload` (JSON;
/// `{"type": event, "data": {"subject", "body"}}` when it has none) with
/// `content-type: application/json` and the Standard Webhooks headers ([`signature`]),
/// signed with each secret configured for the endpoint's name.
///
/// The `webhook-id` is `msg_` and the notification's `event_id` (the outbox message's id when
/// it has none): the same on every retry and, for one event, at every endpoint, so receivers
/// drop repeats by it.
///
/// Outcomes: 2xx is [`Receipt::delivered`]; a timeout, a network error, 5xx or 429 is
/// [`NotifyError::Temporary`]; 410 Gone, a redirect (never followed), any other status, a URL
/// the [`Guard`] refuses, or an endpoint without a secret (or with more than two) is
/// [`NotifyError::Permanent`]. Error texts never contain the URL's path or query (which may
/// carry a token), nor a secret; `Debug` shows neither.
///
/// ```
/// use crm_notify::webhook::{Guard, WebhookNotifier};
/// use std::time::Duration;
///
/// let old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
/// let new = "whsec_c2VjcmV0LWtleS0xMjM0NTY3ODkw".parse().unwrap();
/// let notifier = WebhookNotifier::new(Guard::new())
///     .endpoint("crm-events", vec![new, old])
///     .timeout(Duration::from_secs(10));
/// assert!(!format!("{notifier:?}").contains("MfKQ9r8"));
/// ```
pub struct WebhookNotifier {
    guard: Arc<Guard>,
    secrets: BTreeMap<String, Vec<Secret>>,
    timeout: Duration,
    client: OnceLock<reqwest::Client>,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("guard", &self.guard)
            .field(
                "endpoints",
                &self
                    .secrets
                    .iter()
                    .map(|(name, s)| format!("{name} ({} secrets)", s.len()))
                    .collect::<Vec<_>>(),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl WebhookNotifier {
    /// A notifier reaching only what `guard` allows, with a 30-second timeout and no
    /// endpoints yet.
    pub fn new(guard: Guard) -> Self {
        Self {
            guard: Arc::new(guard),
            secrets: BTreeMap::new(),
            timeout: Duration::from_secs(30),
            client: OnceLock::new(),
        }
    }

    /// Signs events for the endpoint named `name` with `secrets`: one, or two while rotating
    /// (the new one first; the receiver verifies with either). Replaces earlier secrets of
    /// that endpoint.
    pub fn endpoint(mut self, name: impl Into<String>, secrets: Vec<Secret>) -> Self {
        self.secrets.insert(name.into(), secrets);
        self
    }

    /// Gives up on a request after `timeout` (connecting included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.client = OnceLock::new();
        self
    }

    fn client(&self) -> Result<&reqwest::Client, NotifyError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(self.guard.clone())))
            .build()
            .map_err(|e| {
                NotifyError::permanent(format!("cannot build the HTTP client: {}", e.without_url()))
            })?;
        Ok(self.client.get_or_init(|| client))
    }

    /// The signing secrets of `endpoint`.
    fn secrets_of(&self, endpoint: &str) -> Result<&[Secret], NotifyError> {
        match self.secrets.get(endpoint) {
            Some(s) if s.is_empty() => Err(NotifyError::permanent(format!(
                "no signing secret configured for webhook endpoint {endpoint}"
            ))),
            Some(s) if s.len() > MAX_SECRETS => Err(NotifyError::permanent(format!(
                "webhook endpoint {endpoint} has {} secrets; at most {MAX_SECRETS} are valid at once",
                s.len()
            ))),
            Some(s) => Ok(s),
            None => Err(NotifyError::permanent(format!(
                "no signing secret configured for webhook endpoint {endpoint}"
            ))),
        }
    }
}

/// The JSON body of `message`.
fn body_of(message: &OutboxMessage) -> Result<String, NotifyError> {
    let n = &message.notification;
    match &n.payload {
        Some(payload) => {
            serde_json::from_str::<serde_json::Value>(payload)
                .map_err(|e| NotifyError::permanent(format!("the payload is not JSON: {e}")))?;
            Ok(payload.clone())
        }
        None => serde_json::to_string(&serde_json::json!({
            "type": n.event,
            "data": { "subject": n.subject, "body": n.body },
        }))
        .map_err(|e| NotifyError::permanent(format!("cannot write the payload: {e}"))),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn deliver(
        &self,
        _ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        let Destination::Webhook { endpoint, url } = to else {
            return Err(NotifyError::permanent(
                "the webhook notifier reaches webhook endpoints only",
            ));
        };
        let secrets = self.secrets_of(endpoint)?;
        let (url, name) = self
            .guard
            .parse_url(url)
            .map_err(|e| NotifyError::permanent(format!("webhook endpoint {endpoint}: {e}")))?;
        if let Some(name) = name {
            // Checked here for a clear, permanent error; the client's resolver checks again
            // at connection time, so a name re-pointed meanwhile is refused too.
            let port = url.port_or_known_default().unwrap_or(443);
            match resolve_allowed(&self.guard, &name, port).await {
                Ok(_) => {}
                Err(ResolveError::Refused(e)) => {
                    return Err(NotifyError::permanent(format!(
                        "webhook endpoint {endpoint}: {e}"
                    )));
                }
                Err(ResolveError::Lookup(e)) => {
                    return Err(NotifyError::temporary(format!(
                        "webhook endpoint {endpoint}: {e}"
                    )));
                }
            }
        }
        let body = body_of(message)?;
        let id = signature::message_id(
            message
                .notification
                .event_id
                .unwrap_or_else(|| message.id.uuid()),
        );
        let timestamp = unix_now();
        let signatures = signature::sign(secrets, &id, timestamp, body.as_bytes());
        let response = self
            .client()?
            .post(url)
            .header("content-type", "application/json")
            .header(ID_HEADER, &id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signatures)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                let timed_out = e.is_timeout();
                let e = e.without_url();
                if timed_out {
                    NotifyError::temporary(format!("webhook endpoint {endpoint}: timed out"))
                } else {
                    NotifyError::temporary(format!("webhook endpoint {endpoint}: {}", chain(&e)))
                }
            })?;
        let status = response.status();
        let code = status.as_u16();
        tracing::debug!(id = %message.id, webhook_id = %id, endpoint = %endpoint, status = code, "webhook posted");
        if status.is_success() {
            return Ok(Receipt::delivered().provider_ref(id));
        }
        let what = format!("webhook endpoint {endpoint} answered HTTP {code}");
        Err(if code == 429 || status.is_server_error() {
            NotifyError::temporary(what)
        } else if status.is_redirection() {
            NotifyError::permanent(format!("{what}: redirects are not followed"))
        } else if code == 410 {
            NotifyError::permanent(format!("{what} (Gone): the receiver retired it"))
        } else {
            NotifyError::permanent(what)
        })
    }
}

/// An error and its sources, joined by `: `.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::id::OutboxId;
    use crm_core::outbox::{Notification, Recipient};

    fn message(payload: Option<&str>) -> OutboxMessage {
        let mut n = Notification::new(
            Recipient::Webhook {
                endpoint: "crm".into(),
                url: "https://hooks.example.com/".into(),
            },
            "customer.merged",
            "Merged".into(),
            "Two customers became one".into(),
        );
        n.payload = payload.map(str::to_owned);
        OutboxMessage::queued(OutboxId(uuid::Uuid::nil()), chrono::Utc::now(), n)
    }

    #[test]
    fn the_body_is_the_payload_or_the_event_and_its_text() {
        assert_eq!(
            body_of(&message(Some(r#"{"a": 1}"#))).unwrap(),
            r#"{"a": 1}"#,
            "byte for byte: the signature covers it"
        );
        let fallback: serde_json::Value =
            serde_json::from_str(&body_of(&message(None)).unwrap()).unwrap();
        assert_eq!(fallback["type"], "customer.merged");
        assert_eq!(fallback["data"]["body"], "Two customers became one");
        let error = body_of(&message(Some("{not json"))).unwrap_err();
        assert!(matches!(error, NotifyError::Permanent(_)), "{error}");
    }

    #[tokio::test]
    async fn a_refused_url_fails_for_good_before_any_request() {
        let notifier = WebhookNotifier::new(Guard::new())
            .endpoint("crm", vec![Secret::from_key(b"k").unwrap()]);
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.8/hook",
            "http://[fd00:ec2::254]/",
            "gopher://example.com/",
        ] {
            let to = Destination::Webhook {
                endpoint: "crm".into(),
                url: url.into(),
            };
            let error = notifier
                .deliver(WorkspaceId(uuid::Uuid::nil()), &message(None), &to)
                .await
                .unwrap_err();
            assert!(matches!(error, NotifyError::Permanent(_)), "{url}: {error}");
            assert!(
                error.to_string().contains("crm"),
                "names the endpoint: {error}"
            );
        }
    }
}

//! Events for webhooks: queued in the outbox of the commit that caused them.

use super::Session;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::OutboxId;
use crate::limits;
use crate::outbox::{Notification, OutboxMessage, Recipient};
use crate::record::{RecordKind, RecordRef};
use crate::store::{Commit, StoreExt};
use crate::workspace::{WebhookEndpoint, Workspace};
use serde::Serialize;

/// Most webhook endpoints a workspace keeps.
const MAX_WEBHOOKS: usize = 16;

impl Session {
    /// Queues `event` about `record` for every webhook endpoint of the workspace that wants
    /// it (as the session saw the endpoints when it was opened). All copies carry one event
    /// id, so a receiver of several endpoints, or of a retry, can drop repeats. The payload
    /// is `{"type", "timestamp", "workspace", "data"}` with `data` the record as stored.
    pub(super) fn emit<T: Serialize>(
        &self,
        commit: &mut Commit,
        event: &str,
        record: RecordRef,
        data: &T,
    ) {
        let wanted: Vec<&WebhookEndpoint> =
            self.webhooks.iter().filter(|e| e.wants(event)).collect();
        if wanted.is_empty() {
            return;
        }
        let now = self.now();
        let event_id = self.new_id();
        let payload = serde_json::json!({
            "type": event,
            "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "workspace": self.ws,
            "data": serde_json::to_value(data).unwrap_or(serde_json::Value::Null),
        })
        .to_string();
        for endpoint in wanted {
            let recipient = Recipient::Webhook {
                endpoint: endpoint.name.clone(),
                url: endpoint.url.clone(),
            };
            let mut n = Notification::new(recipient, event, event.to_owned(), String::new());
            n.record = Some(record);
            n.event_id = Some(event_id);
            n.payload = Some(payload.clone());
            commit.put(OutboxMessage::queued(OutboxId(self.new_id()), now, n));
        }
    }

    /// Adds a webhook endpoint, or replaces the one of the same name (administrators).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a bad name, a URL that is not
    /// `http(s)://host...`, or too many endpoints.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_webhook", record = tracing::field::Empty))]
    pub async fn set_webhook(&self, endpoint: WebhookEndpoint) -> Result<Workspace> {
        self.check(Permission::ConfigureCartable, None)?;
        limits::required("webhook.name", &endpoint.name, limits::MAX_LABEL)?;
        limits::required("webhook.url", &endpoint.url, 2048)?;
        let url = endpoint.url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| Error::invalid("webhook.url", "must start with https:// or http://"))?;
        if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
            return Err(Error::invalid("webhook.url", "must name a host"));
        }
        for event in &endpoint.events {
            limits::required("webhook.events", event, limits::MAX_LABEL)?;
        }
        let endpoint = WebhookEndpoint {
            name: endpoint.name.trim().to_owned(),
            url: url.to_owned(),
            ..endpoint
        };
        self.change_webhooks(|hooks| {
            hooks.retain(|e| e.name != endpoint.name);
            hooks.push(endpoint.clone());
            if hooks.len() > MAX_WEBHOOKS {
                return Err(Error::invalid(
                    "webhooks",
                    format!("at most {MAX_WEBHOOKS} endpoints"),
                ));
            }
            Ok(format!("webhook {} set", endpoint.name))
        })
        .await
    }

    /// Removes the webhook endpoint `name` (administrators). Its queued events are then
    /// suppressed.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::NotFound`]-like [`Error::Invalid`] for an unknown name.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "remove_webhook", record = tracing::field::Empty))]
    pub async fn remove_webhook(&self, name: &str) -> Result<Workspace> {
        self.check(Permission::ConfigureCartable, None)?;
        self.change_webhooks(|hooks| {
            let before = hooks.len();
            hooks.retain(|e| e.name != name);
            if hooks.len() == before {
                return Err(Error::invalid(
                    "webhook",
                    format!("no webhook named {name}"),
                ));
            }
            Ok(format!("webhook {name} removed"))
        })
        .await
    }

    /// The workspace's webhook endpoints, as stored now.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "webhooks", record = tracing::field::Empty))]
    pub async fn webhooks(&self) -> Result<Vec<WebhookEndpoint>> {
        self.check(Permission::ConfigureCartable, None)?;
        Ok(self.settings().await?.webhooks)
    }

    async fn change_webhooks(
        &self,
        change: impl Fn(&mut Vec<WebhookEndpoint>) -> Result<String>,
    ) -> Result<Workspace> {
        super::retry_on_conflict(super::RetryOn::StaleVersion, || async {
            let mut workspace = self.store().fetch::<Workspace>(self.ws, self.ws.0).await?;
            let detail = change(&mut workspace.settings.webhooks)?;
            workspace.version += 1;
            let mut commit = Commit::new();
            commit.put(workspace.clone());
            let record = RecordRef {
                kind: RecordKind::WORKSPACE,
                id: self.ws.0,
            };
            self.audit(&mut commit, AuditAction::Updated, record, &detail);
            self.commit(commit).await?;
            Ok(workspace)
        })
        .await
    }
}

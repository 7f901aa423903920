//! Workspaces: independent organisations sharing one store.

mod indexes;

use crate::id::WorkspaceId;
use crate::request::SlaPolicy;
use crate::template::Language;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One organisation's slice of a store. Every read and write names its workspace, and nothing
/// crosses from one workspace to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// The id.
    pub id: WorkspaceId,
    /// Optimistic version, 1 when created.
    pub version: u64,
    /// The organisation's name.
    pub name: String,
    /// The ISO 3166 region national phone numbers are read in (`IR` by default).
    pub default_region: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How the cartable works here.
    #[serde(default)]
    pub settings: WorkspaceSettings,
}

/// A workspace's cartable settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    /// Service-level targets and the working week.
    #[serde(default)]
    pub sla: SlaPolicy,
    /// A message from a customer on the same channel within this many minutes of their
    /// previous message joins that open request instead of opening a new one.
    #[serde(default = "default_window")]
    pub intake_window_minutes: u32,
    /// After this many hops a request is escalated to a manager.
    #[serde(default = "default_max_hops")]
    pub max_hops: u32,
    /// The webhook endpoints events are POSTed to.
    #[serde(default)]
    pub webhooks: Vec<WebhookEndpoint>,
    /// The language messages to staff are written in, and to customers when their own
    /// language cannot be told from their message; `None`: Persian in Iran, else English.
    #[serde(default)]
    pub language: Option<Language>,
    /// The local hours in which no greeting is sent to customers (`None`: none).
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// The customers the greeting job greets (stage, owner, tag; empty: every customer).
    #[serde(default)]
    pub greeting_filter: crate::customer::CustomerFilter,
}

/// A daily span of local time, from `start` up to `end` (across midnight when `end` is not
/// after `start`), in the workspace's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// When it begins (included).
    pub start: chrono::NaiveTime,
    /// When it ends (excluded).
    pub end: chrono::NaiveTime,
}

impl QuietHours {
    /// Whether local time `at` is within.
    pub fn contains(&self, at: chrono::NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= at && at < self.end
        } else {
            at >= self.start || at < self.end
        }
    }
}

/// A URL that receives the workspace's events, signed by the Standard Webhooks scheme.
///
/// The signing secrets are not stored here: the notifier that delivers webhooks is configured
/// with them by endpoint name, so a copy of the database does not let anyone forge events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// A short name, unique in the workspace (the notifier's key for the secrets).
    pub name: String,
    /// Where events are POSTed (`https://...`).
    pub url: String,
    /// The events it receives: exact names (`request.created`) or families (`request.*`);
    /// empty means every event.
    #[serde(default)]
    pub events: Vec<String>,
    /// False to stop sending without forgetting the endpoint.
    #[serde(default = "enabled")]
    pub active: bool,
}

fn enabled() -> bool {
    true
}

impl WebhookEndpoint {
    /// Whether this endpoint receives `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.active
            && (self.events.is_empty()
                || self.events.iter().any(|pattern| {
                    pattern == event
                        || pattern == "*"
                        || pattern.strip_suffix(".*").is_some_and(|family| {
                            event
                                .strip_prefix(family)
                                .is_some_and(|r| r.starts_with('.'))
                        })
                }))
    }
}

impl WorkspaceSettings {
    /// The workspace's language: the setting, else Persian for the region `IR`, else English.
    pub fn language(&self, region: crate::normalize::Region) -> Language {
        self.language.unwrap_or(if region.code() == "IR" {
            Language::Persian
        } else {
            Language::English
        })
    }
}

fn default_window() -> u32 {
    24 * 60
}

fn default_max_hops() -> u32 {
    4
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        Self {
            sla: SlaPolicy::default(),
            intake_window_minutes: default_window(),
            max_hops: default_max_hops(),
            webhooks: Vec::new(),
            language: None,
            quiet_hours: None,
            greeting_filter: crate::customer::CustomerFilter::default(),
        }
    }
}

//! A workspace's own template for one event and language: a stored record kind.

use super::Language;
use crate::id::TemplateId;
use crate::record::{Column, ColumnType as T, Entity, KindSpec, RecordKind, Table};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A workspace's own template for one event and language. It replaces the shipped template
/// of that event and language for the workspace (see [`super::render`]).
///
/// At most one per event and language in a workspace (unique key
/// [`MessageTemplate::key_for`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageTemplate {
    /// The id.
    pub id: TemplateId,
    /// Optimistic version: 1 when created, one more each time it is replaced.
    pub version: u64,
    /// The event it renders, e.g. `request.reply`.
    pub event: String,
    /// The language it is written in.
    pub language: Language,
    /// The subject: minijinja source, plain text.
    pub subject: String,
    /// The body as plain text: minijinja source, nothing escaped.
    pub text: String,
    /// The body as HTML: minijinja source, every inserted value escaped. `None`: the HTML
    /// is made from the rendered text.
    #[serde(default)]
    pub html: Option<String>,
    /// When last set.
    pub updated_at: DateTime<Utc>,
}

impl MessageTemplate {
    /// The unique key of the template of `event` in `language`: `template:{event}:{tag}`.
    pub fn key_for(event: &str, language: Language) -> String {
        format!("template:{event}:{}", language.tag())
    }
}

static KIND: KindSpec = KindSpec::of::<MessageTemplate>("message_template", 12, 1, Some(&TABLE));

impl Entity for MessageTemplate {
    const KIND: RecordKind = RecordKind::of(&KIND);

    fn id(&self) -> Uuid {
        self.id.0
    }

    fn version(&self) -> u64 {
        self.version
    }

    /// One template per event and language.
    fn unique_keys(&self) -> Vec<String> {
        vec![MessageTemplate::key_for(&self.event, self.language)]
    }
}

static TABLE: Table = Table {
    name: "message_templates",
    columns: &[
        Column::new("id", T::Uuid, &["id"]),
        Column::new("version", T::BigInt, &["version"]),
        Column::new("event", T::Text, &["event"]),
        Column::new("language", T::Text, &["language"]),
        Column::new("subject", T::Text, &["subject"]),
        Column::new("text", T::Text, &["text"]),
        Column::new("html", T::Text, &["html"]),
        Column::new("updated_at", T::Timestamp, &["updated_at"]),
    ],
    children: &[],
};

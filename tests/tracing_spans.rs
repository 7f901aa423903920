//! Every service call opens a `tracing` span named after the operation, carrying the
//! workspace, the actor and the record it touches.

use crm::MemoryStore;
use crm::channel::Channel;
use crm::service::{InboundMessage, NewStaff, Sender};
use crm::staff::Role;
use crm::{Crm, Error};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One span as seen by the subscriber: its name and its recorded fields.
#[derive(Debug, Clone, Default)]
struct Seen {
    name: String,
    fields: BTreeMap<String, String>,
}

/// Keeps every span opened, with the values its fields were given.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<(Id, Seen)>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut seen = Seen {
            name: attrs.metadata().name().to_owned(),
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((id.clone(), seen));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, seen)) = spans.iter_mut().rev().find(|(i, _)| i == id) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }
}

impl Spans {
    fn named(&self, name: &str) -> Vec<Seen> {
        let spans = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        spans
            .iter()
            .filter(|(_, s)| s.name == name)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

#[tokio::test]
async fn service_calls_open_spans_with_workspace_actor_operation_and_record() {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let crm = Crm::new(Arc::new(MemoryStore::new()));
    let (ws, admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await
        .unwrap();
    let admin = crm.session(ws.id, admin.id).await.unwrap();
    let channels = crm.system_session(ws.id, "web").await.unwrap();
    let sender = Sender {
        email: Some("ali@example.com".into()),
        ..Sender::default()
    };
    let message = InboundMessage::new(Channel::WebForm, "f-1", sender, "Where is my invoice?");
    let outcome = channels.intake(message).await.unwrap();
    let request = outcome.request;
    admin.request(request.id).await.unwrap();
    // A refused call is traced as well.
    let missing = crm::id::RequestId(uuid::Uuid::now_v7());
    assert!(matches!(
        admin.request(missing).await,
        Err(Error::NotFound { .. })
    ));

    let intake = spans.named("intake");
    assert_eq!(intake.len(), 1, "{intake:?}");
    let f = &intake[0].fields;
    assert_eq!(f.get("workspace"), Some(&ws.id.to_string()));
    assert_eq!(f.get("actor").map(String::as_str), Some("system:web"));
    assert_eq!(f.get("operation").map(String::as_str), Some("intake"));
    assert_eq!(f.get("record"), Some(&request.id.to_string()));

    let reads = spans.named("request");
    assert_eq!(reads.len(), 2, "{reads:?}");
    let records: Vec<_> = reads
        .iter()
        .map(|s| s.fields.get("record").cloned())
        .collect();
    assert_eq!(
        records,
        [Some(request.id.to_string()), Some(missing.to_string())]
    );
    assert_eq!(
        reads[0].fields.get("actor"),
        Some(&crm::audit::Actor::Staff(admin.principal().staff_id().unwrap()).to_string())
    );
}

//! A web contact form behind axum: the page's form is posted urlencoded, with a CSRF token
//! and a honeypot beside the contact fields. The handler checks the token, hands the rest to
//! `WebForm` (which ignores the fields it does not know) and maps crm errors to HTTP status
//! codes. The example serves on 127.0.0.1 (a free port), posts to itself with reqwest and
//! exits.
//!
//! Run: `cargo run --example web_form`.

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use crm::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// The token this page was rendered with (a real site keeps one per visitor session).
const CSRF_TOKEN: &str = "c5rf-7f3a";

/// What every handler needs: a session of the web channel.
#[derive(Clone)]
struct App {
    channel: Arc<Session>,
}

/// The HTTP status for a crm error: the caller's input (422), a collision (409), a refusal
/// (403), a missing record (404), anything else is the server's fault (500).
fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::AlreadyExists { .. } | Error::Conflict(_) => StatusCode::CONFLICT,
        Error::Unauthorized { .. } => StatusCode::FORBIDDEN,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// `POST /contact`: the form as the browser sends it.
async fn contact(
    State(app): State<App>,
    Form(fields): Form<HashMap<String, String>>,
) -> (StatusCode, Json<serde_json::Value>) {
    if fields.get("csrf_token").map(String::as_str) != Some(CSRF_TOKEN) {
        let body = serde_json::json!({ "error": "the form has expired, reload the page" });
        return (StatusCode::FORBIDDEN, Json(body));
    }
    if fields.get("website").is_some_and(|v| !v.is_empty()) {
        // The honeypot field is hidden from people: a bot filled it in.
        return (StatusCode::ACCEPTED, Json(serde_json::json!({})));
    }
    // The other fields, unknown ones included, go to WebForm as they came.
    let form: WebForm = match serde_json::to_value(&fields).and_then(serde_json::from_value) {
        Ok(form) => form,
        Err(e) => {
            let body = serde_json::json!({ "error": e.to_string() });
            return (StatusCode::UNPROCESSABLE_ENTITY, Json(body));
        }
    };
    match app.channel.intake_web_form(form).await {
        Ok(outcome) => {
            let status = if outcome.duplicate_delivery {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            let body = serde_json::json!({ "request": outcome.request.number });
            (status, Json(body))
        }
        Err(e) => (
            status_of(&e),
            Json(serde_json::json!({ "error": e.to_string() })),
        ),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let crm = Crm::new(Arc::new(MemoryStore::new()));
    let (workspace, _admin) = crm
        .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
        .await?;
    let channel = Arc::new(crm.system_session(workspace.id, "web").await?);
    let app = Router::new()
        .route("/contact", post(contact))
        .with_state(App { channel });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/contact", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    println!("serving {url}");

    let client = reqwest::Client::new();
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let request = client.post(&url).form(&fields);
        async move {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let body = response.text().await?;
            println!("POST {fields:?}\n  -> {status} {body}");
            Ok::<u16, reqwest::Error>(status)
        }
    };
    let form = vec![
        ("csrf_token", CSRF_TOKEN),
        ("website", ""),
        ("submission_id", "f-1001"),
        ("name", "سارا محمدی"),
        ("email", "sara@example.com"),
        ("topic", "billing"),
        ("message", "سلام، فاکتور من نرسیده است"),
        ("submit", "Send"),
    ];
    let mut no_contact = form.clone();
    no_contact.retain(|(k, _)| *k != "email");
    no_contact[2] = ("submission_id", "f-1002");
    let mut forged = form.clone();
    forged[0] = ("csrf_token", "stolen");
    let mut no_message = form.clone();
    no_message.retain(|(k, _)| *k != "message");

    let statuses = [
        post(form.clone()).await?,
        post(form).await?,
        post(no_contact).await?,
        post(forged).await?,
        post(no_message).await?,
    ];
    server.abort();
    if statuses != [201, 200, 422, 403, 422] {
        return Err(format!("unexpected statuses {statuses:?}").into());
    }
    Ok(())
}

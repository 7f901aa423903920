//! `crm outbox ...` and `crm webhook ...`: what was sent to whom, replaying what did not go
//! out, and the workspace's webhook endpoints.

use crate::context::{Ctx, Directory};
use crate::error::{CliError, CliResult};
use crate::output::{safe, short, table};
use clap::{Args, Subcommand};
use crm::outbox::{OutboxMessage, OutboxStatus, Recipient};
use crm::store::{MAX_PAGE, PageRequest};
use crm::workspace::WebhookEndpoint;
use std::process::ExitCode;

/// `crm outbox`.
#[derive(Debug, Subcommand)]
pub(crate) enum OutboxCommand {
    /// List messages with a delivery status (officers, managers, administrators).
    List(ListArgs),
    /// Queue a failed, bounced or parked message again, with the same id.
    Replay(ReplayArgs),
}

/// `crm outbox list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// queued (pending), sent, delivered, failed, bounced, suppressed or parked.
    #[arg(long, default_value = "parked")]
    status: String,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `crm outbox replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The message id (from `crm outbox list`).
    id: String,
}

/// Runs `crm outbox ...`.
///
/// # Errors
/// Invalid input for an unknown status or id; the service's errors.
pub(crate) async fn outbox(ctx: &Ctx, command: OutboxCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    match command {
        OutboxCommand::List(args) => {
            let status = OutboxStatus::parse(&args.status).ok_or_else(|| {
                CliError::invalid(format!(
                    "unknown status {:?}: queued, sent, delivered, failed, bounced, suppressed or parked",
                    args.status
                ))
            })?;
            let page = PageRequest::first(args.limit.clamp(1, MAX_PAGE));
            let messages = session.outbox(status, &page).await?.items;
            if args.json {
                let text =
                    crate::output::json(&messages).map_err(|e| CliError::failure(e.to_string()))?;
                println!("{text}");
                return Ok(ExitCode::SUCCESS);
            }
            if messages.is_empty() {
                println!("no {} messages", status.as_str());
                return Ok(ExitCode::SUCCESS);
            }
            let dir = ctx.directory().await?;
            println!("{}", deliveries_table(ctx, &dir, &messages, true));
        }
        OutboxCommand::Replay(args) => {
            let id = args
                .id
                .trim()
                .parse()
                .map_err(|_| CliError::invalid(format!("{:?} is not a message id", args.id)))?;
            let m = session.replay(id).await?;
            println!(
                "message {} ({}) queued again; `crm run` delivers it",
                m.id, m.notification.event
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where a message goes, for people: a staff member's name, a customer's channel and address,
/// a webhook's name.
pub(crate) fn recipient(dir: &Directory, m: &OutboxMessage) -> String {
    match &m.notification.recipient {
        Recipient::Staff { staff } => format!("staff {}", safe(&dir.staff_name(*staff))),
        Recipient::Customer {
            channel, address, ..
        } => format!("{channel} {}", safe(address)),
        Recipient::Webhook { endpoint, .. } => format!("webhook {}", safe(endpoint)),
        _ => "?".to_owned(),
    }
}

/// Messages as a table: event, to whom, status and what became of it.
pub(crate) fn deliveries_table(
    ctx: &Ctx,
    dir: &Directory,
    messages: &[OutboxMessage],
    with_id: bool,
) -> String {
    let mut header = vec!["event", "to", "status", "attempts", "when", "detail"];
    if with_id {
        header.insert(0, "id");
    }
    let mut t = table(header);
    for m in messages {
        let when = m.delivered_at.or(m.sent_at).unwrap_or(m.created_at);
        let mut detail = m.last_error.clone().unwrap_or_default();
        if let Some(parts) = m.parts {
            detail = format!("{parts} SMS parts {detail}");
        }
        let mut row = vec![
            m.notification.event.clone(),
            recipient(dir, m),
            m.status.as_str().to_owned(),
            m.attempts.to_string(),
            ctx.dates.datetime(when),
            short(&detail, 60),
        ];
        if with_id {
            row.insert(0, m.id.to_string());
        }
        t.add_row(row);
    }
    t.to_string()
}

/// `crm webhook`.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Add an endpoint, or replace the one of the same name (administrators).
    ///
    /// Its signing secret is not stored: give it to `crm run` as
    /// `CRM_WEBHOOK_SECRET_<NAME>` (upper case, `-` as `_`).
    Add(WebhookAddArgs),
    /// List the endpoints.
    List(WebhookListArgs),
    /// Remove an endpoint; its queued events are suppressed.
    Remove(WebhookRemoveArgs),
}

/// `crm webhook add`.
#[derive(Debug, Args)]
pub(crate) struct WebhookAddArgs {
    /// A short name.
    name: String,
    /// Where events are POSTed (https://...).
    url: String,
    /// An event (`request.created`) or family (`request.*`) it receives; repeatable; none
    /// means every event.
    #[arg(long = "event")]
    events: Vec<String>,
}

/// `crm webhook list`.
#[derive(Debug, Args)]
pub(crate) struct WebhookListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// `crm webhook remove`.
#[derive(Debug, Args)]
pub(crate) struct WebhookRemoveArgs {
    /// The endpoint's name.
    name: String,
}

/// Runs `crm webhook ...`.
///
/// # Errors
/// The service's errors (not an administrator, a bad URL, an unknown name).
pub(crate) async fn webhook(ctx: &Ctx, command: WebhookCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    match command {
        WebhookCommand::Add(args) => {
            let endpoint = WebhookEndpoint {
                name: args.name,
                url: args.url,
                events: args.events,
                active: true,
            };
            let name = endpoint.name.clone();
            session.set_webhook(endpoint).await?;
            println!("webhook {} set", safe(&name));
        }
        WebhookCommand::List(a) => {
            let hooks = session.webhooks().await?;
            if a.json {
                return super::cartable::print_json(&hooks);
            }
            if hooks.is_empty() {
                println!("no webhooks");
            } else {
                let mut t = table(["name", "url", "events", "active"]);
                for h in hooks {
                    let events = if h.events.is_empty() {
                        "all".to_owned()
                    } else {
                        h.events.join(", ")
                    };
                    t.add_row([
                        safe(&h.name),
                        safe(&h.url),
                        safe(&events),
                        h.active.to_string(),
                    ]);
                }
                println!("{t}");
            }
        }
        WebhookCommand::Remove(args) => {
            session.remove_webhook(&args.name).await?;
            println!("webhook {} removed", safe(&args.name));
        }
    }
    Ok(ExitCode::SUCCESS)
}

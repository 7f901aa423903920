//! `crm intake`: a customer message from flags, a web form payload or an email file.

use crate::commands::show;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::{eml, refs};
use clap::Args;
use crm::channel::{Channel, SocialNetwork};
use crm::service::{InboundMessage, IntakeOutcome, Sender, WebForm};
use std::path::PathBuf;
use std::process::ExitCode;

/// `crm intake`: exactly one of `--channel ...`, `--web-form FILE`, `--eml FILE`.
///
/// Without `--as`, the message is taken in by the system component `crm-cli intake` (a
/// channel adapter); with it, by that officer.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["channel", "web_form", "eml"])))]
pub(crate) struct IntakeArgs {
    /// Print what intake did as JSON (the request, the customer, whether it joined).
    #[arg(long)]
    json: bool,
    /// The channel (`email`, `sms`, `phone_call`, `telegram`, `whatsapp`, `web_form`, ...).
    #[arg(long, requires_all = ["from", "body"])]
    channel: Option<String>,
    /// The sender: an email, a phone number (Persian digits welcome) or a handle, as the
    /// channel knows them.
    #[arg(long)]
    from: Option<String>,
    /// The sender's name.
    #[arg(long)]
    name: Option<String>,
    /// The channel's id of the message (the same id twice is one message) [default: a new
    /// `cli-UUID`, printed].
    #[arg(long)]
    id: Option<String>,
    /// The text.
    #[arg(long)]
    body: Option<String>,
    /// The subject line.
    #[arg(long)]
    subject: Option<String>,
    /// The conversation (thread or chat id) the message belongs to.
    #[arg(long)]
    thread: Option<String>,
    /// A category the channel already knows.
    #[arg(long)]
    category: Option<String>,
    /// A web contact form submission, as JSON (submission_id, name, email, phone, subject,
    /// message, topic, submitted_at).
    #[arg(long, value_name = "FILE")]
    web_form: Option<PathBuf>,
    /// An email file (RFC 5322 .eml).
    #[arg(long, value_name = "FILE")]
    eml: Option<PathBuf>,
}

/// Takes the message in and prints what intake did.
///
/// # Errors
/// Invalid input for an unreadable or malformed file or message (nothing taken in).
pub(crate) async fn run(ctx: &Ctx, args: IntakeArgs) -> CliResult<ExitCode> {
    let session = ctx.session_or_system("crm-cli intake").await?;
    let outcome = if let Some(path) = &args.web_form {
        let text = read(path)?;
        let form: WebForm = serde_json::from_slice(&text).map_err(|e| {
            CliError::invalid(format!("{}: not a web form payload: {e}", path.display()))
        })?;
        session.intake_web_form(form).await?
    } else if let Some(path) = &args.eml {
        let raw = read(path)?;
        let message =
            eml::parse(&raw).map_err(|e| CliError::invalid(format!("{}: {e}", path.display())))?;
        session.intake(message).await?
    } else {
        session.intake(from_flags(&args)?).await?
    };
    if args.json {
        return super::cartable::print_json(&serde_json::json!({
            "request": outcome.request,
            "customer": outcome.customer,
            "new_customer": outcome.new_customer,
            "duplicate_delivery": outcome.duplicate_delivery,
            "joined": outcome.joined,
            "reopened": outcome.reopened,
            "unsubscribed": outcome.unsubscribed,
        }));
    }
    let dir = ctx.directory().await?;
    print_outcome(ctx, &dir, &outcome);
    Ok(ExitCode::SUCCESS)
}

fn read(path: &PathBuf) -> CliResult<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| CliError::invalid(format!("cannot read {}: {e}", path.display())))
}

/// The message the flags describe.
fn from_flags(args: &IntakeArgs) -> CliResult<InboundMessage> {
    let missing = |what: &str| CliError::invalid(format!("--{what} is needed with --channel"));
    let channel = refs::channel(args.channel.as_deref().ok_or_else(|| missing("channel"))?)?;
    let from = args.from.clone().ok_or_else(|| missing("from"))?;
    let id = match &args.id {
        Some(id) => id.clone(),
        None => {
            let id = format!("cli-{}", uuid::Uuid::now_v7());
            println!("message id: {id} (pass it as --id to take the same message in again)");
            id
        }
    };
    let body = args.body.clone().ok_or_else(|| missing("body"))?;
    let mut sender = sender_on(channel, &from);
    sender.name = args.name.clone();
    let mut message = InboundMessage::new(channel, &id, sender, &body);
    message.subject = args.subject.clone();
    message.thread = args.thread.clone();
    message.category = args.category.clone();
    Ok(message)
}

/// Who `from` is on `channel`: an email for email, a number for SMS, calls and fax, a handle
/// on a social network (a number on WhatsApp); elsewhere an email when it has an `@`.
pub(crate) fn sender_on(channel: Channel, from: &str) -> Sender {
    let from = from.trim().to_owned();
    match channel {
        Channel::Email => Sender {
            email: Some(from),
            ..Sender::default()
        },
        Channel::Sms | Channel::PhoneCall | Channel::Fax => Sender {
            phone: Some(from),
            ..Sender::default()
        },
        Channel::Social(SocialNetwork::WhatsApp) => Sender {
            handle: Some((SocialNetwork::WhatsApp, from)),
            ..Sender::default()
        },
        Channel::Social(network) => Sender {
            handle: Some((network, from)),
            ..Sender::default()
        },
        _ if from.contains('@') && !from.starts_with('@') => Sender {
            email: Some(from),
            ..Sender::default()
        },
        _ => Sender {
            phone: Some(from),
            ..Sender::default()
        },
    }
}

/// Prints what intake did: new or joined request, new or known customer, earlier requests.
pub(crate) fn print_outcome(ctx: &Ctx, dir: &crate::context::Directory, o: &IntakeOutcome) {
    let r = &o.request;
    let what = if o.duplicate_delivery {
        "already taken in (duplicate delivery): nothing changed"
    } else if o.reopened {
        "reopened"
    } else if o.joined {
        "joined the open request"
    } else {
        "opened"
    };
    println!("request #{} {what}", r.number);
    println!("{}", show::request_summary(ctx, dir, r));
    match &o.customer {
        Some(c) if o.new_customer => {
            println!("customer: new lead {} ({})", show::customer_name(c), c.id);
        }
        Some(c) => println!("customer: known, {} ({})", show::customer_name(c), c.id),
        None => println!(
            "customer: the sender matches {} customers: flagged as a possible duplicate for \
             an officer (crm cartable duplicates)",
            r.candidates.len()
        ),
    }
    if !o.earlier_requests.is_empty() {
        println!("earlier requests of this customer:");
        for e in &o.earlier_requests {
            println!("  {}", show::request_line(ctx, dir, e));
        }
    }
}

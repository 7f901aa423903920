//! The cartable's transitions, addressed by request number: each command reads the request
//! (and its version), then acts on that version, so a change made meanwhile by someone else
//! is refused rather than overwritten.

use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::safe;
use crate::refs;
use clap::Args;
use crm::request::Request;
use std::process::ExitCode;

/// A request number.
#[derive(Debug, Args)]
pub(crate) struct NumberArg {
    /// The request number (`12` or `#12`).
    #[arg(value_parser = refs::request_number)]
    number: u64,
}

/// `crm refer`.
#[derive(Debug, Args)]
pub(crate) struct ReferArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// Where to: `staff:EMAIL`, `department:NAME` or `officers`.
    #[arg(long)]
    to: String,
    /// The note that goes with it.
    #[arg(long, default_value = "")]
    note: String,
}

/// A request number and a note.
#[derive(Debug, Args)]
pub(crate) struct NoteArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// The note.
    #[arg(long)]
    note: String,
}

/// `crm resolve`.
#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// The answer for the customer.
    #[arg(long)]
    answer: String,
}

/// `crm approve`.
#[derive(Debug, Args)]
pub(crate) struct ApproveArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// An optional note.
    #[arg(long, default_value = "")]
    note: String,
}

/// `crm reply`.
#[derive(Debug, Args)]
pub(crate) struct ReplyArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// The channel to answer on [default: the one the request came on].
    #[arg(long)]
    channel: Option<String>,
}

/// `crm rate`.
#[derive(Debug, Args)]
pub(crate) struct RateArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// 1 (bad) to 5 (excellent).
    #[arg(value_parser = clap::value_parser!(u8).range(1..=5))]
    rating: u8,
    /// What the customer said.
    #[arg(long)]
    comment: Option<String>,
}

/// `crm attach`.
#[derive(Debug, Args)]
pub(crate) struct AttachArgs {
    /// The request number.
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// The customer (id, email, phone or NETWORK:HANDLE).
    customer: String,
}

fn done(what: &str, r: &Request, dir: &crate::context::Directory) {
    println!(
        "request #{} {what}: now {}, held by {}",
        r.number,
        r.status.as_str(),
        safe(&dir.holder(r.holder))
    );
}

/// `crm refer N --to ... --note ...`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn refer(ctx: &Ctx, a: ReferArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let dir = ctx.directory().await?;
    let to = refs::holder(&dir, &a.to)?;
    let r = session.request_by_number(a.number).await?;
    let r = session.refer(r.id, r.version, to, &a.note).await?;
    done("referred", &r, &dir);
    println!(
        "hops {}, ping-pongs {}{}",
        r.hops(),
        r.ping_pongs(),
        if r.escalated {
            " (escalated to a manager: too many hops)"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm take N`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn take(ctx: &Ctx, a: NumberArg) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let r = session.request_by_number(a.number).await?;
    let r = session.take(r.id, r.version).await?;
    done("taken", &r, &ctx.directory().await?);
    Ok(ExitCode::SUCCESS)
}

/// `crm wait N --note ...`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn wait(ctx: &Ctx, a: NoteArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let r = session.request_by_number(a.number).await?;
    let r = session.wait_on_customer(r.id, r.version, &a.note).await?;
    done(
        "waits on the customer (clock paused)",
        &r,
        &ctx.directory().await?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm resolve N --answer ...`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn resolve(ctx: &Ctx, a: ResolveArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let r = session.request_by_number(a.number).await?;
    let r = session.resolve(r.id, r.version, &a.answer).await?;
    done(
        "resolved, waiting for an officer's review",
        &r,
        &ctx.directory().await?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm approve N`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn approve(ctx: &Ctx, a: ApproveArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let r = session.request_by_number(a.number).await?;
    let r = session.approve(r.id, r.version, &a.note).await?;
    done(
        "approved: the answer may be sent (crm reply)",
        &r,
        &ctx.directory().await?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm return N --note ...`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn return_answer(ctx: &Ctx, a: NoteArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let r = session.request_by_number(a.number).await?;
    let r = session.return_answer(r.id, r.version, &a.note).await?;
    done("returned to its author", &r, &ctx.directory().await?);
    Ok(ExitCode::SUCCESS)
}

/// `crm reply N [--channel C]`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn reply(ctx: &Ctx, a: ReplyArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let channel = a.channel.as_deref().map(refs::channel).transpose()?;
    let r = session.request_by_number(a.number).await?;
    let r = session.reply(r.id, r.version, channel).await?;
    let on = r.reply.as_ref().map_or(r.channel, |x| x.channel);
    done(
        &format!("replied on {on} (queued in the outbox with a satisfaction survey)"),
        &r,
        &ctx.directory().await?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm close N`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn close(ctx: &Ctx, a: NumberArg) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let r = session.request_by_number(a.number).await?;
    let r = session.close(r.id, r.version).await?;
    done("closed", &r, &ctx.directory().await?);
    Ok(ExitCode::SUCCESS)
}

/// `crm rate N RATING [--comment ...]`: without `--as`, recorded by the system component
/// `customer survey` (the customer answered the survey).
///
/// # Errors
/// The library's errors.
pub(crate) async fn rate(ctx: &Ctx, a: RateArgs) -> CliResult<ExitCode> {
    let session = ctx.session_or_system("customer survey").await?;
    let r = session.request_by_number(a.number).await?;
    let r = session
        .rate(r.id, r.version, a.rating, a.comment.as_deref())
        .await?;
    done(
        &format!("rated {}/5", a.rating),
        &r,
        &ctx.directory().await?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm attach N CUSTOMER`.
///
/// # Errors
/// The library's errors.
pub(crate) async fn attach(ctx: &Ctx, a: AttachArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let customer = refs::customer(&session, &a.customer).await?;
    let r = session.request_by_number(a.number).await?;
    let r = session
        .attach_to_customer(r.id, r.version, customer.id)
        .await?;
    done(
        &format!(
            "attached to {}",
            crate::commands::show::customer_name(&customer)
        ),
        &r,
        &ctx.directory().await?,
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm sla`: flags breached deadlines and warns of coming ones (run it every few
/// minutes; as `--as` when given, else as the system component `crm-cli sla`).
///
/// # Errors
/// The library's errors.
pub(crate) async fn sla(ctx: &Ctx) -> CliResult<ExitCode> {
    let session = ctx.session_or_system("crm-cli sla").await?;
    let report = session.check_service_levels().await?;
    println!(
        "service levels: {} newly breached, {} warned",
        report.breached, report.warned
    );
    Ok(ExitCode::SUCCESS)
}

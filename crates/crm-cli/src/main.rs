//! `crm`: the command-line example application of crm-rs.
//!
//! A thin layer over the library: every command opens the embedded sled store, acts as one
//! staff member in one workspace through a [`crm::Session`], and prints the result. This file
//! holds the command-line definitions and the dispatch only; each area lives in
//! `commands/*.rs`.

mod cli_config;
mod commands;
mod context;
mod dates;
mod demo;
mod eml;
mod error;
mod import;
mod output;
mod pipe;
mod refs;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// crm: run the crm-rs customer relationship management process from a terminal.
///
/// Data lives in an embedded sled store (`--db`, default `./crm-data`). `crm init` creates a
/// workspace and records it, with its administrator, in `crm-cli.json` inside the data
/// directory; later commands use that workspace and act as that administrator unless
/// `--workspace` / `--as` say otherwise. Try `crm demo` for a guided tour.
#[derive(Debug, Parser)]
#[command(name = "crm", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success; 1 failure (not allowed, wrong state, storage, \
    some import rows refused); 2 usage error or invalid input (nothing changed)."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    /// The data directory of the sled store [default: ./crm-data].
    #[arg(long, global = true, env = "CRM_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Act as this staff member (work email or id) [default: the administrator recorded by
    /// `crm init`].
    #[arg(long = "as", global = true, env = "CRM_AS", value_name = "STAFF")]
    actor: Option<String>,
    /// The workspace id [default: the one recorded by `crm init` in crm-cli.json].
    #[arg(long, global = true, env = "CRM_WORKSPACE", value_name = "ID")]
    workspace: Option<String>,
    /// The calendar dates are shown in.
    #[arg(long, global = true, env = "CRM_CALENDAR", value_enum, default_value_t = CalendarArg::Gregorian)]
    calendar: CalendarArg,
    /// The time zone dates are shown in (IANA name).
    #[arg(
        long,
        global = true,
        env = "CRM_TZ",
        default_value = "Asia/Tehran",
        value_name = "ZONE"
    )]
    tz: String,
}

/// A calendar to show dates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CalendarArg {
    /// ISO dates: 2026-03-21 14:30.
    Gregorian,
    /// Jalali (Shamsi) dates in Persian digits: ۱۴۰۵/۰۱/۰۱ ۱۴:۳۰.
    Jalali,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a workspace with its administrator and make it this directory's default.
    Init(commands::setup::InitArgs),
    /// Staff members.
    #[command(subcommand)]
    Staff(commands::staff::StaffCommand),
    /// Departments and how they assign requests.
    #[command(subcommand)]
    Department(commands::staff::DepartmentCommand),
    /// Routing rules (data, not code).
    #[command(subcommand)]
    Rule(commands::rules::RuleCommand),
    /// Take in a customer message: from flags, a web form JSON file or an .eml file.
    ///
    /// Without --as, the message is taken in by the channel adapter `crm-cli intake` (a system
    /// component); with --as, by that officer or manager.
    Intake(commands::intake::IntakeArgs),
    /// Show a cartable view.
    Cartable(commands::cartable::CartableArgs),
    /// Requests.
    #[command(subcommand)]
    Request(commands::cartable::RequestCommand),
    /// Refer a request, with a note, to a person, a department or the officers.
    Refer(commands::actions::ReferArgs),
    /// Take up a request (start work on it, or take it from a queue).
    Take(commands::actions::NumberArg),
    /// Ask the customer and wait (the service-level clock pauses).
    Wait(commands::actions::NoteArgs),
    /// Resolve a request with an answer for the customer (it goes to review).
    Resolve(commands::actions::ResolveArgs),
    /// Approve the answer of a resolved request.
    Approve(commands::actions::ApproveArgs),
    /// Return the answer of a resolved request to its author, with a note.
    Return(commands::actions::NoteArgs),
    /// Send the approved answer to the customer.
    Reply(commands::actions::ReplyArgs),
    /// Close a replied request.
    Close(commands::actions::NumberArg),
    /// Record the customer's satisfaction rating (1 to 5).
    ///
    /// Without --as, recorded by the system component `customer survey` (the customer
    /// answered); with --as, by that officer or manager.
    Rate(commands::actions::RateArgs),
    /// Settle a possible duplicate: give the request to one customer.
    Attach(commands::actions::AttachArgs),
    /// Customers.
    #[command(subcommand)]
    Customer(commands::customers::CustomerCommand),
    /// Search customers by name (Persian-aware: any spelling, any word order).
    Search(commands::customers::SearchArgs),
    /// Merge a duplicate customer (LOSER) into another (WINNER).
    Merge(commands::customers::MergeArgs),
    /// Export all customers to a CSV file.
    Export(commands::customers::ExportArgs),
    /// Import customers from a CSV file (the format `crm export` writes).
    Import(commands::customers::ImportArgs),
    /// The cartable report of a period: volume, response and resolution times, bouncing,
    /// load.
    Report(commands::report::ReportArgs),
    /// Check service levels now: flag breached deadlines and warn of coming ones.
    ///
    /// Run it every few minutes (cron); without --as it runs as the system component
    /// `crm-cli sla`.
    Sla,
    /// The worker: deliver the outbox (email, SMS, webhooks), follow delivery reports and run
    /// the periodic jobs (service levels) until Ctrl-C or SIGTERM.
    ///
    /// Without --smtp-host, email goes to .eml files in the data directory's mail/ folder.
    Run(Box<commands::run::RunArgs>),
    /// The outbox: what was sent to whom, and replaying what did not go out.
    #[command(subcommand)]
    Outbox(commands::outbox::OutboxCommand),
    /// Webhook endpoints that receive the workspace's events.
    #[command(subcommand)]
    Webhook(commands::outbox::WebhookCommand),
    /// Leads: add, take in a web lead form, qualify, convert into a customer and a deal.
    #[command(subcommand)]
    Lead(commands::leads::LeadCommand),
    /// Forecasts: show, freeze today's snapshots (cron), accuracy.
    #[command(subcommand)]
    Forecast(commands::forecasts::ForecastCommand),
    /// Sales pipelines and their stages.
    #[command(subcommand)]
    Pipeline(commands::pipelines::PipelineCommand),
    /// Products and their prices.
    #[command(subcommand)]
    Product(commands::products::ProductCommand),
    /// Deals: add, move through the stages, win, lose with a reason, reopen, show, list.
    #[command(subcommand)]
    Deal(commands::deals::DealCommand),
    /// Orders: purchases, from won deals or directly, and refunds.
    #[command(subcommand)]
    Order(commands::orders::OrderCommand),
    /// The customer club: join, cards, points, holds, the ledger, tiers, rewards.
    #[command(subcommand)]
    Club(commands::club::ClubCommand),
    /// Sales goals and their attainment.
    #[command(subcommand)]
    Goal(commands::goals::GoalCommand),
    /// Seed a realistic workspace in a fresh directory and walk through the whole process.
    Demo(demo::DemoArgs),
    /// The workspace's settings: show them, change one.
    #[command(subcommand)]
    Settings(commands::settings::SettingsCommand),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(commands::completions::CompletionsArgs),
    /// Tasks: add, list (yours, today's, a customer's, followed), done, follow.
    #[command(subcommand)]
    Task(commands::tasks::TaskCommand),
    /// The customers whose occasions fall on a date; --send queues their greetings.
    Greetings(commands::tasks::GreetingsArgs),
}

fn main() -> ExitCode {
    pipe::install_quiet_hook();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return error::report(&error::CliError::failure(format!("tokio: {e}"))),
    };
    match runtime.block_on(pipe::CatchUnwind::new(run(cli))) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => error::report(&e),
        // stdout was closed (`crm report | head -1`): the reader has what it wanted.
        Err(panic) if pipe::is_broken_pipe(panic.as_ref()) => ExitCode::SUCCESS,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

async fn run(cli: Cli) -> Result<ExitCode, error::CliError> {
    use commands::*;
    let g = &cli.global;
    match cli.command {
        Command::Init(args) => setup::init(g, args).await,
        Command::Demo(args) => demo::run(g, args).await,
        Command::Completions(args) => completions::run(args),
        command => {
            let ctx = context::Ctx::open(g).await?;
            let code = pipe::CatchUnwind::new(dispatch(g, &ctx, command)).await;
            // The store is closed (flushed) even when printing failed on a closed stdout.
            ctx.close().await;
            match code {
                Ok(code) => code,
                Err(panic) if pipe::is_broken_pipe(panic.as_ref()) => Ok(ExitCode::SUCCESS),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    }
}

/// Runs a command that works on an open store.
async fn dispatch(
    g: &Global,
    ctx: &context::Ctx,
    command: Command,
) -> Result<ExitCode, error::CliError> {
    use commands::*;
    match command {
        Command::Staff(c) => staff::staff(ctx, c).await,
        Command::Department(c) => staff::department(ctx, c).await,
        Command::Rule(c) => rules::run(ctx, c).await,
        Command::Intake(args) => intake::run(ctx, args).await,
        Command::Cartable(args) => cartable::view(ctx, args).await,
        Command::Request(c) => cartable::request(ctx, c).await,
        Command::Refer(args) => actions::refer(ctx, args).await,
        Command::Take(args) => actions::take(ctx, args).await,
        Command::Wait(args) => actions::wait(ctx, args).await,
        Command::Resolve(args) => actions::resolve(ctx, args).await,
        Command::Approve(args) => actions::approve(ctx, args).await,
        Command::Return(args) => actions::return_answer(ctx, args).await,
        Command::Reply(args) => actions::reply(ctx, args).await,
        Command::Close(args) => actions::close(ctx, args).await,
        Command::Rate(args) => actions::rate(ctx, args).await,
        Command::Attach(args) => actions::attach(ctx, args).await,
        Command::Customer(c) => customers::customer(ctx, c).await,
        Command::Search(args) => customers::search(ctx, args).await,
        Command::Merge(args) => customers::merge(ctx, args).await,
        Command::Export(args) => customers::export(ctx, args).await,
        Command::Import(args) => customers::import(ctx, args).await,
        Command::Report(args) => report::run(ctx, args).await,
        Command::Sla => actions::sla(ctx).await,
        Command::Outbox(c) => outbox::outbox(ctx, c).await,
        Command::Run(args) => run::run(ctx, &context::data_dir(g), *args).await,
        Command::Webhook(c) => outbox::webhook(ctx, c).await,
        Command::Lead(c) => leads::run(ctx, c).await,
        Command::Forecast(c) => forecasts::run(ctx, c).await,
        Command::Pipeline(c) => pipelines::run(ctx, c).await,
        Command::Product(c) => products::run(ctx, c).await,
        Command::Deal(c) => deals::run(ctx, c).await,
        Command::Order(c) => orders::run(ctx, c).await,
        Command::Club(c) => commands::club::run(ctx, c).await,
        Command::Goal(c) => goals::run(ctx, c).await,
        Command::Task(c) => commands::tasks::task(ctx, c).await,
        Command::Greetings(args) => commands::tasks::greetings(ctx, args).await,
        Command::Settings(c) => settings::run(ctx, c).await,
        // Handled above, before the store is opened.
        Command::Init(_) | Command::Demo(_) | Command::Completions(_) => Ok(ExitCode::SUCCESS),
    }
}

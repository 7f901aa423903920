//! `crm cartable [VIEW]` and `crm request show N`.

use crate::commands::show;
use crate::context::Ctx;
use crate::error::CliResult;
use crate::refs;
use clap::{Args, Subcommand, ValueEnum};
use crm::Session;
use crm::request::{Holder, Request, RequestView};
use crm::store::{Page, PageRequest};
use std::process::ExitCode;

/// `crm cartable`.
#[derive(Debug, Args)]
pub(crate) struct CartableArgs {
    /// Which view.
    #[arg(value_enum, default_value_t = View::Mine)]
    view: View,
    /// At most this many requests.
    #[arg(long, default_value_t = 50)]
    limit: usize,
}

/// A cartable view, sorted by priority (urgent first), then due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum View {
    /// The active requests I hold.
    Mine,
    /// Resolved requests waiting for my review.
    Review,
    /// Active requests I follow.
    Followed,
    /// My department's queue.
    Department,
    /// The officers' shared cartable (officers and managers).
    Officers,
    /// Active requests past their deadline.
    Overdue,
    /// Requests whose sender matched several customers.
    Duplicates,
}

impl View {
    fn title(self) -> &'static str {
        match self {
            View::Mine => "my cartable",
            View::Review => "awaiting my review",
            View::Followed => "followed by me",
            View::Department => "my department's queue",
            View::Officers => "the officers' cartable",
            View::Overdue => "overdue",
            View::Duplicates => "possible duplicates",
        }
    }
}

/// Loads one page of a view.
///
/// # Errors
/// The library's errors (an agent asking for the officers' cartable, say).
pub(crate) async fn load(
    session: &Session,
    view: View,
    limit: usize,
) -> crm::Result<Page<Request>> {
    let page = PageRequest::first(limit);
    match view {
        View::Mine => session.my_cartable(&page).await,
        View::Review => session.awaiting_my_review(&page).await,
        View::Followed => session.followed_by_me(&page).await,
        View::Department => session.my_department_queue(&page).await,
        View::Officers => {
            session
                .cartable(&RequestView::Holder(Holder::Officers), &page)
                .await
        }
        View::Overdue => session.overdue(&page).await,
        View::Duplicates => session.possible_duplicates(&page).await,
    }
}

/// Prints a cartable view.
///
/// # Errors
/// As [`load`].
pub(crate) async fn view(ctx: &Ctx, args: CartableArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let page = load(&session, args.view, args.limit).await?;
    let dir = ctx.directory().await?;
    println!(
        "{}: {} request(s){}",
        args.view.title(),
        page.items.len(),
        if page.next.is_some() {
            " (more: raise --limit)"
        } else {
            ""
        }
    );
    if !page.items.is_empty() {
        println!("{}", show::request_table(ctx, &dir, &page.items));
    }
    Ok(ExitCode::SUCCESS)
}

/// `crm request`.
#[derive(Debug, Subcommand)]
pub(crate) enum RequestCommand {
    /// Everything about one request: messages, hops, answer, reviews, reply, rating.
    Show(ShowArgs),
}

/// `crm request show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The request number (`12` or `#12`).
    #[arg(value_parser = refs::request_number)]
    number: u64,
}

/// Prints one request.
///
/// # Errors
/// Invalid input for an unknown number.
pub(crate) async fn request(ctx: &Ctx, command: RequestCommand) -> CliResult<ExitCode> {
    let RequestCommand::Show(args) = command;
    let session = ctx.session_or_system("crm-cli").await?;
    let r = session.request_by_number(args.number).await?;
    let dir = ctx.directory().await?;
    let (customer, messages) = match r.customer {
        Some(id) => {
            let customer = session.customer(id).await?;
            let history = session
                .interactions(customer.id, &PageRequest::first(crm::store::MAX_PAGE))
                .await?;
            let mut messages: Vec<_> = history
                .items
                .into_iter()
                .filter(|i| r.messages.contains(&i.id))
                .collect();
            messages.sort_by_key(|i| (i.occurred_at, i.id));
            (Some(customer), messages)
        }
        None => (None, Vec::new()),
    };
    println!(
        "{}",
        show::request_detail(ctx, &dir, &r, customer.as_ref(), &messages)
    );
    let calendar = session.settings().await?.sla.calendar;
    println!("business time: {}", show::times(&r, &calendar));
    let deliveries = session.deliveries(r.id.0).await?;
    if !deliveries.is_empty() {
        println!("deliveries (what was sent to whom, and what became of it):");
        println!(
            "{}",
            super::outbox::deliveries_table(ctx, &dir, &deliveries, false)
        );
    }
    Ok(ExitCode::SUCCESS)
}

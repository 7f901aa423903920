//! `crm cartable [VIEW]` and `crm request show N`.

use crate::commands::show;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::refs;
use clap::{Args, Subcommand, ValueEnum};
use crm::Session;
use crm::request::{Holder, Request, RequestStatus, RequestView};
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
    /// Print the requests as JSON (an array of request records).
    #[arg(long)]
    json: bool,
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
    if args.json {
        return print_json(&page.items);
    }
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
    /// Requests passing every filter given, newest first (officers, managers and
    /// administrators).
    List(ListArgs),
}

/// `crm request show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The request number (`12` or `#12`).
    #[arg(value_parser = refs::request_number)]
    number: u64,
    /// Print the request record as JSON.
    #[arg(long)]
    json: bool,
}

/// `crm request list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only requests in this status (`new`, `referred`, `in_progress`, `resolved`, ...);
    /// repeat for several.
    #[arg(long)]
    status: Vec<String>,
    /// Only requests held by `staff:EMAIL` (or an email), `department:NAME` or `officers`.
    #[arg(long)]
    holder: Option<String>,
    /// Only requests of this customer (id, email, phone or NETWORK:HANDLE).
    #[arg(long)]
    customer: Option<String>,
    /// Only requests that came in on this channel (`email`, `sms`, `telegram`, ...).
    #[arg(long)]
    channel: Option<String>,
    /// Only requests received since then: a date (`2026-12-01`, in --tz) or a span back from
    /// now (`7d`, `24h`).
    #[arg(long)]
    since: Option<String>,
    /// At most this many requests.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print the requests as JSON (an array of request records).
    #[arg(long)]
    json: bool,
}

/// Prints `value` as JSON on stdout (terminal-safe, see [`crate::output::json`]).
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> CliResult<ExitCode> {
    let text = crate::output::json(value)
        .map_err(|e| crate::error::CliError::failure(format!("json: {e}")))?;
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Prints one request.
///
/// # Errors
/// Invalid input for an unknown number.
pub(crate) async fn request(ctx: &Ctx, command: RequestCommand) -> CliResult<ExitCode> {
    let args = match command {
        RequestCommand::Show(args) => args,
        RequestCommand::List(args) => return list(ctx, args).await,
    };
    let session = ctx.session_or_system("crm-cli").await?;
    let r = session.request_by_number(args.number).await?;
    if args.json {
        return print_json(&r);
    }
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

/// `crm request list`: reads the narrowest view the filters allow (the customer's requests,
/// else those created since `--since`, else all), keeps those passing every filter and
/// prints the newest `--limit`.
///
/// # Errors
/// Invalid input for a bad filter value; the library's errors (an agent listing all requests).
pub(crate) async fn list(ctx: &Ctx, args: ListArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let dir = ctx.directory().await?;
    let statuses = args
        .status
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| {
            let want = s.trim().replace('-', "_");
            RequestStatus::ALL
                .into_iter()
                .find(|st| st.as_str() == want)
                .ok_or_else(|| {
                    let all: Vec<&str> = RequestStatus::ALL.iter().map(|s| s.as_str()).collect();
                    CliError::invalid(format!(
                        "unknown status {s:?}: use one of {}",
                        all.join(", ")
                    ))
                })
        })
        .collect::<CliResult<Vec<_>>>()?;
    let holder = args
        .holder
        .as_deref()
        .map(|h| refs::holder(&dir, h))
        .transpose()?;
    let customer = match &args.customer {
        Some(c) => Some(refs::customer(&session, c).await?.id),
        None => None,
    };
    let channel = args.channel.as_deref().map(refs::channel).transpose()?;
    let now = chrono::Utc::now();
    let since = args
        .since
        .as_deref()
        .map(|s| since(s, now, ctx.dates.tz))
        .transpose()?;
    let view = match (customer, since) {
        (Some(c), _) => RequestView::Customer(c),
        (None, from) => RequestView::Created {
            from: from.unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
            to: now + chrono::Duration::days(1),
        },
    };
    let keep = |r: &Request| {
        (statuses.is_empty() || statuses.contains(&r.status))
            && holder.is_none_or(|h| r.holder == h)
            && customer.is_none_or(|c| r.customer == Some(c))
            && channel.is_none_or(|ch| r.channel == ch)
            && since.is_none_or(|s| r.received_at >= s)
    };
    let mut found = Vec::new();
    let mut page = PageRequest::first(crm::store::MAX_PAGE);
    loop {
        let got = session.cartable(&view, &page).await?;
        found.extend(got.items.into_iter().filter(|r| keep(r)));
        match got.next {
            Some(next) => page = PageRequest::after(next, crm::store::MAX_PAGE),
            None => break,
        }
    }
    found.sort_by(|a, b| {
        b.received_at
            .cmp(&a.received_at)
            .then(b.number.cmp(&a.number))
    });
    let more = found.len() > args.limit;
    found.truncate(args.limit);
    if args.json {
        return print_json(&found);
    }
    println!(
        "{} request(s){}",
        found.len(),
        if more { " (more: raise --limit)" } else { "" }
    );
    if !found.is_empty() {
        println!("{}", show::request_table(ctx, &dir, &found));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--since`: a date (`2026-12-01`, midnight in `tz`) or a span back from `now` (`7d`, `24h`,
/// `30m`).
fn since(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> CliResult<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone as _;
    let t = text.trim();
    let bad = || {
        CliError::invalid(format!(
            "--since {t:?}: use a date (2026-12-01) or a span back from now (7d, 24h, 30m)"
        ))
    };
    if let Ok(date) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
        return tz
            .from_local_datetime(&midnight)
            .earliest()
            .map(|d| d.with_timezone(&chrono::Utc))
            .ok_or_else(bad);
    }
    let split = t.char_indices().last().map(|(i, _)| i).ok_or_else(bad)?;
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let span = match unit {
        "d" => chrono::Duration::try_days(n),
        "h" => chrono::Duration::try_hours(n),
        "m" => chrono::Duration::try_minutes(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    now.checked_sub_signed(span).ok_or_else(bad)
}

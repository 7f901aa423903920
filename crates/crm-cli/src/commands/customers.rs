//! `crm customer ...`, `crm search`, `crm merge`, `crm export`, `crm import`.

use crate::commands::show;
use crate::context::Ctx;
use crate::error::{CliError, CliResult, EXIT_FAILURE};
use crate::import;
use crate::output::{safe, table};
use crate::refs;
use clap::{Args, Subcommand};
use crm::customer::ContactKind;
use crm::customer::CustomerFilter;
use crm::service::NewCustomer;
use crm::store::{MAX_PAGE, PageRequest};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// `crm customer`.
#[derive(Debug, Subcommand)]
pub(crate) enum CustomerCommand {
    /// The 360° view of a customer, found by id, email, phone or NETWORK:HANDLE.
    Show(CustomerRef),
    /// Add a person.
    Add(CustomerAddArgs),
}

/// A customer reference.
#[derive(Debug, Args)]
pub(crate) struct CustomerRef {
    /// An id, an email, a phone number (any spelling) or NETWORK:HANDLE (`telegram:@jane`).
    customer: String,
}

/// `crm customer add`.
#[derive(Debug, Args)]
pub(crate) struct CustomerAddArgs {
    /// Given name.
    #[arg(long)]
    given_name: String,
    /// Family name.
    #[arg(long, default_value = "")]
    family_name: String,
    /// Email.
    #[arg(long)]
    email: Option<String>,
    /// Mobile number (Persian digits welcome).
    #[arg(long)]
    mobile: Option<String>,
    /// A tag; repeatable.
    #[arg(long = "tag")]
    tags: Vec<String>,
}

/// `crm search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Words of the name (each matches the start of a word: `علی رضا` finds علی رضایی).
    query: String,
    /// At most this many customers.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

/// `crm merge`.
#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The customer that stays (id, email, phone or NETWORK:HANDLE).
    winner: String,
    /// The duplicate merged into it.
    loser: String,
}

/// `crm export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The CSV file to write (`-` for stdout, made terminal-safe).
    file: PathBuf,
}

/// `crm import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The CSV file to read (see `crm export` for the columns).
    file: PathBuf,
    /// Check every row and report, changing nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs a `crm customer` command.
///
/// # Errors
/// Invalid input for an unknown customer; the library's errors.
pub(crate) async fn customer(ctx: &Ctx, command: CustomerCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    match command {
        CustomerCommand::Show(r) => {
            let c = refs::customer(&session, &r.customer).await?;
            let view = session.customer_view(c.id).await?;
            let dir = ctx.directory().await?;
            println!("{}", show::customer_view(ctx, &dir, &view));
        }
        CustomerCommand::Add(a) => {
            let mut new = NewCustomer::person(&a.given_name, &a.family_name);
            if let Some(e) = &a.email {
                new = new.contact(ContactKind::Email, e);
            }
            if let Some(m) = &a.mobile {
                new = new.contact(ContactKind::Mobile, m);
            }
            new.tags = a.tags;
            let c = session.create_customer(new).await?;
            println!("customer {} added ({})", show::customer_name(&c), c.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `crm search QUERY`.
///
/// # Errors
/// Invalid input for a query without words.
pub(crate) async fn search(ctx: &Ctx, a: SearchArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let found = session
        .search_customers(&a.query, &PageRequest::first(a.limit))
        .await?;
    println!(
        "{} customer(s) match {:?}{}",
        found.items.len(),
        safe(&a.query),
        if found.next.is_some() {
            " (more: raise --limit)"
        } else {
            ""
        }
    );
    if !found.items.is_empty() {
        let mut t = table(["name", "stage", "contacts", "id"]);
        for c in &found.items {
            let contacts: Vec<String> = c.contacts.iter().map(|p| safe(&p.value)).collect();
            t.add_row([
                show::customer_name(c),
                c.stage.as_str().to_owned(),
                contacts.join(", "),
                c.id.to_string(),
            ]);
        }
        println!("{t}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `crm merge WINNER LOSER`.
///
/// # Errors
/// Invalid input for unknown customers or an impossible merge.
pub(crate) async fn merge(ctx: &Ctx, a: MergeArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let winner = refs::customer(&session, &a.winner).await?;
    let loser = refs::customer(&session, &a.loser).await?;
    let merged = session
        .merge_customers(winner.id, winner.version, loser.id, loser.version)
        .await?;
    println!(
        "merged {} ({}) into {} ({}): {} contact point(s), history moved",
        show::customer_name(&loser),
        loser.id,
        show::customer_name(&merged),
        merged.id,
        merged.contacts.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `crm export FILE`.
///
/// # Errors
/// Failures writing the file.
pub(crate) async fn export(ctx: &Ctx, a: ExportArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let mut rows = vec![
        import::COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<Vec<_>>(),
    ];
    let mut page = PageRequest::first(MAX_PAGE);
    loop {
        let got = session
            .list_customers(&CustomerFilter::default(), &page)
            .await?;
        rows.extend(got.items.iter().map(import::to_row));
        match got.next {
            Some(next) => page = PageRequest::after(next, MAX_PAGE),
            None => break,
        }
    }
    let count = rows.len() - 1;
    if a.file.as_os_str() == "-" {
        crate::output::print_csv(&rows).map_err(|e| CliError::failure(e.to_string()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let write = || -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_path(&a.file)?;
        for row in &rows {
            w.write_record(row)?;
        }
        w.flush()?;
        Ok(())
    };
    write().map_err(|e| CliError::failure(format!("writing {}: {e}", a.file.display())))?;
    println!("{count} customer(s) exported to {}", a.file.display());
    Ok(ExitCode::SUCCESS)
}

/// `crm import FILE [--dry-run]`: exit 0 when every row went in, 1 when some rows were
/// refused (listed on stderr as `line N: reason`; the others went in), 2 when the file
/// itself is unusable (nothing imported).
///
/// # Errors
/// Invalid input for an unreadable file or header.
pub(crate) async fn import(ctx: &Ctx, a: ImportArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let data = std::fs::read(&a.file)
        .map_err(|e| CliError::invalid(format!("cannot read {}: {e}", a.file.display())))?;
    let bar = ProgressBar::hidden();
    let report = import::import(
        &session,
        &data,
        a.dry_run,
        |rows| {
            if std::io::stdout().is_terminal() && rows >= 50 {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_length(rows as u64);
                if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows {eta}") {
                    bar.set_style(style);
                }
            }
        },
        || bar.inc(1),
    )
    .await?;
    bar.finish_and_clear();
    for e in &report.errors {
        eprintln!("line {}: {}", e.line, safe(&e.reason));
    }
    if a.dry_run {
        println!(
            "dry run: {} of {} row(s) would be imported, {} refused; nothing was changed",
            report.imported,
            report.rows,
            report.errors.len()
        );
    } else {
        println!(
            "{} of {} row(s) imported, {} refused",
            report.imported,
            report.rows,
            report.errors.len()
        );
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    })
}

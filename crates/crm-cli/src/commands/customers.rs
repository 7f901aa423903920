//! `crm customer ...`, `crm search`, `crm merge`, `crm export`, `crm import`.

use crate::commands::cartable::print_json;
use crate::commands::occasions::{CalendarName, parse_occasion, replace_occasion};
use crate::commands::show;
use crate::context::Ctx;
use crate::error::{CliError, CliResult, EXIT_FAILURE};
use crate::import;
use crate::output::{safe, table};
use crate::refs;
use clap::{Args, Subcommand};
use crm::activity::LANGUAGE_FIELD;
use crm::customer::ContactKind;
use crm::customer::CustomerFilter;
use crm::customer::{FieldValue, LATIN_NAME_FIELD, OccasionKind, Party};
use crm::service::{ContactInput, CustomerChanges, NewCustomer};
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
    /// Change a customer: names, Latin name, stage, tags, occasions, contact points.
    Edit(CustomerEditArgs),
}

/// A customer reference.
#[derive(Debug, Args)]
pub(crate) struct CustomerRef {
    /// An id, an email, a phone number (any spelling) or NETWORK:HANDLE (`telegram:@jane`).
    customer: String,
    /// Print the customer record as JSON.
    #[arg(long)]
    json: bool,
}

/// `crm customer edit`.
#[derive(Debug, Args)]
pub(crate) struct CustomerEditArgs {
    /// The customer: an id, an email, a phone number or NETWORK:HANDLE.
    customer: String,
    /// New given name (people).
    #[arg(long)]
    given_name: Option<String>,
    /// New family name (people).
    #[arg(long)]
    family_name: Option<String>,
    /// New name (organisations).
    #[arg(long)]
    name: Option<String>,
    /// The Latin spelling of the name (`Ali Rezaei`), which search finds too; `""` removes it.
    #[arg(long)]
    latin_name: Option<String>,
    /// New lifecycle stage (`lead`, `qualified`, `customer`, ...).
    #[arg(long)]
    stage: Option<String>,
    /// A tag to add; repeatable.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// A tag to remove; repeatable.
    #[arg(long = "untag")]
    untags: Vec<String>,
    /// Their birthday: `1370-05-12` (Jalali: years below 1700), `1991-08-03` (Gregorian), or
    /// `MM-DD` with `--occasion-calendar`; replaces the one recorded.
    #[arg(long)]
    birthday: Option<String>,
    /// Their (wedding) anniversary, as `--birthday`.
    #[arg(long)]
    anniversary: Option<String>,
    /// The calendar of `--birthday` and `--anniversary`, `jalali` or `gregorian` (default:
    /// by the year). (The global `--calendar` is the one dates are shown in.)
    #[arg(long, value_enum)]
    occasion_calendar: Option<CalendarName>,
    /// The language they are greeted in: `fa` or `en`; `auto` for the script of their name
    /// (else the workspace's language).
    #[arg(long)]
    language: Option<String>,
    /// An email to add.
    #[arg(long)]
    add_email: Option<String>,
    /// A mobile number to add.
    #[arg(long)]
    add_mobile: Option<String>,
    /// Print the changed customer as JSON.
    #[arg(long)]
    json: bool,
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
    /// The Latin spelling of the name (`Ali Rezaei` for علی رضایی), which search finds too.
    #[arg(long)]
    latin_name: Option<String>,
    /// Print the new customer as JSON.
    #[arg(long)]
    json: bool,
}

/// `crm search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Words of the name (each matches the start of a word: `علی رضا` finds علی رضایی).
    query: String,
    /// At most this many customers.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Print the customers as JSON (an array of customer records).
    #[arg(long)]
    json: bool,
}

/// `crm merge`.
#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The customer that stays (id, email, phone or NETWORK:HANDLE).
    winner: String,
    /// The duplicate merged into it.
    loser: String,
    /// Print the merged customer as JSON.
    #[arg(long)]
    json: bool,
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
    /// Update the existing customer a row's email, mobile, phone or handle belongs to
    /// (matched in any spelling) instead of refusing the row.
    #[arg(long)]
    update: bool,
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
            if r.json {
                return print_json(&session.customer(c.id).await?);
            }
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
            if let Some(latin) = a.latin_name.filter(|l| !l.trim().is_empty()) {
                new.fields
                    .insert(LATIN_NAME_FIELD.to_owned(), FieldValue::Text(latin));
            }
            let c = session.create_customer(new).await?;
            if a.json {
                return print_json(&c);
            }
            println!("customer {} added ({})", show::customer_name(&c), c.id);
        }
        CustomerCommand::Edit(a) => return edit(&session, a).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// `crm customer edit`: one change of the customer (names, Latin name, stage, tags), then
/// each contact point added.
///
/// # Errors
/// Invalid input for an unknown customer or stage, names of the wrong kind of customer, or
/// nothing to change; the library's errors (a contact point another customer holds:
/// already exists, exit 2).
async fn edit(session: &crm::Session, a: CustomerEditArgs) -> CliResult<ExitCode> {
    let c = refs::customer(session, &a.customer).await?;
    let mut changes = CustomerChanges::default();
    let renames_person = a.given_name.is_some() || a.family_name.is_some();
    match (&c.party, renames_person, &a.name) {
        (_, false, None) => {}
        (
            Party::Person {
                given_name,
                family_name,
                organisation,
            },
            _,
            None,
        ) => {
            changes.party = Some(Party::Person {
                given_name: a.given_name.clone().unwrap_or_else(|| given_name.clone()),
                family_name: a.family_name.clone().unwrap_or_else(|| family_name.clone()),
                organisation: *organisation,
            });
        }
        (Party::Organisation { .. }, false, Some(name)) => {
            changes.party = Some(Party::Organisation { name: name.clone() });
        }
        (Party::Person { .. }, _, Some(_)) => {
            return Err(CliError::invalid(
                "--name is for organisations; a person has --given-name and --family-name",
            ));
        }
        _ => {
            return Err(CliError::invalid(
                "--given-name and --family-name are for people; an organisation has --name",
            ));
        }
    }
    match a.latin_name.as_deref().map(str::trim) {
        Some("") => changes.remove_fields.push(LATIN_NAME_FIELD.to_owned()),
        Some(latin) => {
            changes.set_fields.insert(
                LATIN_NAME_FIELD.to_owned(),
                FieldValue::Text(latin.to_owned()),
            );
        }
        None => {}
    }
    if let Some(stage) = &a.stage {
        changes.stage = Some(
            stage
                .parse()
                .map_err(|e| CliError::invalid(format!("--stage {stage:?}: {e}")))?,
        );
    }
    changes.add_tags = a.tags;
    changes.remove_tags = a.untags;
    match a.language.as_deref().map(str::trim) {
        Some("auto") => changes.remove_fields.push(LANGUAGE_FIELD.to_owned()),
        Some(tag) => {
            let language = crm::template::Language::from_tag(tag)
                .ok_or_else(|| CliError::invalid(format!("--language {tag:?}: fa, en or auto")))?;
            changes.set_fields.insert(
                LANGUAGE_FIELD.to_owned(),
                FieldValue::Text(language.tag().to_owned()),
            );
        }
        None => {}
    }
    let typed = [
        (OccasionKind::Birthday, &a.birthday),
        (OccasionKind::Anniversary, &a.anniversary),
    ];
    if typed.iter().any(|(_, t)| t.is_some()) {
        let mut occasions = c.occasions.clone();
        for (kind, text) in typed {
            if let Some(text) = text {
                replace_occasion(
                    &mut occasions,
                    parse_occasion(kind, text, a.occasion_calendar)?,
                );
            }
        }
        changes.occasions = Some(occasions);
    } else if a.occasion_calendar.is_some() {
        return Err(CliError::invalid(
            "--occasion-calendar is for --birthday and --anniversary",
        ));
    }
    let contacts: Vec<ContactInput> = [
        a.add_email
            .map(|e| ContactInput::new(ContactKind::Email, &e)),
        a.add_mobile
            .map(|m| ContactInput::new(ContactKind::Mobile, &m)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let no_changes = changes.party.is_none()
        && changes.stage.is_none()
        && changes.add_tags.is_empty()
        && changes.remove_tags.is_empty()
        && changes.set_fields.is_empty()
        && changes.remove_fields.is_empty()
        && changes.occasions.is_none();
    if no_changes && contacts.is_empty() {
        return Err(CliError::invalid(
            "nothing to change: give --given-name, --family-name, --name, --latin-name, \
             --stage, --tag, --untag, --birthday, --anniversary, --language, --add-email or \
             --add-mobile",
        ));
    }
    // A contact point someone else holds is refused before anything is changed.
    for contact in &contacts {
        if let Some(holder) = session
            .find_by_contact(contact.kind, &contact.value)
            .await?
            && holder.id != c.id
        {
            return Err(CliError::invalid(format!(
                "{} {} already exists, held by customer {} ({}); nothing was changed",
                contact.kind,
                safe(&contact.value),
                show::customer_name(&holder),
                holder.id
            )));
        }
    }
    // One commit: the names, stage, tags and contact points all change, or none does.
    changes.add_contacts = contacts;
    let c = session
        .update_customer(c.id, Some(c.version), changes)
        .await?;
    if a.json {
        return print_json(&c);
    }
    println!("customer {} changed ({})", show::customer_name(&c), c.id);
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
    if a.json {
        return print_json(&found.items);
    }
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
    if a.json {
        return super::cartable::print_json(&merged);
    }
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
        import::Mode {
            dry_run: a.dry_run,
            update: a.update,
        },
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
    let updated = if a.update {
        format!(", {} updated", report.updated)
    } else {
        String::new()
    };
    if a.dry_run {
        println!(
            "dry run: {} of {} row(s) would be imported{updated}, {} refused; nothing was changed",
            report.imported,
            report.rows,
            report.errors.len()
        );
    } else {
        println!(
            "{} of {} row(s) imported{updated}, {} refused",
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

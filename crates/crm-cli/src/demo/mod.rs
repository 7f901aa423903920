//! `crm demo`: a realistic workspace seeded in a fresh directory, then the whole process of
//! the cartable walked through step by step, then the sales story (a web-form lead to a won
//! deal, a deal lost to a competitor, the forecast and the quarter's won/lost report), the
//! activities (a reminder, a birthday greeting) and a club member's year.
//!
//! The content is generated deterministically from `--seed` (names, messages, which requests
//! bounce or are returned, ids); times are laid out over the weeks before now, so the data
//! looks current whenever the demo runs. Seeding writes with buffered durability and flushes
//! once at the end (durable commits would fsync on every one of some thousands of writes).

mod activities;
mod cast;
mod club;
mod history;
mod names;
mod rng;
mod sales;
mod walk;

use crate::Global;
use crate::cli_config::CliConfig;
use crate::context::{Ctx, open_store};
use crate::dates::Dates;
use crate::error::{CliError, CliResult};
use chrono::{Duration, Utc};
use clap::Args;
use crm::Crm;
use crm::clock::ManualClock;
use crm::id::IdGenerator;
use crm::sled_store::Durability;
use crm::store::Store;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// `crm demo`: the data directory is `--db` when given (it must not exist or be empty), else a
/// new temporary directory, printed at the start.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// How many customers to seed.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    customers: u32,
    /// How many requests to seed over the past weeks.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(0..=20_000))]
    requests: u32,
    /// Over how many days before today the requests arrive.
    #[arg(long, default_value_t = 45, value_parser = clap::value_parser!(u32).range(1..=365))]
    days: u32,
    /// The seed of the generated content.
    #[arg(long, default_value_t = 1405)]
    seed: u64,
}

/// Seeds the workspace and walks through the process.
///
/// # Errors
/// Invalid input for a non-empty directory; the library's errors.
pub(crate) async fn run(g: &Global, args: DemoArgs) -> CliResult<ExitCode> {
    let started = Instant::now();
    let dates = Dates::new(g.calendar, &g.tz)?;
    let dir = fresh_dir(g.db.as_deref())?;
    println!("crm demo: data directory {}", dir.display());
    let sled = open_store(&dir, Durability::Buffered).await?;
    let store: Arc<dyn Store> = sled.clone();
    let now = Utc::now();
    let seed_from = now - Duration::days(i64::from(args.days));
    let seed_until = now - Duration::hours(3);
    let clock = Arc::new(ManualClock::new(seed_from - Duration::hours(1)));
    let crm = Crm::new(store)
        .with_clock(clock.clone())
        .with_ids(IdGenerator::seeded(args.seed));
    let mut rng = rng::Rng::new(args.seed);

    output_heading("Seeding: a workspace, departments, staff, routing rules");
    let mut cast = cast::cast(&crm).await?;
    for s in &cast.staff {
        let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
        println!(
            "  {:<16} {:<22} {}",
            crate::output::safe(&s.name),
            s.email.as_deref().unwrap_or("-"),
            roles.join(",")
        );
    }
    println!("  departments: مالی (round-robin), فنی (least-loaded), فروش (queue)");
    println!(
        "  rules: billing words -> مالی (high); technical words -> فنی (second line); tag vip -> urgent"
    );
    cast::customers(&mut cast, &mut rng, args.customers as usize).await?;
    println!(
        "  {} customers (Persian and English names)",
        cast.customers.len()
    );
    let history = history::history(
        &cast,
        &clock,
        &mut rng,
        args.requests as usize,
        seed_from,
        seed_until,
    )
    .await?;
    println!(
        "  {} requests over the last {} days ({} follow-up messages joined them), {} replied, \
         {} cartable steps",
        history.opened, args.days, history.joined, history.replied, history.transitions
    );
    sled.sync().await?;
    let config = CliConfig {
        workspace: Some(cast.workspace.id.to_string()),
        default_as: Some("sara@acme.example".to_owned()),
    };
    config.save(&dir)?;
    println!(
        "  seeded and flushed in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    clock.set(now - Duration::hours(2));
    let ctx = Ctx::from_parts(crm.clone(), sled.clone(), cast.workspace.id, dates, None);
    output_heading("The process, step by step");
    walk::walk(&ctx, &cast, &clock, &dir.join("mail")).await?;
    sales::sales(&ctx, &cast, &clock, now).await?;
    activities::activities(&ctx, &cast, &clock, now, &dir.join("mail")).await?;
    club::club(&ctx, &cast, &clock, now).await?;
    sled.sync().await?;

    output_heading("Try it yourself");
    let bin = this_binary();
    println!("  (these run the binary you just ran; to have `crm` on your PATH, run");
    println!("  `cargo install --path crates/crm-cli` in the crm-rs repository)");
    let db = dir.display();
    println!("  {bin} --db {db} --as maryam@acme.example cartable officers");
    println!("  {bin} --db {db} --as maryam@acme.example request show 1");
    println!("  {bin} --db {db} --as reza@acme.example cartable");
    println!("  {bin} --db {db} --as maryam@acme.example customer show 09121234567");
    println!("  {bin} --db {db} --as maryam@acme.example search \"علی رضا\"");
    println!(
        "  {bin} --db {db} --as dariush@acme.example --calendar jalali report --period {}",
        {
            let j = Dates {
                calendar: crate::CalendarArg::Jalali,
                tz: dates.tz,
            };
            j.current_quarter(now).label()
        }
    );
    println!(
        "  {bin} --db {db} --as dariush@acme.example --calendar jalali report sales --period {}",
        {
            let j = Dates {
                calendar: crate::CalendarArg::Jalali,
                tz: dates.tz,
            };
            j.current_quarter(now).label()
        }
    );
    println!("  {bin} --db {db} --as sina@acme.example deal list");
    println!("demo finished in {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// The path of the running binary, quoted for a POSIX shell when it needs quoting; `cargo
/// run -p crm-cli --` when it cannot be found.
fn this_binary() -> String {
    match std::env::current_exe() {
        Ok(path) => {
            let p = path.display().to_string();
            if p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
            {
                p
            } else {
                format!("'{}'", p.replace('\'', "'\\''"))
            }
        }
        Err(_) => "cargo run -p crm-cli --".to_owned(),
    }
}

fn output_heading(title: &str) {
    println!();
    println!("### {title}");
}

/// The directory to seed: `db` when it does not exist or is empty, else a new temporary one.
fn fresh_dir(db: Option<&Path>) -> CliResult<PathBuf> {
    match db {
        Some(path) => {
            let non_empty = match std::fs::read_dir(path) {
                Ok(mut entries) => entries.next().is_some(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(e) => {
                    return Err(CliError::invalid(format!(
                        "cannot use {}: {e}",
                        path.display()
                    )));
                }
            };
            if non_empty {
                return Err(CliError::invalid(format!(
                    "{} is not empty: the demo needs a new or empty directory",
                    path.display()
                )));
            }
            Ok(path.to_path_buf())
        }
        None => {
            let stamp = Utc::now().format("%Y%m%d-%H%M%S");
            let dir = std::env::temp_dir().join(format!("crm-demo-{stamp}-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
            Ok(dir)
        }
    }
}

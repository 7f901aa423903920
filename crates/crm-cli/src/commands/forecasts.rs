//! `crm forecast ...`: the weighted forecast of a period, freezing its snapshots (cron), and
//! forecast accuracy against them.

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{safe, table};
use clap::{Args, Subcommand};
use crm::calendar::Period;
use crm::sales::ForecastScope;
use std::process::ExitCode;

/// `crm forecast`.
#[derive(Debug, Subcommand)]
pub(crate) enum ForecastCommand {
    /// The forecast of a period for a scope.
    Show(ForecastArgs),
    /// Freeze today's snapshots of the current periods (run it daily from cron; without --as
    /// it runs as the system component `crm-cli forecasts`). Freezing twice a day writes
    /// nothing new.
    Freeze,
    /// What was won in a period against each of its snapshots.
    Accuracy(ForecastArgs),
}

/// A period and a scope.
#[derive(Debug, Args)]
pub(crate) struct ForecastArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The period [default: this quarter in --calendar].
    #[arg(long)]
    period: Option<String>,
    /// One salesperson's deals (email or id).
    #[arg(long, conflicts_with_all = ["department", "pipeline"])]
    owner: Option<String>,
    /// One department's deals (name or id).
    #[arg(long, conflicts_with = "pipeline")]
    department: Option<String>,
    /// One pipeline's deals (name).
    #[arg(long)]
    pipeline: Option<String>,
}

impl ForecastArgs {
    async fn resolve(
        &self,
        ctx: &Ctx,
        session: &crm::Session,
    ) -> CliResult<(Period, ForecastScope)> {
        let period = match &self.period {
            Some(p) => {
                Period::parse(p).map_err(|e| CliError::invalid(format!("--period {p:?}: {e}")))?
            }
            None => ctx.dates.current_quarter(chrono::Utc::now()),
        };
        let dir = ctx.directory().await?;
        let scope = if let Some(o) = &self.owner {
            ForecastScope::Owner(dir.staff_by_ref(o)?.id)
        } else if let Some(d) = &self.department {
            ForecastScope::Department(dir.department_by_ref(d)?.id)
        } else if let Some(p) = &self.pipeline {
            ForecastScope::Pipeline(super::pipelines::pipeline(session, Some(p)).await?.id)
        } else {
            ForecastScope::Workspace
        };
        Ok((period, scope))
    }
}

/// Runs `crm forecast ...`.
///
/// # Errors
/// Invalid input for a bad period or scope; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: ForecastCommand) -> CliResult<ExitCode> {
    match c {
        ForecastCommand::Show(a) => {
            let session = ctx.session().await?;
            let (period, scope) = a.resolve(ctx, &session).await?;
            let f = session.forecast(period, scope).await?;
            if a.json {
                return super::cartable::print_json(&f);
            }
            println!("forecast {} ({scope})", period.label());
            let mut t = table([
                "currency",
                "open deals",
                "pipeline",
                "weighted",
                "won",
                "expected",
            ]);
            for (c, l) in &f.lines {
                t.add_row([
                    c.to_string(),
                    l.open_deals.to_string(),
                    l.pipeline.normalize().to_string(),
                    l.weighted.normalize().to_string(),
                    l.won.normalize().to_string(),
                    l.expected().normalize().to_string(),
                ]);
            }
            println!("{t}");
        }
        ForecastCommand::Freeze => {
            let session = ctx.session_or_system("crm-cli forecasts").await?;
            let n = session.freeze_forecasts(chrono::Utc::now()).await?;
            println!("{n} forecast snapshots frozen");
        }
        ForecastCommand::Accuracy(a) => {
            let session = ctx.session().await?;
            let (period, scope) = a.resolve(ctx, &session).await?;
            let mut t = table(["snapshot", "currency", "expected", "won", "won / expected"]);
            for acc in session.forecast_accuracy(period, scope).await? {
                for (c, l) in &acc.lines {
                    t.add_row([
                        safe(&acc.snapshot.day),
                        c.to_string(),
                        l.expected.normalize().to_string(),
                        l.actual.normalize().to_string(),
                        l.ratio()
                            .map_or("-".to_owned(), |r| r.round_dp(3).normalize().to_string()),
                    ]);
                }
            }
            println!("forecast accuracy {} ({scope})", period.label());
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

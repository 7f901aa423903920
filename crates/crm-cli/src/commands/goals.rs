//! `crm goal ...`: sales goals and their attainment.

use crate::context::Ctx;
use crate::dates::period_label;
use crate::error::{CliError, CliResult};
use crate::output::{safe, table};
use clap::{Args, Subcommand, ValueEnum};
use crm::calendar::Period;
use crm::sales::{Currency, GoalMetric, GoalSubject};
use crm::service::NewGoal;
use rust_decimal::Decimal;
use std::process::ExitCode;

/// `crm goal`.
#[derive(Debug, Subcommand)]
pub(crate) enum GoalCommand {
    /// Set a goal for a staff member or a department (managers, administrators).
    Set(GoalSetArgs),
    /// The goals of a period with their attainment, so far and pro-rated.
    List(GoalListArgs),
}

/// What a goal counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MetricArg {
    /// The value of deals won (in --currency).
    WonValue,
    /// The number of deals won.
    WonCount,
    /// Leads qualified.
    QualifiedLeads,
    /// Interactions recorded.
    Activities,
}

/// `crm goal set`.
#[derive(Debug, Args)]
pub(crate) struct GoalSetArgs {
    /// The staff member (email or id).
    #[arg(
        long,
        conflicts_with = "department",
        required_unless_present = "department"
    )]
    staff: Option<String>,
    /// The department (name or id).
    #[arg(long)]
    department: Option<String>,
    /// The period: `1405-Q3`, `1405-07`, `2026-Q1`, ...
    #[arg(long)]
    period: String,
    /// What is counted.
    #[arg(long, value_enum)]
    metric: MetricArg,
    /// The target.
    #[arg(long)]
    target: String,
    /// The currency of a won-value goal.
    #[arg(long, default_value = "IRR")]
    currency: String,
}

/// `crm goal list`.
#[derive(Debug, Args)]
pub(crate) struct GoalListArgs {
    /// The period [default: this quarter in --calendar].
    #[arg(long)]
    period: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn period(text: &str) -> CliResult<Period> {
    Period::parse(text).map_err(|e| CliError::invalid(format!("--period {text:?}: {e}")))
}

fn percent(d: Option<Decimal>) -> String {
    d.map_or("-".to_owned(), |d| {
        format!("{}%", (d * Decimal::ONE_HUNDRED).round_dp(1))
    })
}

/// Runs `crm goal ...`.
///
/// # Errors
/// Invalid input for a bad period, subject or target; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: GoalCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let dir = ctx.directory().await?;
    match c {
        GoalCommand::Set(a) => {
            let subject = match (&a.staff, &a.department) {
                (Some(s), _) => GoalSubject::Staff(dir.staff_by_ref(s)?.id),
                (None, Some(d)) => GoalSubject::Department(dir.department_by_ref(d)?.id),
                (None, None) => return Err(CliError::invalid("pass --staff or --department")),
            };
            let metric = match a.metric {
                MetricArg::WonValue => GoalMetric::WonValue {
                    currency: Currency::parse(&a.currency)?,
                },
                MetricArg::WonCount => GoalMetric::WonCount,
                MetricArg::QualifiedLeads => GoalMetric::QualifiedLeads,
                MetricArg::Activities => GoalMetric::Activities,
            };
            let target: Decimal = a.target.trim().parse().map_err(|_| {
                CliError::invalid(format!("--target {:?} is not a number", a.target))
            })?;
            let goal = session
                .set_goal(NewGoal {
                    subject,
                    period: period(&a.period)?,
                    metric,
                    target,
                })
                .await?;
            println!(
                "goal {} {} {} target {}",
                goal.id,
                goal.period,
                goal.metric.kind(),
                goal.target
            );
        }
        GoalCommand::List(a) => {
            let p = match &a.period {
                Some(p) => period(p)?,
                None => ctx.dates.current_quarter(chrono::Utc::now()),
            };
            let goals = session.goals(p).await?;
            if a.json {
                return super::cartable::print_json(&goals);
            }
            println!(
                "goals {} — {}",
                p.label(),
                safe(&period_label(&p, &ctx.dates))
            );
            let mut t = table([
                "who",
                "metric",
                "target",
                "actual",
                "attainment",
                "pro-rated target",
                "pace",
            ]);
            for g in goals {
                let who = match g.goal.subject {
                    GoalSubject::Staff(s) => dir.staff_name(s),
                    GoalSubject::Department(d) => dir.department_name(d),
                };
                t.add_row([
                    safe(&who),
                    g.goal.metric.kind().to_owned(),
                    g.goal.target.normalize().to_string(),
                    g.actual.normalize().to_string(),
                    percent(g.attainment()),
                    g.expected_so_far.round_dp(0).to_string(),
                    percent(g.pace()),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

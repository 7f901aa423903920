//! `crm pipeline ...`: sales pipelines and their stages.

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{safe, table};
use clap::{Args, Subcommand};
use crm::Session;
use crm::sales::{Pipeline, Stage};
use std::process::ExitCode;

/// `crm pipeline`.
#[derive(Debug, Subcommand)]
pub(crate) enum PipelineCommand {
    /// Add a pipeline (administrators).
    Add(PipelineAddArgs),
    /// List pipelines with their stages.
    List(crate::commands::staff::JsonArg),
}

/// `crm pipeline add`.
#[derive(Debug, Args)]
pub(crate) struct PipelineAddArgs {
    /// Its name.
    name: String,
    /// A stage as `KEY:NAME:PROBABILITY` (e.g. `proposal:Proposal:50`), in order; repeat
    /// [default: qualification 10%, needs analysis 25%, proposal 50%, negotiation 75%].
    #[arg(long = "stage", value_name = "KEY:NAME:PERCENT")]
    stages: Vec<String>,
}

/// `KEY:NAME:PERCENT` as a stage.
fn parse_stage(text: &str) -> CliResult<Stage> {
    let mut parts = text.splitn(3, ':');
    let (Some(key), Some(name), Some(p)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CliError::invalid(format!(
            "--stage {text:?}: expected KEY:NAME:PERCENT"
        )));
    };
    let p: u8 =
        p.trim().trim_end_matches('%').parse().map_err(|_| {
            CliError::invalid(format!("--stage {text:?}: the probability is 0 to 100"))
        })?;
    Ok(Stage::new(key.trim(), name.trim(), p))
}

/// The pipeline named `name` (any case), or the only one when `name` is `None`.
///
/// # Errors
/// Invalid input when there is none (or several and no name).
pub(crate) async fn pipeline(session: &Session, name: Option<&str>) -> CliResult<Pipeline> {
    match name {
        Some(name) => session.pipeline_named(name).await?.ok_or_else(|| {
            CliError::invalid(format!("no pipeline {name:?} (see `crm pipeline list`)"))
        }),
        None => {
            let mut all = session.pipelines().await?;
            match all.len() {
                1 => Ok(all.remove(0)),
                0 => Err(CliError::invalid(
                    "no pipeline: add one with `crm pipeline add`",
                )),
                _ => Err(CliError::invalid("several pipelines: pass --pipeline NAME")),
            }
        }
    }
}

/// Runs `crm pipeline ...`.
///
/// # Errors
/// Invalid input for bad stages; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: PipelineCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    match c {
        PipelineCommand::Add(a) => {
            let stages = if a.stages.is_empty() {
                Pipeline::default_stages()
            } else {
                a.stages
                    .iter()
                    .map(|s| parse_stage(s))
                    .collect::<CliResult<_>>()?
            };
            let p = session.create_pipeline(&a.name, stages).await?;
            println!("pipeline {} {}", p.id, safe(&p.name));
        }
        PipelineCommand::List(a) => {
            if a.json {
                return crate::commands::cartable::print_json(&session.pipelines().await?);
            }
            let mut t = table(["pipeline", "stage", "name", "probability"]);
            for p in session.pipelines().await? {
                for s in &p.stages {
                    t.add_row([
                        safe(&p.name),
                        s.key.clone(),
                        safe(&s.name),
                        format!("{}%", s.probability),
                    ]);
                }
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

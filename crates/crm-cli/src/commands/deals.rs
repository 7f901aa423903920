//! `crm deal ...`: deals through their pipeline: add, move, win, lose (with a reason),
//! reopen, show (with the stage log and time in each stage), list (one salesperson's
//! pipeline).

use super::pipelines::pipeline;
use crate::context::Ctx;
use crate::dates::duration;
use crate::error::{CliError, CliResult};
use crate::output::{json, safe, table};
use crate::refs;
use clap::{Args, Subcommand};
use crm::id::DealId;
use crm::sales::{Deal, LostReason, Money};
use crm::service::{DealChanges, NewDeal};
use crm::store::PageRequest;
use std::process::ExitCode;

/// `crm deal`.
#[derive(Debug, Subcommand)]
pub(crate) enum DealCommand {
    /// Open a deal for a customer.
    Add(DealAddArgs),
    /// Move an open deal to another stage.
    Move(DealMoveArgs),
    /// Mark a deal won.
    Win(DealIdArg),
    /// Mark a deal lost, with a reason.
    Lose(DealLoseArgs),
    /// Reopen a won or lost deal (its history stays).
    Reopen(DealReopenArgs),
    /// Set a deal's probability, expected close date or next step.
    Set(DealSetArgs),
    /// Show a deal with its stage log and time in each stage.
    Show(DealShowArgs),
    /// One salesperson's open deals [default: yours].
    List(DealListArgs),
}

/// A deal's id.
#[derive(Debug, Args)]
pub(crate) struct DealIdArg {
    /// The deal's id.
    id: String,
}

/// `crm deal add`.
#[derive(Debug, Args)]
pub(crate) struct DealAddArgs {
    /// What is being sold.
    #[arg(long)]
    title: String,
    /// The customer: id, email or phone number.
    #[arg(long)]
    customer: String,
    /// The amount (Persian digits and separators allowed).
    #[arg(long)]
    amount: String,
    /// Its ISO currency.
    #[arg(long, default_value = "IRR")]
    currency: String,
    /// The pipeline's name [default: the only one].
    #[arg(long)]
    pipeline: Option<String>,
    /// The starting stage's key [default: the first].
    #[arg(long)]
    stage: Option<String>,
    /// The expected close date (YYYY-MM-DD).
    #[arg(long)]
    close: Option<chrono::NaiveDate>,
    /// A probability set by hand (percent) [default: the stage's].
    #[arg(long)]
    probability: Option<u8>,
    /// The owner (email or id) [default: you].
    #[arg(long)]
    owner: Option<String>,
}

/// `crm deal move`.
#[derive(Debug, Args)]
pub(crate) struct DealMoveArgs {
    /// The deal's id.
    id: String,
    /// The stage's key.
    stage: String,
}

/// `crm deal lose`.
#[derive(Debug, Args)]
pub(crate) struct DealLoseArgs {
    /// The deal's id.
    id: String,
    /// Why: price, competitor, unmet_need, quality, timing, no_decision or other.
    #[arg(long)]
    reason: String,
    /// The competitor's name, what was needed, or the other reason's text.
    #[arg(long)]
    detail: Option<String>,
}

/// `crm deal reopen`.
#[derive(Debug, Args)]
pub(crate) struct DealReopenArgs {
    /// The deal's id.
    id: String,
    /// The stage to reopen at [default: the one it was closed from].
    #[arg(long)]
    stage: Option<String>,
}

/// `crm deal set`.
#[derive(Debug, Args)]
pub(crate) struct DealSetArgs {
    /// The deal's id.
    id: String,
    /// A probability (percent).
    #[arg(long)]
    probability: Option<u8>,
    /// The expected close date (YYYY-MM-DD).
    #[arg(long)]
    close: Option<chrono::NaiveDate>,
    /// The next step.
    #[arg(long)]
    next_step: Option<String>,
}

/// `crm deal show`.
#[derive(Debug, Args)]
pub(crate) struct DealShowArgs {
    /// The deal's id.
    id: String,
    /// Print JSON instead.
    #[arg(long)]
    json: bool,
}

/// `crm deal list`.
#[derive(Debug, Args)]
pub(crate) struct DealListArgs {
    /// Whose deals (email or id) [default: yours].
    #[arg(long)]
    owner: Option<String>,
    /// Print the deal records as JSON.
    #[arg(long)]
    json: bool,
}

fn deal_id(text: &str) -> CliResult<DealId> {
    text.trim()
        .parse()
        .map_err(|_| CliError::invalid(format!("{text:?} is not a deal id")))
}

/// `250000000 IRR (25000000 toman)`; other currencies as `12.50 USD`.
pub(crate) fn money(m: &Money) -> String {
    match m.toman() {
        Ok(toman) => format!("{m} ({toman} toman)"),
        Err(_) => m.to_string(),
    }
}

fn summary(d: &Deal) -> String {
    format!(
        "deal {} {} — {} — {} at {}",
        d.id,
        safe(&d.title),
        money(&d.amount),
        d.status.as_str(),
        d.stage
    )
}

/// Runs `crm deal ...`.
///
/// # Errors
/// Invalid input for bad ids or values; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: DealCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let deal = match c {
        DealCommand::Add(a) => {
            let customer = refs::customer(&session, &a.customer).await?;
            let pipeline = pipeline(&session, a.pipeline.as_deref()).await?;
            let amount = Money::parse(&a.amount, &a.currency)?;
            let owner = match &a.owner {
                Some(o) => Some(ctx.staff_by_ref(o).await?.id),
                None => None,
            };
            let new = NewDeal {
                stage: a.stage,
                expected_close: a.close,
                probability: a.probability,
                owner,
                ..NewDeal::new(&a.title, customer.id, pipeline.id, amount)
            };
            session.create_deal(new).await?
        }
        DealCommand::Move(a) => session.move_deal(deal_id(&a.id)?, None, &a.stage).await?,
        DealCommand::Win(a) => session.win_deal(deal_id(&a.id)?, None).await?,
        DealCommand::Lose(a) => {
            let reason = LostReason::parse(&a.reason, a.detail.as_deref())?;
            session.lose_deal(deal_id(&a.id)?, None, reason).await?
        }
        DealCommand::Reopen(a) => {
            session
                .reopen_deal(deal_id(&a.id)?, None, a.stage.as_deref())
                .await?
        }
        DealCommand::Set(a) => {
            let changes = DealChanges {
                probability: a.probability.map(Some),
                expected_close: a.close.map(Some),
                next_step: a.next_step.map(Some),
                ..Default::default()
            };
            session.update_deal(deal_id(&a.id)?, None, changes).await?
        }
        DealCommand::Show(a) => {
            let deal = session.deal(deal_id(&a.id)?).await?;
            if a.json {
                println!(
                    "{}",
                    json(&deal).map_err(|e| CliError::failure(e.to_string()))?
                );
                return Ok(ExitCode::SUCCESS);
            }
            let dir = ctx.directory().await?;
            println!("{}", summary(&deal));
            println!("owner {}", safe(&dir.staff_name(deal.owner)));
            if let Some(r) = &deal.lost_reason {
                println!("lost: {}", safe(&r.to_string()));
            }
            let mut t = table(["from", "to", "by", "at"]);
            for c in &deal.log {
                t.add_row([
                    c.from.as_ref().map_or("-".to_owned(), |p| p.to_string()),
                    c.to.to_string(),
                    safe(&dir.actor(&c.by)),
                    ctx.dates.datetime(c.at),
                ]);
            }
            println!("{t}");
            let mut t = table(["stage", "visits", "calendar time", "business hours"]);
            for s in session.deal_stage_times(deal.id).await? {
                t.add_row([
                    s.position.to_string(),
                    s.visits.to_string(),
                    duration(Some(s.calendar)),
                    duration(Some(s.business)),
                ]);
            }
            println!("{t}");
            return Ok(ExitCode::SUCCESS);
        }
        DealCommand::List(a) => {
            let owner = match &a.owner {
                Some(o) => ctx.staff_by_ref(o).await?.id,
                None => session
                    .principal()
                    .staff_id()
                    .ok_or_else(|| CliError::invalid("pass --owner"))?,
            };
            let page = session
                .pipeline_view(owner, &PageRequest::first(crm::store::MAX_PAGE))
                .await?;
            if a.json {
                let deals: Vec<_> = page.items.iter().map(|i| &i.deal).collect();
                return crate::commands::cartable::print_json(&deals);
            }
            let mut t = table([
                "id",
                "title",
                "stage",
                "amount",
                "probability",
                "weighted",
                "close",
            ]);
            for i in &page.items {
                t.add_row([
                    i.deal.id.to_string(),
                    safe(&i.deal.title),
                    i.deal.stage.clone(),
                    i.deal.amount.to_string(),
                    format!("{}%", i.probability),
                    i.weighted.normalize().to_string(),
                    i.deal
                        .expected_close
                        .map_or("-".to_owned(), |d| d.to_string()),
                ]);
            }
            println!("{t}");
            return Ok(ExitCode::SUCCESS);
        }
    };
    println!("{}", summary(&deal));
    Ok(ExitCode::SUCCESS)
}

//! `crm club ...`: the customer club: programmes, joining, cards and balances, earning on
//! orders, holds, adjustments, the ledger, tiers and rewards.

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::table;
use crate::refs;
use clap::{Args, Subcommand};
use crm::Session;
use crm::club::{Card, EarningRule, ExpiryPolicy, Hold, LedgerEntry, Programme};
use crm::sales::Currency;
use crm::service::NewProgramme;
use crm::store::PageRequest;
use rust_decimal::Decimal;
use std::process::ExitCode;

/// `crm club`.
#[derive(Debug, Subcommand)]
pub(crate) enum ClubCommand {
    /// Create a programme (administrators).
    Programme(ProgrammeArgs),
    /// Make a customer a member (again: prints their card).
    Join(JoinArgs),
    /// A card: its number, member, status, tier and balance.
    Card(CardArgs),
    /// Earn the points of a paid order (once per order).
    Earn(EarnArgs),
    /// Reserve points under a key (again with the key: the same hold).
    Hold(HoldArgs),
    /// Spend a hold's points.
    Capture(HoldRef),
    /// Give a hold's points back.
    Release(HoldRef),
    /// Correct a card's points (managers; a note is required).
    Adjust(AdjustArgs),
    /// A card's ledger, newest first.
    Ledger(CardArgs),
    /// A programme's tiers and a card's tier history.
    Tiers(CardArgs),
    /// A programme's rewards; with --redeem, buy one with a card's points.
    Rewards(RewardsArgs),
}

/// `crm club programme`.
#[derive(Debug, Args)]
pub(crate) struct ProgrammeArgs {
    /// Its name.
    #[arg(long)]
    name: String,
    /// The amount that earns one point.
    #[arg(long, default_value = "10000")]
    per: String,
    /// The currency of --per.
    #[arg(long, default_value = "IRR")]
    currency: String,
    /// Points on joining.
    #[arg(long, default_value_t = 0)]
    joining: i64,
    /// Days points live (0: forever).
    #[arg(long, default_value_t = 0)]
    expiry_days: u32,
}

/// `crm club join`.
#[derive(Debug, Args)]
pub(crate) struct JoinArgs {
    /// The customer: id, email or phone number.
    #[arg(long)]
    customer: String,
    /// The programme's name (default: the only one).
    #[arg(long)]
    programme: Option<String>,
}

/// A card.
#[derive(Debug, Args)]
pub(crate) struct CardArgs {
    /// The card's number (Persian digits and spaces welcome) or id.
    card: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `crm club earn`.
#[derive(Debug, Args)]
pub(crate) struct EarnArgs {
    /// The order's id.
    #[arg(long)]
    order: String,
}

/// `crm club hold`.
#[derive(Debug, Args)]
pub(crate) struct HoldArgs {
    /// The card's number or id.
    card: String,
    /// Points.
    #[arg(long)]
    points: i64,
    /// The idempotency key.
    #[arg(long)]
    key: String,
    /// Why.
    #[arg(long, default_value = "")]
    reason: String,
}

/// A hold's id.
#[derive(Debug, Args)]
pub(crate) struct HoldRef {
    /// The hold's id.
    id: String,
}

/// `crm club adjust`.
#[derive(Debug, Args)]
pub(crate) struct AdjustArgs {
    /// The card's number or id.
    card: String,
    /// Points, negative to take.
    #[arg(long, allow_hyphen_values = true)]
    points: i64,
    /// Why (required).
    #[arg(long)]
    note: String,
}

/// `crm club rewards`.
#[derive(Debug, Args)]
pub(crate) struct RewardsArgs {
    /// The programme's name (default: the only one).
    #[arg(long)]
    programme: Option<String>,
    /// Redeem this reward's id...
    #[arg(long, requires_all = ["card", "key"])]
    redeem: Option<String>,
    /// ...with this card...
    #[arg(long)]
    card: Option<String>,
    /// ...under this idempotency key.
    #[arg(long)]
    key: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn id<T: std::str::FromStr>(text: &str) -> CliResult<T> {
    text.trim()
        .parse()
        .map_err(|_| CliError::invalid(format!("{text:?} is not an id")))
}

async fn card(session: &Session, text: &str) -> CliResult<Card> {
    match text.trim().parse::<crm::club::CardId>() {
        Ok(card) => Ok(session.card(card).await?),
        Err(_) => Ok(session.card_by_number(text).await?),
    }
}

async fn programme(session: &Session, name: Option<&str>) -> CliResult<Programme> {
    let all = session.programmes().await?;
    match name {
        Some(name) => all
            .into_iter()
            .find(|p| p.name == name.trim())
            .ok_or_else(|| CliError::invalid(format!("no programme named {name:?}"))),
        None if all.len() == 1 => Ok(all
            .into_iter()
            .next()
            .ok_or_else(|| CliError::invalid("no programme"))?),
        None => Err(CliError::invalid("name the programme with --programme")),
    }
}

fn print_card(c: &Card) {
    println!(
        "card {} ({}) customer {} {} tier {} balance {} held {} debt {}",
        c.number.grouped(),
        c.id,
        c.customer,
        c.status.as_str(),
        c.tier,
        c.balance,
        c.held,
        c.debt
    );
}

fn print_hold(h: &Hold) {
    println!("hold {} {} points {}", h.id, h.points, h.status.as_str());
}

fn print_entries(ctx: &Ctx, entries: &[LedgerEntry]) {
    let mut t = table(["#", "at", "kind", "points", "balance", "reason"]);
    for e in entries {
        t.add_row([
            e.seq.to_string(),
            ctx.dates.datetime(e.at),
            e.kind.as_str().to_owned(),
            e.points.to_string(),
            e.balance.to_string(),
            e.reason.clone(),
        ]);
    }
    println!("{t}");
}

/// Runs `crm club ...`.
///
/// # Errors
/// Invalid input for bad ids, numbers or amounts; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: ClubCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    match c {
        ClubCommand::Programme(a) => {
            let mut new = NewProgramme::new(&a.name);
            let per: Decimal = a
                .per
                .trim()
                .parse()
                .map_err(|_| CliError::invalid("--per is not an amount"))?;
            new.rules.push(EarningRule::PerAmount {
                currency: Currency::parse(&a.currency)?,
                per,
                points: 1,
            });
            if a.joining > 0 {
                new.rules.push(EarningRule::Joining { points: a.joining });
            }
            if a.expiry_days > 0 {
                new.expiry = ExpiryPolicy::Lifetime {
                    days: a.expiry_days,
                };
            }
            let p = session.create_programme(new).await?;
            println!("programme {} {}", p.id, p.name);
        }
        ClubCommand::Join(a) => {
            let customer = refs::customer(&session, &a.customer).await?;
            let p = programme(&session, a.programme.as_deref()).await?;
            print_card(&session.join_club(p.id, customer.id).await?);
        }
        ClubCommand::Card(a) => {
            let c = card(&session, &a.card).await?;
            if a.json {
                return crate::commands::cartable::print_json(&c);
            }
            print_card(&c);
        }
        ClubCommand::Earn(a) => {
            for e in session.earn_for_order(id(&a.order)?).await? {
                println!("earned {} points; balance {}", e.points, e.balance);
            }
        }
        ClubCommand::Hold(a) => {
            let c = card(&session, &a.card).await?;
            print_hold(
                &session
                    .hold_points(c.id, a.points, &a.key, &a.reason)
                    .await?,
            );
        }
        ClubCommand::Capture(a) => print_hold(&session.capture_hold(id(&a.id)?).await?),
        ClubCommand::Release(a) => print_hold(&session.release_hold(id(&a.id)?).await?),
        ClubCommand::Adjust(a) => {
            let c = card(&session, &a.card).await?;
            let e = session.adjust_points(c.id, a.points, &a.note).await?;
            println!("adjusted {} points; balance {}", e.points, e.balance);
        }
        ClubCommand::Ledger(a) => {
            let c = card(&session, &a.card).await?;
            let page = session
                .club_ledger(c.id, true, &PageRequest::first(crm::store::MAX_PAGE))
                .await?;
            if a.json {
                return crate::commands::cartable::print_json(&page.items);
            }
            print_entries(ctx, &page.items);
        }
        ClubCommand::Tiers(a) => {
            let c = card(&session, &a.card).await?;
            let p = session.programme(c.programme).await?;
            if a.json {
                return crate::commands::cartable::print_json(&(&p.tiers, &c.tier_history));
            }
            let mut t = table(["tier", "threshold", "multiplier %", ""]);
            for tier in &p.tiers.tiers {
                let mark = if tier.name == c.tier {
                    "← current"
                } else {
                    ""
                };
                t.add_row([
                    tier.name.clone(),
                    tier.threshold.to_string(),
                    tier.multiplier.to_string(),
                    mark.to_owned(),
                ]);
            }
            println!("{t}");
            for change in &c.tier_history {
                println!(
                    "{} {} → {} ({:?})",
                    ctx.dates.datetime(change.at),
                    change.from.as_deref().unwrap_or("-"),
                    change.to,
                    change.reason
                );
            }
        }
        ClubCommand::Rewards(a) => {
            let p = programme(&session, a.programme.as_deref()).await?;
            if let (Some(reward), Some(c), Some(key)) = (a.redeem, a.card, a.key) {
                let c = card(&session, &c).await?;
                let (hold, voucher) = session.redeem_reward(c.id, id(&reward)?, &key).await?;
                print_hold(&hold);
                if let Some(v) = voucher {
                    println!("voucher {}", v.code);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let rewards = session.rewards(p.id).await?;
            if a.json {
                return crate::commands::cartable::print_json(&rewards);
            }
            let mut t = table(["id", "name", "cost"]);
            for r in &rewards {
                t.add_row([r.id.to_string(), r.name.clone(), r.cost.to_string()]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

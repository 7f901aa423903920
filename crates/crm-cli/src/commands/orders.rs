//! `crm order ...`: purchases, recorded directly or from a won deal, and refunds.

use super::deals::money;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::table;
use crate::refs;
use clap::{Args, Subcommand};
use crm::sales::{Money, Order};
use crm::service::NewOrder;
use crm::store::PageRequest;
use std::process::ExitCode;

/// `crm order`.
#[derive(Debug, Subcommand)]
pub(crate) enum OrderCommand {
    /// Record a paid order.
    Add(OrderAddArgs),
    /// Record the order of a won deal (once: again prints the same order).
    FromDeal(OrderRefArg),
    /// Mark an order refunded.
    Refund(OrderRefArg),
    /// A customer's orders, newest first.
    List(OrderListArgs),
}

/// `crm order add`.
#[derive(Debug, Args)]
pub(crate) struct OrderAddArgs {
    /// The customer: id, email or phone number.
    #[arg(long)]
    customer: String,
    /// The total.
    #[arg(long)]
    total: String,
    /// Its ISO currency.
    #[arg(long, default_value = "IRR")]
    currency: String,
}

/// An id.
#[derive(Debug, Args)]
pub(crate) struct OrderRefArg {
    /// The deal's id (from-deal) or the order's id (refund).
    id: String,
}

/// `crm order list`.
#[derive(Debug, Args)]
pub(crate) struct OrderListArgs {
    /// The customer: id, email or phone number.
    #[arg(long)]
    customer: String,
    /// Print the records as JSON.
    #[arg(long)]
    json: bool,
}

fn id<T: std::str::FromStr>(text: &str) -> CliResult<T> {
    text.trim()
        .parse()
        .map_err(|_| CliError::invalid(format!("{text:?} is not an id")))
}

fn summary(o: &Order) -> String {
    format!("order {} {} {}", o.id, money(&o.total), o.status.as_str())
}

/// Runs `crm order ...`.
///
/// # Errors
/// Invalid input for bad ids or amounts; the library's errors.
pub(crate) async fn run(ctx: &Ctx, c: OrderCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let order = match c {
        OrderCommand::Add(a) => {
            let customer = refs::customer(&session, &a.customer).await?;
            let new = NewOrder {
                customer: customer.id,
                lines: Vec::new(),
                total: Some(Money::parse(&a.total, &a.currency)?),
                ordered_at: None,
            };
            session.record_order(new).await?
        }
        OrderCommand::FromDeal(a) => session.order_from_deal(id(&a.id)?).await?,
        OrderCommand::Refund(a) => {
            let order_id: crm::id::OrderId = id(&a.id)?;
            let current = session.order(order_id).await?;
            session.refund_order(order_id, current.version).await?
        }
        OrderCommand::List(a) => {
            let customer = refs::customer(&session, &a.customer).await?;
            let page = session
                .customer_orders(customer.id, &PageRequest::first(crm::store::MAX_PAGE))
                .await?;
            if a.json {
                return crate::commands::cartable::print_json(&page.items);
            }
            let mut t = table(["id", "ordered", "total", "status", "deal"]);
            for o in &page.items {
                t.add_row([
                    o.id.to_string(),
                    ctx.dates.datetime(o.ordered_at),
                    money(&o.total),
                    o.status.as_str().to_owned(),
                    o.deal.map_or("-".to_owned(), |d| d.to_string()),
                ]);
            }
            println!("{t}");
            return Ok(ExitCode::SUCCESS);
        }
    };
    println!("{}", summary(&order));
    Ok(ExitCode::SUCCESS)
}

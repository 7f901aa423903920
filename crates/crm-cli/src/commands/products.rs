//! `crm product ...`: products and their prices.

use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::{safe, table};
use clap::{Args, Subcommand};
use crm::sales::Money;
use std::process::ExitCode;

/// `crm product`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProductCommand {
    /// Add a product, optionally with its price in a price list (administrators).
    Add(ProductAddArgs),
    /// List products.
    List(crate::commands::staff::JsonArg),
}

/// `crm product add`.
#[derive(Debug, Args)]
pub(crate) struct ProductAddArgs {
    /// Its SKU (unique).
    #[arg(long)]
    sku: String,
    /// Its name.
    #[arg(long)]
    name: String,
    /// Its unit price (in the price list's currency).
    #[arg(long, requires = "price_list")]
    price: Option<String>,
    /// The price list to put the price in (created in --currency when missing).
    #[arg(long)]
    price_list: Option<String>,
    /// The currency of a new price list.
    #[arg(long, default_value = "IRR")]
    currency: String,
}

/// Runs `crm product ...`.
///
/// # Errors
/// The library's errors (a SKU in use, a bad price).
pub(crate) async fn run(ctx: &Ctx, c: ProductCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    match c {
        ProductCommand::Add(a) => {
            if let Some(price) = &a.price {
                Money::parse(price, &a.currency)?;
            }
            let product = session.create_product(&a.sku, &a.name).await?;
            println!(
                "product {} {} {}",
                product.id,
                safe(&product.sku),
                safe(&product.name)
            );
            if let (Some(price), Some(list)) = (&a.price, &a.price_list) {
                let list = match session.price_list_named(list).await? {
                    Some(l) => l,
                    None => session.create_price_list(list, &a.currency).await?,
                };
                let price = Money::parse(price, list.currency.as_str())?;
                let list = session
                    .set_price(list.id, list.version, product.id, price.clone())
                    .await?;
                println!("price {} in {}", price, safe(&list.name));
            }
        }
        ProductCommand::List(a) => {
            if a.json {
                return crate::commands::cartable::print_json(&session.products().await?);
            }
            let mut t = table(["sku", "name", "active", "id"]);
            for p in session.products().await? {
                t.add_row([
                    safe(&p.sku),
                    safe(&p.name),
                    p.active.to_string(),
                    p.id.to_string(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

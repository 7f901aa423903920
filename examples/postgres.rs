//! Opening the PostgreSQL store: connect (the schema is migrated on connect), create a
//! workspace and a customer, and find the customer again by any spelling of their number.
//!
//! Needs a server: `CRM_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo run
//! --example postgres` (`CRM_TEST_POSTGRES_URL` is read too). Without
//! either variable it says how to run it and exits successfully. It works in the schema
//! `crm_example`, which it creates when missing.

use crm::customer::ContactKind;
use crm::postgres_store::{PostgresConfig, PostgresStore};
use crm::prelude::*;
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("CRM_POSTGRES_URL")
        .or_else(|_| std::env::var("CRM_TEST_POSTGRES_URL"))
        .ok()
        .filter(|u| !u.is_empty());
    let Some(url) = url else {
        println!(
            "No database given. Run:\n  CRM_POSTGRES_URL=postgres://USER@HOST:5432/DB \
             cargo run --example postgres"
        );
        return Ok(());
    };
    let config = PostgresConfig::new(&url)
        .schema("crm_example")
        .create_schema(true)
        .max_connections(4);
    let store = PostgresStore::connect_with(config).await?;
    println!("connected; schema crm_example is up to date");
    let crm = Crm::new(Arc::new(store));
    let name = format!("Acme {}", uuid::Uuid::now_v7());
    let (workspace, admin) = crm
        .create_workspace(&name, "IR", NewStaff::new("Sara", Role::Admin))
        .await?;
    let admin = crm.session(workspace.id, admin.id).await?;
    let ali = admin
        .create_customer(
            NewCustomer::person("علی", "رضایی").contact(ContactKind::Mobile, "۰۹۱۲ ۱۲۳ ۴۵۶۷"),
        )
        .await?;
    let found = admin
        .find_by_contact(ContactKind::Mobile, "+98 912 123 4567")
        .await?;
    println!(
        "workspace {name:?}: {} found again by +98 912 123 4567",
        ali.display_name()
    );
    if found.map(|c| c.id) != Some(ali.id) {
        return Err("the customer was not found by another spelling".into());
    }
    Ok(())
}

//! `crm init`: a new workspace with its administrator.

use crate::Global;
use crate::cli_config::{self, CliConfig};
use crate::context::{data_dir, open_store};
use crate::error::{CliError, CliResult};
use crate::output::safe;
use clap::Args;
use crm::Crm;
use crm::service::NewStaff;
use crm::sled_store::Durability;
use crm::staff::Role;
use crm::store::Store;
use std::process::ExitCode;
use std::sync::Arc;

/// `crm init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The organisation's name.
    #[arg(long)]
    name: String,
    /// The administrator's full name.
    #[arg(long)]
    admin_name: String,
    /// The administrator's work email (the default `--as` from now on).
    #[arg(long)]
    admin_email: String,
    /// The ISO 3166 region national phone numbers are read in.
    #[arg(long, default_value = "IR")]
    region: String,
}

/// Creates the workspace and records it (and its administrator) in `crm-cli.json`.
///
/// # Errors
/// Invalid input when the directory already has a default workspace or the library refuses
/// the names; failures when the store cannot be opened or the file written.
pub(crate) async fn init(g: &Global, args: InitArgs) -> CliResult<ExitCode> {
    let dir = data_dir(g);
    let existing = CliConfig::load(&dir)?;
    if let Some(ws) = existing.workspace {
        return Err(CliError::invalid(format!(
            "{} already has a default workspace ({ws}) recorded in {}; use another --db",
            dir.display(),
            cli_config::FILE_NAME
        )));
    }
    let sled = open_store(&dir, Durability::Flush).await?;
    let store: Arc<dyn Store> = sled.clone();
    let crm = Crm::new(store);
    let admin = NewStaff::new(&args.admin_name, Role::Admin).email(&args.admin_email);
    let (workspace, admin) = crm
        .create_workspace(&args.name, &args.region, admin)
        .await?;
    let config = CliConfig {
        workspace: Some(workspace.id.to_string()),
        default_as: admin.email.clone(),
    };
    config.save(&dir)?;
    println!(
        "workspace {} ({}) created in {}",
        safe(&workspace.name),
        workspace.id,
        dir.display()
    );
    println!(
        "administrator {} <{}>: the default --as for this data directory",
        safe(&admin.name),
        admin.email.as_deref().unwrap_or("-")
    );
    println!("next: crm department add NAME; crm staff add --name ... --email ... --role officer");
    Ok(ExitCode::SUCCESS)
}

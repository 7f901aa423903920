//! `crm settings show|set`: the workspace's settings (intake window, hop limit, language,
//! service levels and the working week).

use crate::commands::cartable::print_json;
use crate::commands::occasions::parse_quiet_hours;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::safe;
use clap::{Args, Subcommand};
use crm::workspace::WorkspaceSettings;
use serde_json::Value;
use std::process::ExitCode;

/// `crm settings`.
#[derive(Debug, Subcommand)]
pub(crate) enum SettingsCommand {
    /// Every setting as `KEY = VALUE` (KEY as `set` takes it), or the whole as JSON.
    Show(ShowArgs),
    /// Change one setting (administrators): `crm settings set max_hops 6`,
    /// `crm settings set sla.normal.first_response_minutes 120`,
    /// `crm settings set quiet-hours 22:00-08:00` (no greetings then; `off` for none).
    Set(SetArgs),
}

/// `crm settings show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Print the settings as JSON.
    #[arg(long)]
    json: bool,
}

/// `crm settings set`.
#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The setting, as `crm settings show` names it (dotted path: `sla.calendar.zone`).
    key: String,
    /// The new value: JSON (`6`, `true`, `null`, `"en"`, `[...]`), or else taken as text.
    value: String,
}

/// Runs a `crm settings` command.
///
/// # Errors
/// Invalid input for an unknown key or a value the setting cannot hold; the library's errors
/// (not an administrator, a working week without working time).
pub(crate) async fn run(ctx: &Ctx, command: SettingsCommand) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let settings = session.settings().await?;
    let tree = to_tree(&settings)?;
    match command {
        SettingsCommand::Show(a) => {
            if a.json {
                return print_json(&settings);
            }
            let mut lines = Vec::new();
            flatten("", &tree, &mut lines);
            for (key, value) in lines {
                println!("{key} = {}", safe(&value));
            }
        }
        SettingsCommand::Set(a) if a.key == "quiet-hours" || a.key == "quiet_hours" => {
            let mut changed = settings;
            changed.quiet_hours = parse_quiet_hours(&a.value)?;
            session.update_settings(changed).await?;
            println!("quiet_hours set; nothing else changed");
        }
        SettingsCommand::Set(a) => {
            let mut tree = tree;
            let slot = a
                .key
                .split('.')
                .try_fold(&mut tree, |node, part| node.get_mut(part))
                .ok_or_else(|| {
                    CliError::invalid(format!(
                        "no setting {:?}: see `crm settings show` for the keys",
                        a.key
                    ))
                })?;
            let value = serde_json::from_str::<Value>(&a.value)
                .unwrap_or_else(|_| Value::String(a.value.clone()));
            *slot = value;
            let changed: WorkspaceSettings = serde_json::from_value(tree).map_err(|e| {
                CliError::invalid(format!("{} cannot be {:?}: {e}", a.key, a.value))
            })?;
            session.update_settings(changed).await?;
            println!("{} set; nothing else changed", a.key);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn to_tree(settings: &WorkspaceSettings) -> CliResult<Value> {
    serde_json::to_value(settings).map_err(|e| CliError::failure(format!("settings: {e}")))
}

/// `value` as (dotted key, JSON text) pairs, one per leaf; arrays are leaves.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        leaf => out.push((prefix.to_owned(), leaf.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_to_dotted_keys() {
        let mut out = Vec::new();
        flatten(
            "",
            &serde_json::json!({"a": 1, "b": {"c": "x", "d": [1, 2]}}),
            &mut out,
        );
        assert_eq!(
            out,
            [
                ("a".to_owned(), "1".to_owned()),
                ("b.c".to_owned(), "\"x\"".to_owned()),
                ("b.d".to_owned(), "[1,2]".to_owned())
            ]
        );
    }
}

//! `crm completions SHELL`: the shell completion script, generated from the command line's
//! own definition (so it never falls behind).

use crate::Cli;
use crate::error::CliResult;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::process::ExitCode;

/// `crm completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. Install, e.g. for bash:
    /// `crm completions bash > ~/.local/share/bash-completion/completions/crm`.
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script of `shell` on stdout.
///
/// # Errors
/// A failure writing stdout (a closed pipe is not one).
pub(crate) fn run(args: CompletionsArgs) -> CliResult<ExitCode> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "crm", &mut script);
    crate::output::print_bytes(&script)
        .map_err(|e| crate::error::CliError::failure(format!("writing the script: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

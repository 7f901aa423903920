//! The errors of the command line and their exit codes.
//!
//! - 2: usage errors and invalid input (a bad flag value, an unknown staff member, customer or
//!   request, a malformed file, input the library refuses as [`crm::Error::Invalid`], a
//!   contact point or email that already belongs to someone, [`crm::Error::AlreadyExists`]).
//!   Nothing was changed, and running the same command again cannot succeed.
//! - 1: everything else: the actor may not do this, the request is in the wrong state, it
//!   changed meanwhile, the store is locked or failed, some import rows were refused.

use crate::output::safe;
use std::process::ExitCode;

/// Exit code for usage errors and invalid input.
pub(crate) const EXIT_INVALID: u8 = 2;
/// Exit code for every other failure.
pub(crate) const EXIT_FAILURE: u8 = 1;

/// An error to print on stderr as `error: ...`, with its exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    /// The message (without the `error: ` prefix).
    pub(crate) message: String,
    /// The process exit code.
    pub(crate) code: u8,
}

impl CliError {
    /// A usage error or invalid input (exit code 2).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_INVALID,
        }
    }

    /// Any other failure (exit code 1).
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: EXIT_FAILURE,
        }
    }
}

impl From<crm::Error> for CliError {
    fn from(e: crm::Error) -> Self {
        use crm::Error as E;
        match &e {
            E::Invalid { .. } | E::NotFound { .. } => Self::invalid(e.to_string()),
            E::AlreadyExists {
                key,
                holder,
                holder_name,
                ..
            } => Self::invalid(format!(
                "{key} already exists, held by {} {}({}); nothing was changed",
                holder.kind,
                holder_name
                    .as_deref()
                    .map(|n| format!("{n} "))
                    .unwrap_or_default(),
                holder.id
            )),
            E::Locked { path, .. } => Self::failure(format!(
                "the data directory {path} is in use by another crm process (the store is \
                 locked while open); wait for it to finish and try again"
            )),
            E::Conflict(c) => Self::failure(format!(
                "the record changed meanwhile ({c}); nothing was done, run the command again"
            )),
            _ => Self::failure(e.to_string()),
        }
    }
}

/// Alias for results of command-line operations.
pub(crate) type CliResult<T> = Result<T, CliError>;

/// Prints `error: <message>` on stderr (terminal-safe) and returns the exit code.
pub(crate) fn report(e: &CliError) -> ExitCode {
    eprintln!("error: {}", safe(&e.message));
    ExitCode::from(e.code)
}

//! `crm-cli.json`: the command line's own small file in the data directory.
//!
//! sled keeps its files (`db`, `conf`, `blobs/`, `snap.*`) in the data directory and ignores
//! files it does not know, so the command line keeps there, beside them, the workspace
//! `crm init` (or `crm demo`) created and the email of its administrator: the defaults of
//! `--workspace` and `--as`. The library knows nothing of this file.

use crate::error::{CliError, CliResult};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file name, inside the data directory.
pub(crate) const FILE_NAME: &str = "crm-cli.json";

/// What `crm-cli.json` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CliConfig {
    /// The default workspace (`--workspace`).
    pub(crate) workspace: Option<String>,
    /// The default actor (`--as`): the administrator `crm init` created.
    #[serde(default)]
    pub(crate) default_as: Option<String>,
}

/// The path of the file in data directory `dir`.
pub(crate) fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

impl CliConfig {
    /// Reads the file in `dir`; an absent file is the empty configuration.
    ///
    /// # Errors
    /// A failure when the file exists but cannot be read or parsed.
    pub(crate) fn load(dir: &Path) -> CliResult<Self> {
        let path = path_in(dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| CliError::failure(format!("{} is not valid: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(CliError::failure(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Writes the file in `dir` (through a temporary file, renamed into place).
    ///
    /// # Errors
    /// A failure when it cannot be written.
    pub(crate) fn save(&self, dir: &Path) -> CliResult<()> {
        let path = path_in(dir);
        let tmp = dir.join(format!("{FILE_NAME}.tmp"));
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| CliError::failure(format!("cannot encode {FILE_NAME}: {e}")))?;
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
    }
}

//! Pipelines: the ordered stages a deal goes through before it is won or lost.

use crate::error::{Error, Result};
use crate::id::PipelineId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most stages a pipeline may have.
pub const MAX_STAGES: usize = 30;

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stage {
    /// A short stable key, unique in the pipeline (`proposal`): lower-case ASCII letters,
    /// digits, `-` and `_`; never `won` or `lost`, which name the outcomes.
    pub key: String,
    /// The name to show.
    pub name: String,
    /// The default probability (percent, 0 to 100) that a deal at this stage is won.
    pub probability: u8,
}

impl Stage {
    /// A stage.
    pub fn new(key: &str, name: &str, probability: u8) -> Self {
        Self {
            key: key.to_owned(),
            name: name.to_owned(),
            probability,
        }
    }
}

/// A configurable sales pipeline: ordered stages, each with a default probability; a deal in
/// it ends won or lost. A workspace may have several (new business, renewals, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    /// The id.
    pub id: PipelineId,
    /// Optimistic version.
    pub version: u64,
    /// The name, unique in the workspace (claimed as `pipeline:` plus the name in lower case).
    pub name: String,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Pipeline {
    /// The unique key of a pipeline named `name`.
    pub fn name_key(name: &str) -> String {
        format!("pipeline:{}", name.trim().to_lowercase())
    }

    /// The stage with `key`.
    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// The position of the stage with `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.key == key)
    }

    /// The stage with `key`.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `stage`) when the pipeline has none.
    pub fn require_stage(&self, key: &str) -> Result<&Stage> {
        self.stage(key).ok_or_else(|| {
            Error::invalid(
                "stage",
                format!("pipeline {} has no stage {key:?}", self.name),
            )
        })
    }

    /// Checks a list of stages: 1 to [`MAX_STAGES`], well-formed unique keys, names, and
    /// probabilities of at most 100.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first fault.
    pub fn validate_stages(stages: &[Stage]) -> Result<()> {
        if stages.is_empty() {
            return Err(Error::invalid("stages", "a pipeline needs a stage"));
        }
        crate::limits::count("stages", stages.len(), MAX_STAGES)?;
        let mut seen = std::collections::BTreeSet::new();
        for stage in stages {
            let good = !stage.key.is_empty()
                && stage.key.len() <= crate::limits::MAX_LABEL
                && stage.key.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !good || matches!(stage.key.as_str(), "won" | "lost") {
                return Err(Error::invalid(
                    "stages.key",
                    format!(
                        "{:?}: lower-case letters, digits, - and _ only, not won or lost",
                        stage.key
                    ),
                ));
            }
            if !seen.insert(stage.key.as_str()) {
                return Err(Error::invalid(
                    "stages.key",
                    format!("{:?} given twice", stage.key),
                ));
            }
            crate::limits::required("stages.name", &stage.name, crate::limits::MAX_NAME)?;
            if stage.probability > 100 {
                return Err(Error::invalid(
                    "stages.probability",
                    "a percentage from 0 to 100",
                ));
            }
        }
        Ok(())
    }

    /// A usual business-to-business pipeline: qualification 10%, needs analysis 25%,
    /// proposal 50%, negotiation 75%.
    pub fn default_stages() -> Vec<Stage> {
        vec![
            Stage::new("qualification", "Qualification", 10),
            Stage::new("needs", "Needs analysis", 25),
            Stage::new("proposal", "Proposal", 50),
            Stage::new("negotiation", "Negotiation", 75),
        ]
    }
}

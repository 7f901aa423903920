//! Workspaces: independent organisations sharing one store.

use crate::id::WorkspaceId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One organisation's slice of a store. Every read and write names its workspace, and nothing
/// crosses from one workspace to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// The id.
    pub id: WorkspaceId,
    /// Optimistic version, 1 when created.
    pub version: u64,
    /// The organisation's name.
    pub name: String,
    /// The ISO 3166 region national phone numbers are read in (`IR` by default).
    pub default_region: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

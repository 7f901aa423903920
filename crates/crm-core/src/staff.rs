//! Staff, departments and roles.

mod indexes;
pub use indexes::email_key;

use crate::id::{DepartmentId, StaffId};
use crate::request::Assignment;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a staff member may do (see [`crate::access`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// Customer-relations officer: receives, refers, reviews and answers requests.
    Officer,
    /// Works the requests referred to them.
    Agent,
    /// Leads a department; sees its work; deletes records.
    Manager,
    /// Sets up the workspace: staff, departments, rules.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Self::Officer, Self::Agent, Self::Manager, Self::Admin];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::Agent => "agent",
            Self::Manager => "manager",
            Self::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = crate::channel::UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| crate::channel::UnknownName(s.to_owned()))
    }
}

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// The id.
    pub id: StaffId,
    /// Optimistic version.
    pub version: u64,
    /// Full name.
    pub name: String,
    /// Normalised work email, unique per workspace.
    #[serde(default)]
    pub email: Option<String>,
    /// Roles held.
    pub roles: BTreeSet<Role>,
    /// The department the person works in.
    #[serde(default)]
    pub department: Option<DepartmentId>,
    /// A deactivated staff member can no longer act.
    pub active: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl Staff {
    /// True when the person holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A department requests can be referred to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// The id.
    pub id: DepartmentId,
    /// Optimistic version.
    pub version: u64,
    /// Name.
    pub name: String,
    /// The manager, who receives escalations.
    #[serde(default)]
    pub manager: Option<StaffId>,
    /// How requests routed here reach a member.
    #[serde(default)]
    pub assignment: Assignment,
    /// The member who got the last round-robin request.
    #[serde(default)]
    pub last_assigned: Option<StaffId>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

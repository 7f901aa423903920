//! The audit trail: who changed what, when.

mod indexes;
mod trail;
pub use indexes::BY_RECORD;

pub use trail::trail;

use crate::id::{AuditId, StaffId};
use crate::record::RecordRef;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A staff member.
    Staff(StaffId),
    /// The system itself (a channel adapter, the dispatcher, a scheduled job), named.
    System(String),
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Staff(id) => write!(f, "staff:{id}"),
            Actor::System(name) => write!(f, "system:{name}"),
        }
    }
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// A record was created.
    Created,
    /// A record was changed.
    Updated,
    /// A record was deleted.
    Deleted,
    /// A contact point was added to a customer.
    ContactAdded,
    /// A contact point was removed from a customer.
    ContactRemoved,
    /// Another customer was merged into this one.
    Merged,
    /// This customer was merged into another (it is now a tombstone).
    MergedInto,
    /// An interaction was recorded.
    InteractionRecorded,
    /// A request was referred to another cartable.
    Referred,
    /// A request was taken up by its holder.
    Taken,
    /// A request waits on the customer.
    WaitingOnCustomer,
    /// A request was resolved with an answer.
    Resolved,
    /// An answer was approved.
    Approved,
    /// An answer was returned to its author.
    Returned,
    /// The approved answer was sent to the customer.
    Replied,
    /// A request was closed.
    Closed,
    /// The customer wrote again on a replied or closed request.
    Reopened,
    /// The customer wrote again on an open request.
    MessageAdded,
    /// The customer rated the handling of a request.
    Rated,
    /// A request was escalated to a manager after too many hops.
    Escalated,
    /// Followers of a request changed.
    FollowersChanged,
    /// A possible duplicate was attached to a customer.
    Attached,
    /// A service-level deadline passed.
    ServiceLevelBreached,
    /// A service-level deadline is near.
    ServiceLevelWarned,
    /// A parked, failed or bounced outbox message was queued again by a person.
    Replayed,
    /// A lead was qualified (marketing or sales).
    Qualified,
    /// A lead was disqualified.
    Disqualified,
    /// A lead was converted into a customer (and maybe a deal).
    Converted,
    /// A deal moved to another stage.
    StageChanged,
    /// A deal was won.
    Won,
    /// A deal was lost.
    Lost,
    /// An order was refunded.
    Refunded,
    /// Forecast snapshots were frozen.
    ForecastFrozen,
}

impl AuditAction {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::ContactAdded => "contact_added",
            Self::ContactRemoved => "contact_removed",
            Self::Merged => "merged",
            Self::MergedInto => "merged_into",
            Self::InteractionRecorded => "interaction_recorded",
            Self::Referred => "referred",
            Self::Taken => "taken",
            Self::WaitingOnCustomer => "waiting_on_customer",
            Self::Resolved => "resolved",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Replied => "replied",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
            Self::MessageAdded => "message_added",
            Self::Rated => "rated",
            Self::Escalated => "escalated",
            Self::FollowersChanged => "followers_changed",
            Self::Attached => "attached",
            Self::ServiceLevelBreached => "service_level_breached",
            Self::ServiceLevelWarned => "service_level_warned",
            Self::Replayed => "replayed",
            Self::Qualified => "qualified",
            Self::Disqualified => "disqualified",
            Self::Converted => "converted",
            Self::StageChanged => "stage_changed",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Refunded => "refunded",
            Self::ForecastFrozen => "forecast_frozen",
        }
    }
}

/// One entry of the audit trail. Entries are written in the same commit as the change they
/// describe and never change afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The id (UUID v7: entries sort by time).
    pub id: AuditId,
    /// Always 1: entries are immutable.
    pub version: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: AuditAction,
    /// On which record.
    pub record: RecordRef,
    /// Details for a person to read (what changed, the other party of a merge, ...).
    #[serde(default)]
    pub detail: String,
}

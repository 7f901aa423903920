//! The assignment fence: one small record per staff member that every commit giving them
//! work writes, and that deactivating them writes too, so that the two cannot both commit.

use serde::{Deserialize, Serialize};

/// A staff member's assignment fence (kind tag 44, its id is the staff member's id).
///
/// Every commit that gives work to a person (a request into their cartable, a task, a
/// customer or a deal to own) puts their fence at one version more, after reading it before
/// it checked that they are active; the hand-over that deactivates them does the same. A
/// store applies a put only on the version it was based on, so of an assignment and a
/// hand-over that raced, the second to commit gets a conflict: a hand-over then looks again
/// for the work, an assignment finds the person inactive and is refused. The record holds
/// nothing else: its version is the whole of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentFence {
    /// The staff member (the record's id).
    pub staff: crate::id::StaffId,
    /// Optimistic version: how many commits have given this person work or deactivated them.
    pub version: u64,
}

//! The assignment guard: every commit that gives work to a staff member also writes their
//! [`AssignmentFence`], which the hand-over deactivating them writes too, so that work is
//! never given to someone who was deactivated meanwhile.

use super::Session;
use crate::activity::AssignmentFence;
use crate::error::{Conflict, Error, Result};
use crate::id::StaffId;
use crate::record::Entity;
use crate::staff::Staff;
use crate::store::{Commit, Record, StoreExt, Write};

/// How many times a commit is tried again with fresh fences (each time because another
/// commit gave the same person work meanwhile) before its conflict is returned.
const FENCE_TRIES: usize = 50;

/// The field of the [`Error::Invalid`] that refuses work for someone inactive.
const INACTIVE_FIELD: &str = "staff";

/// True when `error` is the refusal of a fenced commit because the person it gave work to
/// is inactive (deactivated after the work was planned): the caller may plan again.
pub(super) fn refused_as_inactive(error: &Error) -> bool {
    matches!(error, Error::Invalid { field, .. } if field == INACTIVE_FIELD)
}

impl Session {
    /// Adds to `commit` the put of `staff`'s assignment fence at one version more than
    /// stored, after checking (once the fence was read) that they are active. Once per
    /// person per commit: a second call for the same person changes nothing.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `staff`) for an unknown or inactive staff member.
    pub(super) async fn fence_assignment(&self, commit: &mut Commit, staff: StaffId) -> Result<()> {
        if fence_at(commit, staff).is_some() {
            return Ok(());
        }
        let fence = self.fresh_fence(staff).await?;
        commit.put(fence);
        Ok(())
    }

    /// Commits `commit`; when it is refused only because an assignment fence it writes moved
    /// on (another commit gave that person work meanwhile), reads the fence again, checks
    /// that the person is still active, and tries again. A person deactivated meanwhile is
    /// [`Error::Invalid`]; any other conflict is returned as it is.
    pub(super) async fn commit_fenced(&self, mut commit: Commit) -> Result<()> {
        let mut tries = 0;
        loop {
            let fenced = commit
                .writes
                .iter()
                .any(|w| matches!(w, Write::Put(r) if r.kind() == AssignmentFence::KIND));
            if !fenced {
                return self.store().commit(self.ws, commit).await;
            }
            let error = match self.store().commit(self.ws, commit.clone()).await {
                Err(e) => e,
                Ok(()) => return Ok(()),
            };
            let stale = match &error {
                Error::Conflict(Conflict::StaleVersion { kind, id, .. })
                    if *kind == AssignmentFence::KIND && tries < FENCE_TRIES =>
                {
                    fence_at(&commit, StaffId(*id)).map(|at| (at, StaffId(*id)))
                }
                _ => None,
            };
            let Some((at, staff)) = stale else {
                return Err(error);
            };
            tries += 1;
            commit.writes[at] = Write::Put(Record::new(self.fresh_fence(staff).await?));
        }
    }

    /// `staff`'s fence at one version more than stored, read before their record is checked
    /// to be active (in that order: a deactivation committed after the fence was read moves
    /// the fence on, so the put of this one fails).
    async fn fresh_fence(&self, staff: StaffId) -> Result<AssignmentFence> {
        let stored = self
            .store()
            .load::<AssignmentFence>(self.ws, staff.0)
            .await?;
        let active = self
            .store()
            .load::<Staff>(self.ws, staff.0)
            .await?
            .is_some_and(|s| s.active);
        if !active {
            return Err(Error::invalid(
                INACTIVE_FIELD,
                format!("{staff} is not an active staff member (deactivated meanwhile?)"),
            ));
        }
        Ok(AssignmentFence {
            staff,
            version: stored.map_or(0, |f| f.version) + 1,
        })
    }
}

/// The position in `commit` of the put of `staff`'s fence.
fn fence_at(commit: &Commit, staff: StaffId) -> Option<usize> {
    commit.writes.iter().position(
        |w| matches!(w, Write::Put(r) if r.kind() == AssignmentFence::KIND && r.id() == staff.0),
    )
}

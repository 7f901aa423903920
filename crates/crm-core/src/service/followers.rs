//! Followers of a request.

use super::Session;
use super::transition::{check_version, request_ref};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::id::{RequestId, StaffId};
use crate::request::Request;
use crate::staff::Staff;
use crate::store::{Commit, StoreExt};

impl Session {
    /// Follows (or stops following) a request: followers are notified of every transition.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) when it changed since `version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "follow", record = %id))]
    pub async fn follow(
        &self,
        id: RequestId,
        version: u64,
        staff: StaffId,
        follow: bool,
    ) -> Result<Request> {
        self.check(Permission::WorkRequests, None)?;
        if Some(staff) != self.principal.staff_id() && !self.is_reviewer() {
            return Err(self.refuse(None, "only officers and managers add other followers"));
        }
        self.store().fetch::<Staff>(self.ws, staff.0).await?;
        let mut r = self.store().fetch::<Request>(self.ws, id.0).await?;
        check_version(&r, version)?;
        if follow {
            r.followers.insert(staff)
        } else {
            r.followers.remove(&staff)
        };
        r.version += 1;
        r.updated_at = self.now();
        let mut commit = Commit::new();
        commit.put(r.clone());
        self.audit(
            &mut commit,
            AuditAction::FollowersChanged,
            request_ref(id),
            &format!("{} {staff}", if follow { "+" } else { "-" }),
        );
        self.commit(commit).await?;
        Ok(r)
    }
}

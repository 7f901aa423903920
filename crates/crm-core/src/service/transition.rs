//! Transitions: one checked change of a request's state, in one commit with its audit entry and notifications.

use super::Session;
use crate::access::{Permission, Principal};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::RequestId;
use crate::limits::{self};
use crate::record::RecordKind;
use crate::record::RecordRef;
use crate::request::{Holder, Request, RequestAction};
use crate::staff::{Role, Staff};
use crate::store::{Commit, StoreExt};

/// Longest referral or review note, in characters.
pub(super) const MAX_NOTE: usize = 4000;

pub(super) fn request_ref(id: RequestId) -> RecordRef {
    RecordRef {
        kind: RecordKind::REQUEST,
        id: id.0,
    }
}

impl Session {
    /// Asks the customer and waits: the service-level clock pauses until they write.
    ///
    /// # Errors
    /// As [`Session::refer`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "wait_on_customer", record = %id))]
    pub async fn wait_on_customer(
        &self,
        id: RequestId,
        version: u64,
        note: &str,
    ) -> Result<Request> {
        limits::text("note", note, MAX_NOTE)?;
        self.transition(
            id,
            version,
            RequestAction::WaitOnCustomer,
            AuditAction::WaitingOnCustomer,
            note,
            |s, r| {
                s.require_worker(r)?;
                r.sla.pause(s.now());
                Ok(())
            },
        )
        .await
    }

    /// Loads, checks and applies one transition in one commit with its audit entry and
    /// notifications.
    pub(super) async fn transition(
        &self,
        id: RequestId,
        version: u64,
        action: RequestAction,
        audit: AuditAction,
        detail: &str,
        apply: impl FnOnce(&Session, &mut Request) -> Result<()>,
    ) -> Result<Request> {
        let mut unused = Commit::new();
        self.transition_with(
            id,
            version,
            action,
            audit,
            detail,
            &mut unused,
            |s, r, _| apply(s, r),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn transition_with(
        &self,
        id: RequestId,
        version: u64,
        action: RequestAction,
        audit: AuditAction,
        detail: &str,
        extra: &mut Commit,
        apply: impl FnOnce(&Session, &mut Request, &mut Commit) -> Result<()>,
    ) -> Result<Request> {
        if action != RequestAction::Rate {
            self.check(Permission::WorkRequests, None)?;
        }
        let mut r = self.store().fetch::<Request>(self.ws, id.0).await?;
        check_version(&r, version)?;
        let next = r
            .status
            .allows(action)
            .ok_or_else(|| Error::illegal_request_transition(r.status, action))?;
        let before = r.clone();
        apply(self, &mut r, extra)?;
        let now = self.now();
        if action != RequestAction::Rate && self.principal.staff_id().is_some() {
            r.sla.respond(now);
        }
        if before.status == crate::request::RequestStatus::WaitingOnCustomer
            && next != before.status
        {
            let settings = self.settings().await?;
            r.sla
                .resume(&settings.sla, r.priority, r.received_at, now)?;
        }
        r.status = next;
        r.version += 1;
        r.updated_at = now;
        let mut commit = std::mem::take(extra);
        if r.holder != before.holder
            && let Holder::Staff(staff) = r.holder
        {
            self.fence_assignment(&mut commit, staff).await?;
        }
        self.audit(&mut commit, audit, request_ref(id), detail);
        if r.escalated && !before.escalated {
            self.audit(
                &mut commit,
                AuditAction::Escalated,
                request_ref(id),
                &r.holder.to_string(),
            );
            self.notify_request(&mut commit, &r, "request.escalated", &[])
                .await?;
        }
        let author = r
            .answer
            .as_ref()
            .map(|a| a.by)
            .filter(|_| audit == AuditAction::Returned);
        self.notify_request(
            &mut commit,
            &r,
            &format!("request.{}", audit.as_str()),
            author.as_slice(),
        )
        .await?;
        self.emit(
            &mut commit,
            &format!("request.{}", audit.as_str()),
            request_ref(id),
            &r,
        );
        commit.put(r.clone());
        self.commit(commit).await?;
        Ok(r)
    }

    pub(super) fn staff(&self) -> Option<&Staff> {
        match &self.principal {
            Principal::Staff(s) => Some(s),
            Principal::System(_) => None,
        }
    }

    pub(super) fn require_staff(&self) -> Result<&Staff> {
        self.staff()
            .ok_or_else(|| self.refuse(None, "a staff member must do this"))
    }

    /// True when the actor may work any request, whoever holds it: an active officer,
    /// manager or administrator.
    pub(super) fn works_any(&self) -> bool {
        self.is_reviewer()
            || self
                .staff()
                .is_some_and(|s| s.active && s.has_role(Role::Admin))
    }

    /// The actor may work on `r`: holds it, is in the holding department, or is an officer,
    /// manager or administrator.
    pub(super) fn require_worker(&self, r: &Request) -> Result<()> {
        let staff = self.require_staff()?;
        let allowed = self.works_any()
            || match r.holder {
                Holder::Staff(s) => s == staff.id,
                Holder::Department(d) => staff.department == Some(d),
                Holder::Officers => false,
            };
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(
                None,
                format!("request #{} is not in your cartable", r.number),
            ))
        }
    }
}

pub(super) fn check_version(r: &Request, version: u64) -> Result<()> {
    if r.version == version {
        Ok(())
    } else {
        Err(Error::Conflict(crate::Conflict::StaleVersion {
            kind: RecordKind::REQUEST,
            id: r.id.0,
            expected: version,
            found: r.version,
        }))
    }
}

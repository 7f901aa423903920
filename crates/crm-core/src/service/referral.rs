//! Referral: moving a request to another cartable, taking it up, escalating after too many hops.

use super::Session;
use super::transition::MAX_NOTE;
use crate::audit::{Actor, AuditAction};
use crate::error::{Error, Result};
use crate::id::{RequestId, StaffId};
use crate::limits::{self};
use crate::request::{Holder, Referral, Request, RequestAction};
use crate::staff::{Role, Staff};
use crate::store::StoreExt;

impl Session {
    /// Refers a request, with a note, to a person, a department or the officers. Counts the
    /// hop and ping-pong (back to an earlier holder); past the workspace's hop limit the
    /// request is escalated to a manager.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when not in work; [`Error::Unauthorized`] unless the holder
    /// (or a member of the holding department), an officer or a manager;
    /// [`Error::Invalid`] for an unknown or inactive target or a staff member who cannot work
    /// requests (no working role); [`Error::Conflict`] when it
    /// changed since `version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "refer", record = %id))]
    pub async fn refer(
        &self,
        id: RequestId,
        version: u64,
        to: Holder,
        note: &str,
    ) -> Result<Request> {
        limits::text("note", note, MAX_NOTE)?;
        self.check_holder_target(to).await?;
        let max_hops = self.settings().await?.max_hops as usize;
        let escalate_to = self.escalation_target(id, max_hops).await?;
        self.transition(
            id,
            version,
            RequestAction::Refer,
            AuditAction::Referred,
            note,
            |s, r| {
                s.require_worker(r)?;
                if to == r.holder {
                    return Err(Error::invalid("to", "the request is already there"));
                }
                if let Some(me) = s
                    .principal
                    .staff_id()
                    .filter(|_| s.is_reviewer() && r.officer.is_none())
                {
                    r.officer = Some(me);
                }
                r.referrals.push(s.hop(r, to, note));
                r.holder = to;
                if let Holder::Department(d) = to {
                    r.department = Some(d);
                }
                if r.hops() > max_hops
                    && !r.escalated
                    && let Some(manager) = escalate_to
                {
                    let mut hop = s.hop(r, Holder::Staff(manager), "escalated: too many hops");
                    hop.by = Actor::System("escalation".into());
                    r.referrals.push(hop);
                    r.holder = Holder::Staff(manager);
                    r.escalated = true;
                }
                Ok(())
            },
        )
        .await
    }

    /// Takes up a request: the holder starts work, or a member of the holding department (or
    /// an officer, from the officers' cartable) becomes its holder.
    ///
    /// # Errors
    /// As [`Session::refer`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "take", record = %id))]
    pub async fn take(&self, id: RequestId, version: u64) -> Result<Request> {
        self.transition(
            id,
            version,
            RequestAction::Take,
            AuditAction::Taken,
            "",
            |s, r| {
                s.require_worker(r)?;
                r.holder = Holder::Staff(s.require_staff()?.id);
                Ok(())
            },
        )
        .await
    }

    pub(super) fn hop(&self, r: &Request, to: Holder, note: &str) -> Referral {
        let holders = r.holders();
        let ping_pong = holders[..holders.len().saturating_sub(1)].contains(&to);
        Referral {
            from: r.holder,
            to,
            note: note.to_owned(),
            by: self.principal.actor(),
            at: self.now(),
            ping_pong,
        }
    }

    pub(super) async fn check_holder_target(&self, to: Holder) -> Result<()> {
        match to {
            Holder::Officers => Ok(()),
            Holder::Department(d) => self
                .store()
                .load::<crate::staff::Department>(self.ws, d.0)
                .await?
                .map(|_| ())
                .ok_or_else(|| Error::invalid("to", format!("no department {d}"))),
            Holder::Staff(s) => match self.store().load::<Staff>(self.ws, s.0).await? {
                Some(staff) if staff.active => {
                    // A request can only go to someone who can then work it.
                    let target = crate::access::Principal::Staff(staff);
                    if target
                        .check(crate::access::Permission::WorkRequests, None)
                        .is_ok()
                    {
                        Ok(())
                    } else {
                        Err(Error::invalid(
                            "to",
                            format!("{} cannot work requests", target.describe()),
                        ))
                    }
                }
                _ => Err(Error::invalid("to", format!("no active staff member {s}"))),
            },
        }
    }

    /// Who the request goes to if the next hop takes it past `max_hops`: its department's
    /// manager, else the first active manager. `None` without any look-up when the next hop
    /// does not escalate (the usual case) or it was escalated before.
    pub(super) async fn escalation_target(
        &self,
        id: RequestId,
        max_hops: usize,
    ) -> Result<Option<StaffId>> {
        let r = self.store().fetch::<Request>(self.ws, id.0).await?;
        if r.escalated || r.hops() < max_hops {
            return Ok(None);
        }
        if let Some(d) = r.department
            && let Some(m) = self
                .store()
                .load::<crate::staff::Department>(self.ws, d.0)
                .await?
                .and_then(|d| d.manager)
        {
            return Ok(Some(m));
        }
        let staff = self.store().all::<crate::staff::Staff>(self.ws).await?;
        Ok(staff
            .iter()
            .find(|s| s.active && s.has_role(Role::Manager))
            .map(|m| m.id))
    }
}

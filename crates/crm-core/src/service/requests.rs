//! The electronic cartable: referring, working, resolving, reviewing and replying to requests.

use super::Session;
use crate::access::{Permission, Principal};
use crate::audit::{Actor, AuditAction};
use crate::channel::Channel;
use crate::customer::{ContactKind, Customer};
use crate::error::{Error, Result};
use crate::id::{CustomerId, InteractionId, OutboxId, RequestId, StaffId};
use crate::interaction::{Direction, Interaction};
use crate::limits::{self, MAX_BODY};
use crate::outbox::{Notification, OutboxMessage, OutboxStatus, Recipient};
use crate::request::{
    Answer, Holder, Referral, Reply, Request, RequestAction, RequestView, Review, Satisfaction,
    number_key,
};
use crate::staff::{Role, Staff};
use crate::store::{Commit, Page, PageRequest, RecordKind, RecordRef, StoreExt};
use std::collections::BTreeSet;

/// Longest referral or review note, in characters.
const MAX_NOTE: usize = 4000;

pub(super) fn request_ref(id: RequestId) -> RecordRef {
    RecordRef {
        kind: RecordKind::Request,
        id: id.0,
    }
}

impl Session {
    /// The request with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    pub async fn request(&self, id: RequestId) -> Result<Request> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Request>(self.ws, id.0).await
    }

    /// The request numbered `number` (`#123`).
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `number`) when there is none.
    pub async fn request_by_number(&self, number: u64) -> Result<Request> {
        self.check(Permission::ReadCustomers, None)?;
        self.store()
            .request_by_key(self.ws, &number_key(number))
            .await?
            .ok_or_else(|| Error::invalid("number", format!("no request #{number}")))
    }

    /// Requests in a cartable view, paged. Agents see only their own cartable, their
    /// department's queue and what they follow.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for a view the actor may not see.
    pub async fn cartable(&self, view: &RequestView, page: &PageRequest) -> Result<Page<Request>> {
        self.check(Permission::WorkRequests, None)?;
        let me = self.principal.staff_id();
        let own = match view {
            RequestView::Holder(Holder::Staff(s)) | RequestView::FollowedBy(s) => Some(*s) == me,
            RequestView::Holder(Holder::Department(d)) => {
                self.staff().is_some_and(|s| s.department == Some(*d))
            }
            _ => false,
        };
        if !own && !self.is_reviewer() {
            return Err(Error::unauthorized(
                "agents see their own cartable, their department's queue and what they follow",
            ));
        }
        self.store().requests(self.ws, view, page).await
    }

    /// My cartable: the active requests I hold.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for a system session.
    pub async fn my_cartable(&self, page: &PageRequest) -> Result<Page<Request>> {
        let me = self.require_staff()?.id;
        self.cartable(&RequestView::Holder(Holder::Staff(me)), page)
            .await
    }

    /// Resolved requests waiting for my review (mine, or any officer's).
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer or manager.
    pub async fn awaiting_my_review(&self, page: &PageRequest) -> Result<Page<Request>> {
        let me = self.require_staff()?.id;
        self.cartable(&RequestView::AwaitingReview(me), page).await
    }

    /// Active requests I follow.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for a system session.
    pub async fn followed_by_me(&self, page: &PageRequest) -> Result<Page<Request>> {
        let me = self.require_staff()?.id;
        self.cartable(&RequestView::FollowedBy(me), page).await
    }

    /// My department's queue.
    ///
    /// # Errors
    /// [`Error::Invalid`] when I belong to no department.
    pub async fn my_department_queue(&self, page: &PageRequest) -> Result<Page<Request>> {
        let dept = self
            .require_staff()?
            .department
            .ok_or_else(|| Error::invalid("department", "you belong to no department"))?;
        self.cartable(&RequestView::Holder(Holder::Department(dept)), page)
            .await
    }

    /// Active requests past their deadline now.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer or manager.
    pub async fn overdue(&self, page: &PageRequest) -> Result<Page<Request>> {
        self.cartable(&RequestView::Overdue(self.now()), page).await
    }

    /// Possible duplicates waiting for an officer.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer or manager.
    pub async fn possible_duplicates(&self, page: &PageRequest) -> Result<Page<Request>> {
        self.cartable(&RequestView::PossibleDuplicates, page).await
    }

    /// Refers a request, with a note, to a person, a department or the officers. Counts the
    /// hop and ping-pong (back to an earlier holder); past the workspace's hop limit the
    /// request is escalated to a manager.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] when not in work; [`Error::Unauthorized`] unless the holder
    /// (or a member of the holding department), an officer or a manager;
    /// [`Error::Invalid`] for an unknown or inactive target; [`Error::Conflict`] when it
    /// changed since `version`.
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

    /// Asks the customer and waits: the service-level clock pauses until they write.
    ///
    /// # Errors
    /// As [`Session::refer`].
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

    /// Resolves a request with an answer for the customer; it goes to review.
    ///
    /// # Errors
    /// As [`Session::refer`]; [`Error::Invalid`] for an empty or oversized answer.
    pub async fn resolve(&self, id: RequestId, version: u64, answer: &str) -> Result<Request> {
        limits::text("answer", answer, MAX_BODY)?;
        if answer.trim().is_empty() {
            return Err(Error::invalid("answer", "must not be empty"));
        }
        self.transition(
            id,
            version,
            RequestAction::Resolve,
            AuditAction::Resolved,
            "",
            |s, r| {
                s.require_worker(r)?;
                let me = s.require_staff()?.id;
                r.holder = Holder::Staff(me);
                r.answer = Some(Answer {
                    text: answer.to_owned(),
                    by: me,
                    at: s.now(),
                });
                Ok(())
            },
        )
        .await
    }

    /// Approves the answer (maker-checker: not the answer's author).
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless resolved; [`Error::Unauthorized`] unless an officer
    /// or manager other than the author, and the request's own officer when it has one.
    pub async fn approve(&self, id: RequestId, version: u64, note: &str) -> Result<Request> {
        self.review(id, version, true, note).await
    }

    /// Returns the answer to its author with a note.
    ///
    /// # Errors
    /// As [`Session::approve`].
    pub async fn return_answer(&self, id: RequestId, version: u64, note: &str) -> Result<Request> {
        if note.trim().is_empty() {
            return Err(Error::invalid("note", "say why the answer is returned"));
        }
        self.review(id, version, false, note).await
    }

    async fn review(
        &self,
        id: RequestId,
        version: u64,
        approved: bool,
        note: &str,
    ) -> Result<Request> {
        limits::text("note", note, MAX_NOTE)?;
        let (action, audit) = if approved {
            (RequestAction::Approve, AuditAction::Approved)
        } else {
            (RequestAction::Return, AuditAction::Returned)
        };
        self.transition(id, version, action, audit, note, |s, r| {
            let me = s.require_reviewer(r)?;
            if r.answer.as_ref().is_some_and(|a| a.by == me) {
                return Err(Error::unauthorized(
                    "maker-checker: the author of an answer cannot review it",
                ));
            }
            if s.staff().is_some_and(|st| st.has_role(Role::Officer)) {
                r.officer.get_or_insert(me);
            }
            r.reviews.push(Review {
                approved,
                note: note.to_owned(),
                by: me,
                at: s.now(),
            });
            Ok(())
        })
        .await
    }

    /// Sends the approved answer to the customer on `channel` (default: the request's own),
    /// records it as an outbound interaction, queues it in the outbox with a satisfaction
    /// survey, and stops the service-level clock.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`] unless approved; [`Error::Invalid`] when the customer has
    /// no address on that channel or the request has no customer yet.
    pub async fn reply(
        &self,
        id: RequestId,
        version: u64,
        channel: Option<Channel>,
    ) -> Result<Request> {
        let request = self.store().fetch::<Request>(self.ws, id.0).await?;
        let customer_id = request
            .customer
            .ok_or_else(|| Error::invalid("customer", "attach the request to a customer first"))?;
        let customer = self.customer(customer_id).await?;
        let channel = channel.unwrap_or(request.channel);
        let address = address_on(&customer, channel).ok_or_else(|| {
            Error::invalid(
                "channel",
                format!("the customer has no address for {channel}"),
            )
        })?;
        let interaction_id = InteractionId(self.new_id());
        let mut extra = Commit::new();
        let request = self
            .transition_with(id, version, RequestAction::Reply, AuditAction::Replied, "", &mut extra, |s, r, extra| {
                let me = s.require_reviewer(r)?;
                let answer = r.answer.clone().ok_or_else(|| Error::invalid("answer", "no answer"))?;
                let now = s.now();
                extra.put(Interaction {
                    id: interaction_id,
                    version: 1,
                    customer: customer.id,
                    channel,
                    direction: Direction::Outbound,
                    occurred_at: now,
                    subject: Some(format!("Re: {} [#{}]", r.subject, r.number)),
                    body: answer.text.clone(),
                    staff: Some(me),
                    external_id: None,
                    attachments: Vec::new(),
                    recorded_at: now,
                });
                let to_customer = |event: &str, subject: String, body: String| Notification {
                    recipient: Recipient::Customer { customer: customer.id, channel, address: address.clone() },
                    event: event.to_owned(),
                    subject,
                    body,
                    record: Some(request_ref(r.id)),
                };
                s.queue(extra, to_customer("request.reply", format!("Re: {} [#{}]", r.subject, r.number), answer.text));
                s.queue(
                    extra,
                    to_customer(
                        "request.satisfaction_survey",
                        format!("How did we do? [#{}]", r.number),
                        "Please rate our answer from 1 (bad) to 5 (excellent) / لطفاً از ۱ تا ۵ امتیاز دهید".into(),
                    ),
                );
                r.messages.push(interaction_id);
                r.reply = Some(Reply { channel, interaction: interaction_id, by: me, at: now });
                r.sla.resolve(now);
                Ok(())
            })
            .await?;
        Ok(request)
    }

    /// Closes a replied (or approved) request.
    ///
    /// # Errors
    /// [`Error::IllegalTransition`]; [`Error::Unauthorized`] unless an officer or manager.
    pub async fn close(&self, id: RequestId, version: u64) -> Result<Request> {
        self.transition(
            id,
            version,
            RequestAction::Close,
            AuditAction::Closed,
            "",
            |s, r| {
                s.require_reviewer(r)?;
                r.closed_at = Some(s.now());
                Ok(())
            },
        )
        .await
    }

    /// Records the customer's satisfaction rating (1 to 5) and comment.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a rating outside 1..=5; [`Error::IllegalTransition`] before the
    /// reply.
    pub async fn rate(
        &self,
        id: RequestId,
        version: u64,
        rating: u8,
        comment: Option<&str>,
    ) -> Result<Request> {
        self.check(Permission::RateRequests, None)?;
        if !(1..=5).contains(&rating) {
            return Err(Error::invalid("rating", "1 to 5"));
        }
        if let Some(c) = comment {
            limits::text("comment", c, MAX_NOTE)?;
        }
        self.transition(
            id,
            version,
            RequestAction::Rate,
            AuditAction::Rated,
            &rating.to_string(),
            |s, r| {
                r.satisfaction = Some(Satisfaction {
                    rating,
                    comment: comment.map(str::to_owned),
                    at: s.now(),
                });
                Ok(())
            },
        )
        .await
    }

    /// Follows (or stops following) a request: followers are notified of every transition.
    ///
    /// # Errors
    /// [`Error::Conflict`] when it changed since `version`.
    pub async fn follow(
        &self,
        id: RequestId,
        version: u64,
        staff: StaffId,
        follow: bool,
    ) -> Result<Request> {
        self.check(Permission::WorkRequests, None)?;
        if Some(staff) != self.principal.staff_id() && !self.is_reviewer() {
            return Err(Error::unauthorized(
                "only officers and managers add other followers",
            ));
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

    /// Settles a possible duplicate: the request (and its waiting messages, as interactions)
    /// goes to `customer`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the request is not a possible duplicate;
    /// [`Error::Unauthorized`] unless an officer or manager.
    pub async fn attach_to_customer(
        &self,
        id: RequestId,
        version: u64,
        customer: CustomerId,
    ) -> Result<Request> {
        self.check(Permission::ReviewRequests, None)?;
        let customer = self.customer(customer).await?;
        let mut r = self.store().fetch::<Request>(self.ws, id.0).await?;
        check_version(&r, version)?;
        if r.customer.is_some() {
            return Err(Error::invalid("request", "already attached to a customer"));
        }
        let mut commit = Commit::new();
        for p in std::mem::take(&mut r.pending) {
            let interaction = Interaction {
                id: InteractionId(self.new_id()),
                version: 1,
                customer: customer.id,
                channel: p.channel,
                direction: Direction::Inbound,
                occurred_at: p.received_at,
                subject: p.subject,
                body: p.body,
                staff: None,
                external_id: Some(p.external_id),
                attachments: p.attachments,
                recorded_at: self.now(),
            };
            r.messages.push(interaction.id);
            commit.put(interaction);
        }
        r.customer = Some(customer.id);
        r.candidates.clear();
        r.version += 1;
        r.updated_at = self.now();
        commit.put(r.clone());
        self.audit(
            &mut commit,
            AuditAction::Attached,
            request_ref(id),
            &customer.id.to_string(),
        );
        self.commit(commit).await?;
        Ok(r)
    }

    /// Loads, checks and applies one transition in one commit with its audit entry and
    /// notifications.
    async fn transition(
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
    async fn transition_with(
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
            .ok_or_else(|| Error::IllegalTransition {
                status: r.status.as_str().to_owned(),
                action: format!("{action:?}").to_lowercase(),
            })?;
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
        self.audit(&mut commit, audit, request_ref(id), detail);
        if r.escalated && !before.escalated {
            self.audit(
                &mut commit,
                AuditAction::Escalated,
                request_ref(id),
                &r.holder.to_string(),
            );
            self.notify_request(&mut commit, &r, "request.escalated", &[])?;
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
        )?;
        commit.put(r.clone());
        self.commit(commit).await?;
        Ok(r)
    }

    /// Queues a notification of `event` about `r` for its holder (when a person), its
    /// officer, its followers and `also`, except the actor.
    pub(super) fn notify_request(
        &self,
        commit: &mut Commit,
        r: &Request,
        event: &str,
        also: &[StaffId],
    ) -> Result<()> {
        let mut to: BTreeSet<StaffId> = r.followers.clone();
        if let Holder::Staff(s) = r.holder {
            to.insert(s);
        }
        to.extend(r.officer);
        to.extend(also.iter().copied());
        if let Some(me) = self.principal.staff_id() {
            to.remove(&me);
        }
        for staff in to {
            let notification = Notification {
                recipient: Recipient::Staff { staff },
                event: event.to_owned(),
                subject: format!("#{} {}: {}", r.number, r.status.as_str(), r.subject),
                body: format!(
                    "Request #{} is {} and held by {}.",
                    r.number,
                    r.status.as_str(),
                    r.holder
                ),
                record: Some(request_ref(r.id)),
            };
            self.queue(commit, notification);
        }
        Ok(())
    }

    /// Adds an outbox message to `commit`.
    pub(super) fn queue(&self, commit: &mut Commit, notification: Notification) {
        let now = self.now();
        commit.put(OutboxMessage {
            id: OutboxId(self.new_id()),
            version: 1,
            created_at: now,
            notification,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            delivered_at: None,
        });
    }

    fn hop(&self, r: &Request, to: Holder, note: &str) -> Referral {
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

    fn staff(&self) -> Option<&Staff> {
        match &self.principal {
            Principal::Staff(s) => Some(s),
            Principal::System(_) => None,
        }
    }

    fn require_staff(&self) -> Result<&Staff> {
        self.staff()
            .ok_or_else(|| Error::unauthorized("a staff member must do this"))
    }

    fn is_reviewer(&self) -> bool {
        self.staff()
            .is_some_and(|s| s.active && (s.has_role(Role::Officer) || s.has_role(Role::Manager)))
    }

    /// The actor may work on `r`: holds it, is in the holding department, or is an officer
    /// or manager.
    fn require_worker(&self, r: &Request) -> Result<()> {
        let staff = self.require_staff()?;
        let allowed = self.is_reviewer()
            || match r.holder {
                Holder::Staff(s) => s == staff.id,
                Holder::Department(d) => staff.department == Some(d),
                Holder::Officers => false,
            };
        if allowed {
            Ok(())
        } else {
            Err(Error::unauthorized(format!(
                "request #{} is not in your cartable",
                r.number
            )))
        }
    }

    /// The actor may review `r`: an officer or manager; the request's own officer when it has
    /// one (managers always).
    fn require_reviewer(&self, r: &Request) -> Result<StaffId> {
        self.check(Permission::ReviewRequests, None)?;
        let staff = self.require_staff()?;
        let own = r.officer.is_none_or(|o| o == staff.id);
        if own || staff.has_role(Role::Manager) {
            Ok(staff.id)
        } else {
            Err(Error::unauthorized(format!(
                "request #{} is reviewed by its own officer",
                r.number
            )))
        }
    }

    async fn check_holder_target(&self, to: Holder) -> Result<()> {
        match to {
            Holder::Officers => Ok(()),
            Holder::Department(d) => self
                .store()
                .load::<crate::staff::Department>(self.ws, d.0)
                .await?
                .map(|_| ())
                .ok_or_else(|| Error::invalid("to", format!("no department {d}"))),
            Holder::Staff(s) => match self.store().load::<Staff>(self.ws, s.0).await? {
                Some(staff) if staff.active => Ok(()),
                _ => Err(Error::invalid("to", format!("no active staff member {s}"))),
            },
        }
    }

    /// Who the request goes to if the next hop takes it past `max_hops`: its department's
    /// manager, else the first active manager. `None` without any look-up when the next hop
    /// does not escalate (the usual case) or it was escalated before.
    async fn escalation_target(&self, id: RequestId, max_hops: usize) -> Result<Option<StaffId>> {
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
        let mut page = PageRequest::first(crate::store::MAX_PAGE);
        loop {
            let got = self.store().list_staff(self.ws, &page).await?;
            if let Some(m) = got
                .items
                .iter()
                .find(|s| s.active && s.has_role(Role::Manager))
            {
                return Ok(Some(m.id));
            }
            match got.next {
                Some(next) => page = PageRequest::after(next, crate::store::MAX_PAGE),
                None => return Ok(None),
            }
        }
    }
}

fn check_version(r: &Request, version: u64) -> Result<()> {
    if r.version == version {
        Ok(())
    } else {
        Err(Error::Conflict(crate::Conflict::StaleVersion {
            kind: RecordKind::Request,
            id: r.id.0,
            expected: version,
            found: r.version,
        }))
    }
}

/// The customer's address on `channel`: email for email and web forms, a phone number for
/// SMS, calls and fax, the handle for a social network.
fn address_on(customer: &Customer, channel: Channel) -> Option<String> {
    let find = |pred: &dyn Fn(ContactKind) -> bool| {
        customer.contacts.iter().find(|c| pred(c.kind)).map(|c| {
            c.key
                .split_once(':')
                .map_or(c.value.clone(), |(_, v)| v.to_owned())
        })
    };
    match channel {
        Channel::Email | Channel::WebForm => find(&|k| k == ContactKind::Email),
        Channel::Sms => {
            find(&|k| k == ContactKind::Mobile).or_else(|| find(&|k| k == ContactKind::Phone))
        }
        Channel::PhoneCall => find(&|k| matches!(k, ContactKind::Mobile | ContactKind::Phone)),
        Channel::Fax => find(&|k| k == ContactKind::Fax),
        Channel::Social(n) => find(&|k| k == ContactKind::Social(n)),
        Channel::Letter => find(&|k| k == ContactKind::PostalAddress),
        Channel::Chat | Channel::InPerson => {
            find(&|k| k == ContactKind::Email).or_else(|| find(&|k| k == ContactKind::Mobile))
        }
    }
}

//! Resolving with an answer, and the officer's review of it (maker-checker).

use super::Session;
use super::transition::MAX_NOTE;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::{RequestId, StaffId};
use crate::limits::{self, MAX_BODY};
use crate::request::{Answer, Holder, Request, RequestAction, Review};
use crate::staff::Role;

impl Session {
    /// Resolves a request with an answer for the customer; it goes to review.
    ///
    /// # Errors
    /// As [`Session::refer`]; [`Error::Invalid`] for an empty or oversized answer.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "resolve", record = %id))]
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
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "approve", record = %id))]
    pub async fn approve(&self, id: RequestId, version: u64, note: &str) -> Result<Request> {
        self.review(id, version, true, note).await
    }

    /// Returns the answer to its author with a note.
    ///
    /// # Errors
    /// As [`Session::approve`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "return_answer", record = %id))]
    pub async fn return_answer(&self, id: RequestId, version: u64, note: &str) -> Result<Request> {
        if note.trim().is_empty() {
            return Err(Error::invalid("note", "say why the answer is returned"));
        }
        self.review(id, version, false, note).await
    }

    pub(super) async fn review(
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
                return Err(s.refuse(
                    None,
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

    pub(super) fn is_reviewer(&self) -> bool {
        self.staff()
            .is_some_and(|s| s.active && (s.has_role(Role::Officer) || s.has_role(Role::Manager)))
    }

    /// The actor may review `r`: an officer or manager; the request's own officer when it has
    /// one (managers always).
    pub(super) fn require_reviewer(&self, r: &Request) -> Result<StaffId> {
        self.check(Permission::ReviewRequests, None)?;
        let staff = self.require_staff()?;
        let own = r.officer.is_none_or(|o| o == staff.id);
        if own || staff.has_role(Role::Manager) {
            Ok(staff.id)
        } else {
            Err(self.refuse(
                None,
                format!("request #{} is reviewed by its own officer", r.number),
            ))
        }
    }
}

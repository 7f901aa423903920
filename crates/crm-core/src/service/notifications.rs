//! Notifications, rendered from the workspace's templates and queued in the outbox of the
//! same commit.

use super::Session;
use super::transition::request_ref;
use crate::error::Result;
use crate::id::{OutboxId, StaffId};
use crate::outbox::{Notification, OutboxMessage, Recipient};
use crate::request::{Holder, Request};
use crate::staff::{Department, Staff};
use crate::store::{Commit, StoreExt};
use crate::template::{self, Language, Rendered};
use std::collections::BTreeSet;

impl Session {
    /// Queues a notification of `event` about `r` for its holder (when a person), its
    /// officer, its followers and `also`, except the actor, rendered from the workspace's
    /// template of the event (or the shipped one) in the workspace's language.
    pub(super) async fn notify_request(
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
        if to.is_empty() {
            return Ok(());
        }
        let mut context = self.request_context(r);
        context["event"] = event.into();
        context["status"] = r.status.as_str().into();
        context["holder"] = self.holder_name(r.holder).await?.into();
        context["actor"] = self.actor_name().into();
        context["at"] = self.now().to_rfc3339().into();
        if let Some(hop) = r.referrals.last() {
            context["note"] = hop.note.clone().into();
        }
        if let Some(due) = r.due_at() {
            context["due"] = due.to_rfc3339().into();
        }
        let rendered = self.render(event, self.language, &context).await;
        for staff in to {
            let mut n = rendered.notification(Recipient::Staff { staff }, event);
            n.record = Some(request_ref(r.id));
            self.queue(commit, n);
        }
        Ok(())
    }

    /// The context every request template reads: number, subject, workspace, time zone.
    pub(super) fn request_context(&self, r: &Request) -> serde_json::Value {
        serde_json::json!({
            "number": r.number,
            "subject": r.subject,
            "workspace": self.workspace_name.as_ref(),
            "tz": self.tz.name(),
        })
    }

    /// Renders `event` from the workspace's template, or the shipped one when the workspace's
    /// fails (it was checked when it was saved, so that takes a bug, but a notification must
    /// never block the change it reports), or a plain fallback.
    pub(super) async fn render(
        &self,
        event: &str,
        language: Language,
        context: &serde_json::Value,
    ) -> Rendered {
        match self.render_message(event, language, context).await {
            Ok(rendered) => rendered,
            Err(e) => {
                tracing::warn!(event, error = %e, "the workspace's template failed; using the shipped one");
                template::render(event, language, context, None).unwrap_or_else(|_| Rendered {
                    subject: event.to_owned(),
                    text: event.to_owned(),
                    html: String::new(),
                })
            }
        }
    }

    /// The language a customer's message should be answered in: the language of `texts`
    /// (the answer, then the request's subject), else the workspace's.
    pub(super) fn customer_language(&self, texts: &[&str]) -> Language {
        texts
            .iter()
            .find_map(|t| Language::detect(t))
            .unwrap_or(self.language)
    }

    /// Who acts, by name.
    pub(super) fn actor_name(&self) -> String {
        match &self.principal {
            crate::access::Principal::Staff(s) => s.name.clone(),
            crate::access::Principal::System(name) => name.clone(),
        }
    }

    /// A holder by name: a person's or department's name, or "the officers".
    async fn holder_name(&self, holder: Holder) -> Result<String> {
        Ok(match holder {
            Holder::Officers => "officers".to_owned(),
            Holder::Staff(id) => match self.store().load::<Staff>(self.ws, id.0).await? {
                Some(s) => s.name,
                None => holder.to_string(),
            },
            Holder::Department(id) => match self.store().load::<Department>(self.ws, id.0).await? {
                Some(d) => d.name,
                None => holder.to_string(),
            },
        })
    }

    /// Adds an outbox message to `commit`.
    pub(super) fn queue(&self, commit: &mut Commit, notification: Notification) {
        let now = self.now();
        commit.put(OutboxMessage::queued(
            OutboxId(self.new_id()),
            now,
            notification,
        ));
    }
}

impl Rendered {
    /// A transactional notification of `event` to `recipient` with this subject, text and
    /// HTML.
    pub(crate) fn notification(&self, recipient: Recipient, event: &str) -> Notification {
        let mut n = Notification::new(recipient, event, self.subject.clone(), self.text.clone());
        if !self.html.is_empty() {
            n.html = Some(self.html.clone());
        }
        n
    }
}

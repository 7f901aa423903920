//! Notifications about requests, queued in the outbox of the same commit.

use super::Session;
use super::transition::request_ref;
use crate::error::Result;
use crate::id::{OutboxId, StaffId};
use crate::outbox::{Notification, OutboxMessage, Recipient};
use crate::request::{Holder, Request};
use crate::store::Commit;
use std::collections::BTreeSet;

impl Session {
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
            let mut notification = Notification::new(
                Recipient::Staff { staff },
                event,
                format!("#{} {}: {}", r.number, r.status.as_str(), r.subject),
                format!(
                    "Request #{} is {} and held by {}.",
                    r.number,
                    r.status.as_str(),
                    r.holder
                ),
            );
            notification.record = Some(request_ref(r.id));
            self.queue(commit, notification);
        }
        Ok(())
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

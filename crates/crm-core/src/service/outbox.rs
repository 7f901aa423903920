//! The outbox as staff see it: what was sent to whom, and replaying what did not go out.

use super::Session;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::OutboxId;
use crate::outbox::{OutboxMessage, OutboxStatus};
use crate::record::{RecordKind, RecordRef};
use crate::store::{Commit, Page, PageRequest, StoreExt};
use uuid::Uuid;

impl Session {
    /// The outbox messages with `status`, oldest first.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an officer, manager or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "outbox", record = tracing::field::Empty))]
    pub async fn outbox(
        &self,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>> {
        self.check(Permission::ManageDelivery, None)?;
        crate::outbox::by_status(self.store(), self.ws, status, page).await
    }

    /// Every message about record `id` (a request, a customer), oldest first: to whom, on
    /// which channel, and what became of it.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] for an actor who may not read customers.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "deliveries", record = %id))]
    pub async fn deliveries(&self, id: Uuid) -> Result<Vec<OutboxMessage>> {
        self.check(Permission::ReadCustomers, None)?;
        let mut all = Vec::new();
        let mut page = PageRequest::first(crate::store::MAX_PAGE);
        loop {
            let got = crate::outbox::about(self.store(), self.ws, id, &page).await?;
            all.extend(got.items);
            match got.next {
                Some(next) => page = PageRequest::after(next, crate::store::MAX_PAGE),
                None => return Ok(all),
            }
        }
    }

    /// Queues a failed, bounced or parked message again for delivery now, with its attempts
    /// reset; the same message id goes out, so a receiver that got it after all can drop the
    /// repeat. Consent is checked again when it is delivered.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::IllegalTransition`] for a message that is queued, sent,
    /// delivered or suppressed; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "replay", record = %id))]
    pub async fn replay(&self, id: OutboxId) -> Result<OutboxMessage> {
        self.check(Permission::ManageDelivery, None)?;
        let mut message = self.store().fetch::<OutboxMessage>(self.ws, id.0).await?;
        if !message.status.is_replayable() {
            return Err(Error::IllegalTransition {
                transition: crate::error::Transition::OutboxReplay {
                    status: message.status,
                },
            });
        }
        let now = self.now();
        let was = message.status;
        message.version += 1;
        message.status = OutboxStatus::Pending;
        message.attempts = 0;
        message.next_attempt_at = now;
        message.awaiting_report = false;
        let mut commit = Commit::new();
        commit.put(message.clone());
        let record = RecordRef {
            kind: RecordKind::OUTBOX,
            id: id.0,
        };
        self.audit(
            &mut commit,
            AuditAction::Replayed,
            record,
            &format!("was {}", was.as_str()),
        );
        self.commit(commit).await?;
        Ok(message)
    }
}

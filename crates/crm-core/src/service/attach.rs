//! Attaching a possible duplicate to the customer it belongs to.

use super::Session;
use super::transition::{check_version, request_ref};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::{CustomerId, InteractionId, RequestId};
use crate::interaction::{Direction, Interaction};
use crate::request::Request;
use crate::store::{Commit, StoreExt};

impl Session {
    /// Settles a possible duplicate: the request (and its waiting messages, as interactions)
    /// goes to `customer`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the request is not a possible duplicate;
    /// [`Error::Unauthorized`] unless an officer or manager.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "attach_to_customer", record = %id))]
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
}

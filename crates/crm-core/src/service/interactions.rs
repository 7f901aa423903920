//! Recording interactions and reading a customer's history.

use super::Session;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::channel::Channel;
use crate::clock::truncate;
use crate::error::Result;
use crate::id::{CustomerId, InteractionId, StaffId};
use crate::interaction::{Attachment, Direction, Interaction};
use crate::limits::{self, MAX_ATTACHMENTS, MAX_BODY, MAX_EXTERNAL_ID, MAX_SUBJECT};
use crate::record::RecordKind;
use crate::record::RecordRef;
use crate::store::{Commit, Page, PageRequest, StoreExt};
use chrono::{DateTime, Utc};

/// An interaction to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInteraction {
    /// The customer (a merged customer's survivor is used).
    pub customer: CustomerId,
    /// The channel.
    pub channel: Channel,
    /// In or out.
    pub direction: Direction,
    /// When it happened (default: now).
    pub occurred_at: Option<DateTime<Utc>>,
    /// Subject line.
    pub subject: Option<String>,
    /// Text.
    pub body: String,
    /// The staff member who handled it (default: the acting staff member).
    pub staff: Option<StaffId>,
    /// The channel's own message id.
    pub external_id: Option<String>,
    /// Attachment metadata.
    pub attachments: Vec<Attachment>,
}

impl NewInteraction {
    /// An interaction with `customer` on `channel` in `direction`, with `body`, happening now.
    pub fn new(customer: CustomerId, channel: Channel, direction: Direction, body: &str) -> Self {
        Self {
            customer,
            channel,
            direction,
            occurred_at: None,
            subject: None,
            body: body.to_owned(),
            staff: None,
            external_id: None,
            attachments: Vec::new(),
        }
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Sets when it happened.
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.occurred_at = Some(at);
        self
    }
}

impl Session {
    /// Records an interaction in the customer's history.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown customer; [`crate::Error::Invalid`] for text
    /// over the limits or with control characters.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "record_interaction", record = tracing::field::Empty))]
    pub async fn record_interaction(&self, new: NewInteraction) -> Result<Interaction> {
        self.check(Permission::RecordInteraction, None)?;
        if let Some(subject) = &new.subject {
            limits::line("subject", subject, MAX_SUBJECT)?;
        }
        limits::text("body", &new.body, MAX_BODY)?;
        if let Some(external) = &new.external_id {
            limits::required("external_id", external, MAX_EXTERNAL_ID)?;
        }
        limits::count("attachments", new.attachments.len(), MAX_ATTACHMENTS)?;
        for a in &new.attachments {
            limits::required("attachment.name", &a.name, 255)?;
            limits::required("attachment.media_type", &a.media_type, 255)?;
        }
        let customer = self.customer(new.customer).await?;
        if let Some(staff) = new.staff {
            self.store()
                .fetch::<crate::staff::Staff>(self.ws, staff.0)
                .await?;
        }
        let now = self.now();
        let interaction = Interaction {
            id: InteractionId(self.new_id()),
            version: 1,
            customer: customer.id,
            channel: new.channel,
            direction: new.direction,
            occurred_at: new.occurred_at.map_or(now, truncate),
            subject: new.subject,
            body: new.body,
            staff: new.staff.or(self.principal.staff_id()),
            external_id: new.external_id,
            attachments: new.attachments,
            recorded_at: now,
        };
        let mut commit = Commit::new();
        commit.put(interaction.clone());
        let record = RecordRef {
            kind: RecordKind::INTERACTION,
            id: interaction.id.0,
        };
        let detail = format!("customer {}", customer.id);
        self.audit(
            &mut commit,
            AuditAction::InteractionRecorded,
            record,
            &detail,
        );
        self.commit(commit).await?;
        Ok(interaction)
    }

    /// A customer's interactions, newest first.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown customer.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "interactions", record = %customer))]
    pub async fn interactions(
        &self,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>> {
        let customer = self.customer(customer).await?;
        crate::interaction::history(self.store(), self.ws, customer.id, page).await
    }
}

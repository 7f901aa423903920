//! The notifier that sends customer messages on the SMS channel through a gateway.

use super::{SmsError, SmsGateway, SmsStatus, segments};
use async_trait::async_trait;
use crm_core::channel::Channel;
use crm_core::id::WorkspaceId;
use crm_core::notify::{DeliveryReport, Destination, Notifier, NotifyError, Receipt};
use crm_core::outbox::OutboxMessage;

/// Delivers messages to customers on [`Channel::Sms`] through an [`SmsGateway`]: the
/// notification's plain-text `body` (leading and trailing white space trimmed) is sent to the customer's number, and the receipt records
/// the gateway's message id and the number of parts ([`segments`]). Delivery reports come
/// from [`SmsGateway::status`].
///
/// Errors: a gateway that is unavailable (network, timeout, 5xx, 429) is
/// [`NotifyError::Temporary`]; a refused number is [`NotifyError::Bounced`]; a refusal for
/// any other reason (credentials, credit, other 4xx), an unreadable answer, an empty text or
/// a destination that is not a customer on SMS is [`NotifyError::Permanent`].
#[derive(Debug, Clone)]
pub struct SmsNotifier<G: SmsGateway> {
    gateway: G,
}

impl<G: SmsGateway> SmsNotifier<G> {
    /// A notifier sending through `gateway`.
    pub fn new(gateway: G) -> Self {
        Self { gateway }
    }

    /// The gateway.
    pub fn gateway(&self) -> &G {
        &self.gateway
    }
}

/// A gateway error as a delivery error.
fn notify_error(error: SmsError) -> NotifyError {
    match error {
        SmsError::Unavailable(_) => NotifyError::Temporary(Box::new(error)),
        SmsError::InvalidNumber(_) => NotifyError::Bounced(Box::new(error)),
        _ => NotifyError::Permanent(Box::new(error)),
    }
}

#[async_trait]
impl<G: SmsGateway> Notifier for SmsNotifier<G> {
    async fn deliver(
        &self,
        _ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        let address = match to {
            Destination::Customer {
                channel: Channel::Sms,
                address,
                ..
            } => address,
            _ => {
                return Err(NotifyError::permanent(
                    "the SMS notifier reaches customers on the SMS channel only",
                ));
            }
        };
        let text = message.notification.body.trim();
        if text.is_empty() {
            return Err(NotifyError::permanent("the SMS text is empty"));
        }
        let sent = self
            .gateway
            .send(address, text)
            .await
            .map_err(notify_error)?;
        let parts = sent.parts.max(segments(text).parts);
        tracing::debug!(id = %message.id, parts, "SMS handed to the gateway");
        let mut receipt = Receipt::sent().parts(parts);
        if let Some(id) = sent.id {
            receipt = receipt.provider_ref(id);
            if self.gateway.reports_delivery() {
                receipt = receipt.awaiting_report();
            }
        }
        Ok(receipt)
    }

    async fn report(
        &self,
        _ws: WorkspaceId,
        message: &OutboxMessage,
    ) -> Result<DeliveryReport, NotifyError> {
        let Some(id) = &message.provider_ref else {
            return Ok(DeliveryReport::Pending);
        };
        Ok(match self.gateway.status(id).await.map_err(notify_error)? {
            SmsStatus::Delivered => DeliveryReport::Delivered,
            SmsStatus::Pending => DeliveryReport::Pending,
            SmsStatus::Failed(reason) => DeliveryReport::Failed(reason),
            SmsStatus::Undeliverable(reason) => DeliveryReport::Bounced(reason),
        })
    }
}

//! One notifier that hands each message to the notifier of its channel.

use async_trait::async_trait;
use crm_core::channel::Channel;
use crm_core::id::WorkspaceId;
use crm_core::notify::{DeliveryReport, Destination, Notifier, NotifyError, Receipt};
use crm_core::outbox::{OutboxMessage, Recipient};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Routes messages by destination: customers by channel, staff to the staff notifier,
/// webhooks to the webhook notifier. A message nobody handles fails for good, naming the
/// channel, so that it shows in `crm outbox` instead of retrying forever.
///
/// ```
/// use crm_core::channel::Channel;
/// use crm_core::notify::{MemoryNotifier, TracingNotifier};
/// use crm_notify::router::Router;
/// use std::sync::Arc;
///
/// let mail = Arc::new(MemoryNotifier::new());
/// let router = Router::new()
///     .channel(Channel::Email, mail.clone())
///     .staff(mail)
///     .channel(Channel::Sms, Arc::new(TracingNotifier));
/// assert!(router.handles(Channel::Email));
/// assert!(!router.handles(Channel::Fax));
/// ```
#[derive(Clone, Default)]
pub struct Router {
    channels: BTreeMap<Channel, Arc<dyn Notifier>>,
    staff: Option<Arc<dyn Notifier>>,
    webhooks: Option<Arc<dyn Notifier>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("channels", &self.channels.keys().collect::<Vec<_>>())
            .field("staff", &self.staff.is_some())
            .field("webhooks", &self.webhooks.is_some())
            .finish()
    }
}

impl Router {
    /// A router that handles nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Messages to customers on `channel` go to `notifier`.
    pub fn channel(mut self, channel: Channel, notifier: Arc<dyn Notifier>) -> Self {
        self.channels.insert(channel, notifier);
        self
    }

    /// Messages to staff go to `notifier` (usually the email notifier: staff work emails).
    pub fn staff(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.staff = Some(notifier);
        self
    }

    /// Webhook events go to `notifier`.
    pub fn webhooks(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.webhooks = Some(notifier);
        self
    }

    /// Whether messages to customers on `channel` have a notifier.
    pub fn handles(&self, channel: Channel) -> bool {
        self.channels.contains_key(&channel)
    }

    fn for_destination(&self, to: &Destination) -> Result<&Arc<dyn Notifier>, NotifyError> {
        let found = match to {
            Destination::Customer { channel, .. } => self.channels.get(channel),
            Destination::Staff { .. } => self.staff.as_ref(),
            Destination::Webhook { .. } => self.webhooks.as_ref(),
            _ => None,
        };
        found.ok_or_else(|| NotifyError::permanent(format!("no notifier for {}", describe(to))))
    }

    fn for_message(&self, message: &OutboxMessage) -> Option<&Arc<dyn Notifier>> {
        match &message.notification.recipient {
            Recipient::Customer { channel, .. } => self.channels.get(channel),
            Recipient::Staff { .. } => self.staff.as_ref(),
            Recipient::Webhook { .. } => self.webhooks.as_ref(),
            _ => None,
        }
    }
}

fn describe(to: &Destination) -> String {
    match to {
        Destination::Customer { channel, .. } => format!("channel {channel}"),
        Destination::Staff { .. } => "staff".to_owned(),
        Destination::Webhook { .. } => "webhooks".to_owned(),
        _ => "this destination".to_owned(),
    }
}

#[async_trait]
impl Notifier for Router {
    async fn deliver(
        &self,
        ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        self.for_destination(to)?.deliver(ws, message, to).await
    }

    async fn report(
        &self,
        ws: WorkspaceId,
        message: &OutboxMessage,
    ) -> Result<DeliveryReport, NotifyError> {
        match self.for_message(message) {
            Some(notifier) => notifier.report(ws, message).await,
            None => Ok(DeliveryReport::Pending),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::id::{CustomerId, OutboxId, StaffId};
    use crm_core::notify::MemoryNotifier;
    use crm_core::outbox::Notification;

    fn message(recipient: Recipient) -> OutboxMessage {
        let n = Notification::new(recipient, "test.event", "s".into(), "b".into());
        OutboxMessage::queued(OutboxId(uuid::Uuid::nil()), chrono::Utc::now(), n)
    }

    #[tokio::test]
    async fn routes_by_channel_and_refuses_what_it_cannot_reach() {
        let mail = Arc::new(MemoryNotifier::new());
        let sms = Arc::new(MemoryNotifier::new());
        let router = Router::new()
            .channel(Channel::Email, mail.clone())
            .channel(Channel::Sms, sms.clone());
        let ws = WorkspaceId(uuid::Uuid::nil());
        let customer = CustomerId(uuid::Uuid::nil());
        let to_sms = Destination::Customer {
            customer,
            channel: Channel::Sms,
            address: "+989121234567".into(),
            name: "Ali".into(),
        };
        let m = message(Recipient::Customer {
            customer,
            channel: Channel::Sms,
            address: "+989121234567".into(),
        });
        router.deliver(ws, &m, &to_sms).await.unwrap();
        assert_eq!(sms.delivered().len(), 1);
        assert!(mail.delivered().is_empty());

        let to_staff = Destination::Staff {
            staff: StaffId(uuid::Uuid::nil()),
            email: None,
            name: "Sara".into(),
        };
        let err = router.deliver(ws, &m, &to_staff).await.unwrap_err();
        assert!(matches!(err, NotifyError::Permanent(_)), "{err}");
        assert!(err.to_string().contains("staff"), "{err}");
    }
}

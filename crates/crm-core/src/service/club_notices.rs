//! Club notices to members (points earned, tier changed, points about to expire): through
//! the outbox, as service messages that need the customer's consent on the channel.

use super::Session;
use crate::club::Card;
use crate::customer::Customer;
use crate::outbox::{Notification, Purpose, Recipient};
use crate::record::RecordRef;
use crate::store::{Commit, StoreExt};
use crate::template::Language;

impl Session {
    /// Queues `event` to the member of `card` into `commit`, in their language (`english` or
    /// `persian`), on the first channel they consented to (email, then SMS); nothing when
    /// they consented to none or cannot be read.
    pub(super) async fn club_notice(
        &self,
        commit: &mut Commit,
        card: &Card,
        event: &str,
        english: &str,
        persian: &str,
    ) {
        let Ok(Some(customer)) = self
            .store()
            .load::<Customer>(self.ws, card.customer.0)
            .await
        else {
            return;
        };
        let Some((channel, address)) = customer.consented_address() else {
            return;
        };
        let text = if self.language == Language::Persian {
            persian
        } else {
            english
        };
        let recipient = Recipient::Customer {
            customer: customer.id,
            channel,
            address,
        };
        let mut n = Notification::new(
            recipient,
            event,
            format!("{}: {text}", self.workspace_name),
            text.to_owned(),
        );
        n.purpose = Purpose::Service;
        n.record = Some(RecordRef::to::<Card>(card.id.0));
        self.queue(commit, n);
    }
}

//! Where an outbox message goes, and whether it may go: resolved when it is delivered.

use super::Destination;
use crate::channel::Channel;
use crate::customer::Customer;
use crate::error::Result;
use crate::id::WorkspaceId;
use crate::outbox::{OutboxMessage, Recipient};
use crate::staff::Staff;
use crate::store::{Store, StoreExt};
use crate::workspace::Workspace;

/// How many merges a customer recipient is followed through.
const MAX_MERGES: usize = 8;

/// What the dispatcher does with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Deliver it there.
    Deliver(Destination),
    /// Do not send it, for this reason (consent, an inactive recipient).
    Suppress(String),
    /// It can never be delivered (its recipient is gone).
    Fail(String),
}

/// Resolves `message`'s recipient as it is now, and applies the consent rule: a customer
/// message that is not transactional goes out only with consent on its channel. A customer
/// merged into another is followed to the survivor.
pub(crate) async fn resolve(
    store: &dyn Store,
    ws: WorkspaceId,
    message: &OutboxMessage,
) -> Result<Resolution> {
    let notification = &message.notification;
    Ok(match &notification.recipient {
        Recipient::Staff { staff } => match store.load::<Staff>(ws, staff.0).await? {
            None => Resolution::Fail(format!("no staff member {staff}")),
            Some(s) if !s.active => Resolution::Suppress(format!("{} is no longer active", s.name)),
            Some(s) => Resolution::Deliver(Destination::Staff {
                staff: s.id,
                email: s.email,
                name: s.name,
            }),
        },
        Recipient::Customer {
            customer,
            channel,
            address,
        } => {
            let Some(found) = survivor(store, ws, customer.0).await? else {
                return Ok(Resolution::Fail(format!("no customer {customer}")));
            };
            if notification.purpose.needs_consent()
                && let Some(reason) = no_consent(&found, *channel)
            {
                return Ok(Resolution::Suppress(reason));
            }
            Resolution::Deliver(Destination::Customer {
                customer: found.id,
                channel: *channel,
                address: address.clone(),
                name: found.display_name(),
            })
        }
        Recipient::Webhook { endpoint, url } => {
            let workspace = store.load::<Workspace>(ws, ws.0).await?;
            let current = workspace
                .as_ref()
                .and_then(|w| w.settings.webhooks.iter().find(|e| &e.name == endpoint));
            match current {
                Some(e) if e.active => Resolution::Deliver(Destination::Webhook {
                    endpoint: endpoint.clone(),
                    url: url.clone(),
                }),
                Some(_) => Resolution::Suppress(format!("webhook {endpoint} is paused")),
                None => Resolution::Suppress(format!("webhook {endpoint} was removed")),
            }
        }
    })
}

/// The customer with `id`, or the one it was merged into.
async fn survivor(store: &dyn Store, ws: WorkspaceId, id: uuid::Uuid) -> Result<Option<Customer>> {
    let mut next = id;
    for _ in 0..MAX_MERGES {
        match store.load::<Customer>(ws, next).await? {
            Some(c) => match c.merged_into {
                Some(into) => next = into.0,
                None => return Ok(Some(c)),
            },
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Why `customer` may not be sent a non-transactional message on `channel`, if so. A web
/// form is answered by email: consent to email counts.
fn no_consent(customer: &Customer, channel: Channel) -> Option<String> {
    let channel = match channel {
        Channel::WebForm => Channel::Email,
        other => other,
    };
    match customer.consent.get(&channel) {
        Some(c) if c.granted => None,
        Some(c) => Some(format!(
            "the customer withdrew consent for {channel} on {}",
            c.at.format("%Y-%m-%d %H:%M UTC")
        )),
        None => Some(format!("the customer has not consented to {channel}")),
    }
}

//! Webhooks: outbox events POSTed as JSON and signed by the Standard Webhooks scheme
//! ([`signature`]), through a [`Guard`] against server-side request forgery, by the
//! [`WebhookNotifier`].

mod guard;
mod notifier;
mod resolver;
mod secret;
pub mod signature;

pub use guard::{AddressClass, Guard, GuardError};
pub use notifier::WebhookNotifier;
pub use secret::{Secret, SecretError};

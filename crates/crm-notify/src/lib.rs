//! crm-notify: [`crm_core::notify::Notifier`]s that talk to the world.
//!
//! - `email` (feature `smtp`, default): email over SMTP with lettre and rustls, to customers
//!   and to staff.
//! - `sms` (feature `sms`): an `sms::SmsGateway` trait, Kavenegar and a generic HTTP
//!   gateway.
//! - `webhook` (feature `webhooks`): events POSTed as JSON, signed by the Standard Webhooks
//!   scheme, with a guard against server-side request forgery.
//! - [`router`]: one notifier that hands each message to the notifier of its channel.

#[cfg(feature = "smtp")]
pub mod email;
pub mod router;
#[cfg(feature = "sms")]
pub mod sms;
#[cfg(feature = "webhooks")]
pub mod webhook;

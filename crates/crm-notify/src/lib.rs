//! crm-notify: [`crm_core::notify::Notifier`]s that talk to the world.
//!
//! - `email` (feature `smtp`, default): email over SMTP with lettre and rustls, to customers
//!   and to staff.
//! - `sms` (feature `sms`): an `sms::SmsGateway` trait, Kavenegar and a generic HTTP
//!   gateway.
//! - `webhook` (feature `webhooks`): events POSTed as JSON, signed by the Standard Webhooks
//!   scheme, with a guard against server-side request forgery.
//! - [`router`]: one notifier that hands each message to the notifier of its channel.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "smtp")]
#[cfg_attr(docsrs, doc(cfg(feature = "smtp")))]
pub mod email;
pub mod router;
#[cfg(feature = "sms")]
#[cfg_attr(docsrs, doc(cfg(feature = "sms")))]
pub mod sms;
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub mod webhook;

//! SMS: the [`SmsGateway`] trait, the [`Kavenegar`] and generic [`HttpGateway`] gateways,
//! the [`segments`] rule that counts parts, and the [`SmsNotifier`] that delivers outbox
//! messages through a gateway.
//!
//! Gateways hold credentials (Kavenegar's API key is part of every URL it is called with):
//! none of them ever appears in `Debug` output, logs or error texts.

mod gateway;
mod http_gateway;
mod kavenegar;
mod notifier;
mod segments;
mod transport;

pub use gateway::{SmsError, SmsGateway, SmsSent, SmsStatus};
pub use http_gateway::{HttpGateway, HttpMethod};
pub use kavenegar::Kavenegar;
pub use notifier::SmsNotifier;
pub use segments::{Encoding, Segments, segments};

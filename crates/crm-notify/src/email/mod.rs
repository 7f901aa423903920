//! Email over SMTP (lettre, rustls), to customers on the email channel and to staff at their
//! work email; or into a mail directory for the demo.
//!
//! See docs/delivery-email.md for the configuration, the headers every message carries, how
//! replies join the customer's thread, and how failures are mapped.

mod config;
mod html;
mod message;
mod notifier;
mod smtp;

pub use config::{Credentials, DEFAULT_TIMEOUT, Password, Sender, SmtpConfig, Tls, Transport};
pub use html::{Direction, direction, from_text as html_from_text};
pub use message::{Outgoing, message_id};
pub use notifier::EmailNotifier;

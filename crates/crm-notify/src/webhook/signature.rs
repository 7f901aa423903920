//! The Standard Webhooks signature (<https://www.standardwebhooks.com/>).
//!
//! Each request carries three headers: `webhook-id` (the event's stable id, the same on every
//! retry and for every endpoint), `webhook-timestamp` (unix seconds) and `webhook-signature`:
//! `v1,<base64 of HMAC-SHA256("{id}.{timestamp}.{body}")>` for each valid secret, separated by
//! spaces (two during a rotation), so a receiver that knows either secret verifies it.

use super::Secret;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header with the event's id.
pub const ID_HEADER: &str = "webhook-id";
/// The header with the unix time of the attempt.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header with the signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// The `webhook-id` of an event with `id`: `msg_` and the uuid without dashes.
pub fn message_id(id: uuid::Uuid) -> String {
    format!("msg_{}", id.simple())
}

/// `v1,<signature>` of `body` for one secret.
pub fn sign_one(secret: &Secret, id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = match <Hmac<Sha256> as KeyInit>::new_from_slice(secret.key()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one `v1,...` per secret, separated by spaces.
///
/// ```
/// use crm_notify::webhook::{Secret, signature};
///
/// // The example of the Standard Webhooks specification.
/// let secret: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
/// let header = signature::sign(
///     &[secret],
///     "msg_p5jXN8AQM9LWM0D4loKWxJek",
///     1614265330,
///     br#"{"test": 2432232314}"#,
/// );
/// assert_eq!(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// ```
pub fn sign(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| sign_one(s, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

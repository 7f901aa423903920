//! The gateway trait and what it answers.

use async_trait::async_trait;

/// What a gateway answered when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmsSent {
    /// The gateway's id of the message (to ask about its delivery), if it gives one.
    pub id: Option<String>,
    /// How many parts the message took.
    pub parts: u32,
}

impl SmsSent {
    /// A message the gateway took under `id`, in `parts` parts.
    pub fn new(id: Option<String>, parts: u32) -> Self {
        Self { id, parts }
    }
}

/// What became of a sent message, as the gateway tells.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmsStatus {
    /// On the phone.
    Delivered,
    /// Queued, scheduled or handed to the operator: ask again later.
    Pending,
    /// Not delivered (the phone stayed off, the operator failed, it was cancelled).
    Failed(String),
    /// The number does not take messages (it blocked the sender, it does not exist).
    Undeliverable(String),
}

/// Why a gateway call failed. Texts never contain the gateway's credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmsError {
    /// Worth trying again later: the gateway was unreachable, too slow, answered 5xx, or
    /// asked to slow down (429).
    #[error("SMS gateway unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the recipient's number.
    #[error("SMS gateway refused the number: {0}")]
    InvalidNumber(String),
    /// The gateway refused the request for good: bad credentials, no credit, a sender it
    /// does not know, content it does not take, any other 4xx.
    #[error("SMS gateway refused the message: {0}")]
    Rejected(String),
    /// The gateway answered something that cannot be read.
    #[error("SMS gateway answered unreadably: {0}")]
    Protocol(String),
}

/// Sends SMS and tells what became of them.
///
/// Contract: `to_e164` is an E.164 number (`+989121234567`); `Ok` from [`SmsGateway::send`]
/// means the gateway took the message. Implementations keep their credentials out of
/// `Debug`, logs and [`SmsError`] texts.
#[async_trait]
pub trait SmsGateway: Send + Sync + std::fmt::Debug + 'static {
    /// Sends `text` to `to_e164`.
    async fn send(&self, to_e164: &str, text: &str) -> Result<SmsSent, SmsError>;

    /// What became of the message the gateway knows as `id`.
    async fn status(&self, id: &str) -> Result<SmsStatus, SmsError>;

    /// Whether [`SmsGateway::status`] tells anything (a gateway without delivery reports
    /// answers `false`, and its messages stay `Sent`).
    fn reports_delivery(&self) -> bool {
        true
    }
}

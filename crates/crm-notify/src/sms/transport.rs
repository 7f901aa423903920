//! The HTTP client the gateways share, and how its failures become [`SmsError`]s without
//! the URL (which may carry an API key).

use super::SmsError;
use std::time::Duration;

/// The default time a gateway call may take.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client that follows no redirects (a redirect would replay a URL with credentials
/// elsewhere), uses no proxy from the environment, and gives up after `timeout`.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, SmsError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| {
            SmsError::Protocol(format!("cannot build the HTTP client: {}", e.without_url()))
        })
}

/// A transport failure as an [`SmsError`] (always worth retrying), without the URL, and
/// with `secret` (if any) blanked out of whatever text remains.
pub(crate) fn transport_error(error: reqwest::Error, secret: Option<&str>) -> SmsError {
    let timed_out = error.is_timeout();
    let error = error.without_url();
    let mut text = if timed_out {
        "timed out".to_owned()
    } else if error.is_connect() {
        format!("cannot connect: {}", chain(&error))
    } else {
        chain(&error)
    };
    if let Some(secret) = secret {
        text = redact(&text, secret);
    }
    SmsError::Unavailable(text)
}

/// An HTTP status that is not a success, as an [`SmsError`]: 429 and 5xx are worth
/// retrying, anything else is refused for good.
pub(crate) fn status_error(status: reqwest::StatusCode, detail: &str) -> SmsError {
    let text = format!("HTTP {}: {}", status.as_u16(), detail);
    if status.as_u16() == 429 || status.is_server_error() {
        SmsError::Unavailable(text)
    } else {
        SmsError::Rejected(text)
    }
}

/// `text` with every occurrence of `secret` replaced by `***`.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_owned()
    } else {
        text.replace(secret, "***")
    }
}

/// An error and its sources, joined by `: `.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

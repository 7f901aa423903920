//! The Kavenegar gateway (<https://kavenegar.com/rest.html>).

use super::transport::{self, DEFAULT_TIMEOUT, redact};
use super::{SmsError, SmsGateway, SmsSent, SmsStatus, segments};
use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

/// Kavenegar's REST API: `send` posts `receptor`, `sender` and `message` to
/// `{base}/v1/{API-KEY}/sms/send.json`; `status` asks
/// `{base}/v1/{API-KEY}/sms/status.json?messageid=...`.
///
/// The receptor is written as Kavenegar's documentation writes numbers: an Iranian E.164
/// number in its national form (`+989121234567` becomes `09121234567`), any other with the
/// international prefix `00` (`+447700900123` becomes `00447700900123`); see
/// [`Kavenegar::receptor`].
///
/// The API key is part of every URL, so it never leaves this type: `Debug` shows `***`,
/// errors are built without the URL (and any text that still carried the key has it blanked
/// out), and nothing is logged with the URL.
///
/// How answers are read (`return.status`, then each `entries[].status`):
///
/// | `return.status` | meaning | [`SmsError`] |
/// |---|---|---|
/// | 200 | accepted | - |
/// | 411 | the receptor is not a valid number | `InvalidNumber` |
/// | 409, 429, 5xx | the server cannot answer now | `Unavailable` |
/// | other (401 account disabled, 403 bad API key, 412 bad sender, 418 no credit, ...) | refused | `Rejected` |
///
/// | `entries[].status` | meaning | [`SmsStatus`] |
/// |---|---|---|
/// | 1, 2, 4, 5 | queued, scheduled, sent to the centre, sent to the operator | `Pending` |
/// | 10 | delivered | `Delivered` |
/// | 6, 11, 13, 100 | failed, not delivered (phone off or out of reach), cancelled, unknown id | `Failed` |
/// | 14 | filtered: the recipient blocks such messages | `Undeliverable` |
/// | anything else | not known | `Pending` |
///
/// ```
/// use crm_notify::sms::Kavenegar;
/// use std::time::Duration;
///
/// let gateway = Kavenegar::new("my-api-key")
///     .sender("10004346")
///     .timeout(Duration::from_secs(10))
///     .build()
///     .unwrap();
/// assert!(!format!("{gateway:?}").contains("my-api-key"));
/// ```
#[derive(Clone)]
pub struct Kavenegar {
    api_key: String,
    sender: Option<String>,
    base_url: String,
    timeout: Duration,
    client: Option<reqwest::Client>,
}

impl std::fmt::Debug for Kavenegar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kavenegar")
            .field("api_key", &"***")
            .field("sender", &self.sender)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Kavenegar {
    /// The default API address.
    pub const BASE_URL: &'static str = "https://api.kavenegar.com";

    /// A gateway with `api_key`, the account's default sender line, [`Kavenegar::BASE_URL`]
    /// and a 30-second timeout; finish with [`Kavenegar::build`].
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            sender: None,
            base_url: Self::BASE_URL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            client: None,
        }
    }

    /// Sends from the line `sender` (`10004346`).
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    /// Talks to `base_url` instead of [`Kavenegar::BASE_URL`] (a test server, a proxy).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Gives up on a call after `timeout` (connecting included).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The gateway, ready to send.
    ///
    /// # Errors
    /// [`SmsError::Rejected`] for an empty API key or one that cannot be part of a URL path;
    /// [`SmsError::Protocol`] if the HTTP client cannot be built.
    pub fn build(mut self) -> Result<Self, SmsError> {
        if self.api_key.is_empty()
            || !self
                .api_key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~=+".contains(&b))
        {
            return Err(SmsError::Rejected(
                "the Kavenegar API key is empty or has characters a URL path cannot carry".into(),
            ));
        }
        self.client = Some(transport::client(self.timeout)?);
        Ok(self)
    }

    /// The receptor Kavenegar is sent for `e164`: `+98...` in national form `0...`, other
    /// `+...` numbers with `00`, anything else unchanged.
    ///
    /// ```
    /// use crm_notify::sms::Kavenegar;
    ///
    /// assert_eq!(Kavenegar::receptor("+989121234567"), "09121234567");
    /// assert_eq!(Kavenegar::receptor("+447700900123"), "00447700900123");
    /// assert_eq!(Kavenegar::receptor("09121234567"), "09121234567");
    /// ```
    pub fn receptor(e164: &str) -> String {
        let number = e164.trim();
        match number.strip_prefix('+') {
            Some(rest) => match rest.strip_prefix("98") {
                Some(national) => format!("0{national}"),
                None => format!("00{rest}"),
            },
            None => number.to_owned(),
        }
    }

    fn url(&self, method: &str) -> String {
        format!("{}/v1/{}/sms/{method}.json", self.base_url, self.api_key)
    }

    fn client(&self) -> Result<&reqwest::Client, SmsError> {
        self.client.as_ref().ok_or_else(|| {
            SmsError::Protocol("the Kavenegar gateway was not built (call build())".into())
        })
    }

    /// Reads an answer: the `entries` when `return.status` is 200, else the error.
    async fn answer(&self, response: reqwest::Response) -> Result<Vec<Value>, SmsError> {
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| transport::transport_error(e, Some(&self.api_key)))?;
        let json: Option<Value> = serde_json::from_str(&body).ok();
        let code = json
            .as_ref()
            .and_then(|j| j.pointer("/return/status"))
            .and_then(Value::as_u64);
        let message = json
            .as_ref()
            .and_then(|j| j.pointer("/return/message"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let message = redact(&message, &self.api_key);
        match code {
            Some(200) => Ok(json
                .as_ref()
                .and_then(|j| j.get("entries"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()),
            Some(code) => Err(classify(code, &message)),
            None if !status.is_success() => {
                Err(transport::status_error(status, "no Kavenegar answer"))
            }
            None => Err(SmsError::Protocol(format!(
                "HTTP {} without a Kavenegar return status",
                status.as_u16()
            ))),
        }
    }
}

/// A Kavenegar `return.status` other than 200 as an error.
fn classify(code: u64, message: &str) -> SmsError {
    let text = format!("Kavenegar {code}: {message}");
    match code {
        411 => SmsError::InvalidNumber(text),
        409 | 429 | 500..=599 => SmsError::Unavailable(text),
        _ => SmsError::Rejected(text),
    }
}

/// A Kavenegar message status code as an [`SmsStatus`].
fn message_status(code: u64, text: &str) -> SmsStatus {
    let reason = |what: &str| {
        if text.is_empty() {
            format!("{what} (Kavenegar status {code})")
        } else {
            format!("{what} (Kavenegar status {code}: {text})")
        }
    };
    match code {
        10 => SmsStatus::Delivered,
        6 => SmsStatus::Failed(reason("the operator failed to send it")),
        11 => SmsStatus::Failed(reason("not delivered: the phone was off or out of reach")),
        13 => SmsStatus::Failed(reason("cancelled")),
        100 => SmsStatus::Failed(reason("the gateway does not know this message id")),
        14 => SmsStatus::Undeliverable(reason("the recipient blocks these messages")),
        _ => SmsStatus::Pending,
    }
}

/// `pairs` as an `application/x-www-form-urlencoded` body.
pub(crate) fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but unreserved characters.
pub(crate) fn encode(value: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SET).to_string()
}

#[async_trait]
impl SmsGateway for Kavenegar {
    async fn send(&self, to_e164: &str, text: &str) -> Result<SmsSent, SmsError> {
        let receptor = Self::receptor(to_e164);
        let mut form = vec![("receptor", receptor.as_str()), ("message", text)];
        if let Some(sender) = &self.sender {
            form.push(("sender", sender));
        }
        let response = self
            .client()?
            .post(self.url("send"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&form))
            .send()
            .await
            .map_err(|e| transport::transport_error(e, Some(&self.api_key)))?;
        let entries = self.answer(response).await?;
        let entry = entries
            .first()
            .ok_or_else(|| SmsError::Protocol("Kavenegar accepted but returned no entry".into()))?;
        let id = match entry.get("messageid") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => return Err(SmsError::Protocol("Kavenegar returned no messageid".into())),
        };
        if let Some(code) = entry.get("status").and_then(Value::as_u64) {
            match message_status(code, "") {
                SmsStatus::Undeliverable(reason) => return Err(SmsError::InvalidNumber(reason)),
                SmsStatus::Failed(reason) => return Err(SmsError::Rejected(reason)),
                _ => {}
            }
        }
        Ok(SmsSent::new(Some(id), segments(text).parts))
    }

    async fn status(&self, id: &str) -> Result<SmsStatus, SmsError> {
        let url = format!("{}?messageid={}", self.url("status"), encode(id));
        let response = self
            .client()?
            .get(url)
            .send()
            .await
            .map_err(|e| transport::transport_error(e, Some(&self.api_key)))?;
        let entries = self.answer(response).await?;
        let entry = entries
            .iter()
            .find(|e| match e.get("messageid") {
                Some(Value::Number(n)) => n.to_string() == id,
                Some(Value::String(s)) => s == id,
                _ => false,
            })
            .or(entries.first())
            .ok_or_else(|| SmsError::Protocol("Kavenegar returned no status entry".into()))?;
        let code = entry
            .get("status")
            .and_then(Value::as_u64)
            .ok_or_else(|| SmsError::Protocol("Kavenegar status entry without a status".into()))?;
        let text = entry
            .get("statustext")
            .and_then(Value::as_str)
            .unwrap_or("");
        Ok(message_status(code, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_codes_map_to_errors() {
        assert!(matches!(classify(411, ""), SmsError::InvalidNumber(_)));
        assert!(matches!(classify(409, ""), SmsError::Unavailable(_)));
        assert!(matches!(classify(503, ""), SmsError::Unavailable(_)));
        assert!(matches!(classify(403, ""), SmsError::Rejected(_)));
        assert!(matches!(classify(418, ""), SmsError::Rejected(_)));
    }

    #[test]
    fn message_codes_map_to_statuses() {
        assert_eq!(message_status(10, ""), SmsStatus::Delivered);
        for pending in [1, 2, 4, 5, 77] {
            assert_eq!(message_status(pending, ""), SmsStatus::Pending);
        }
        for failed in [6, 11, 13, 100] {
            assert!(matches!(message_status(failed, ""), SmsStatus::Failed(_)));
        }
        assert!(
            matches!(message_status(14, "x"), SmsStatus::Undeliverable(r) if r.contains("14: x"))
        );
    }

    #[test]
    fn a_key_that_cannot_be_a_path_segment_is_refused() {
        assert!(Kavenegar::new("").build().is_err());
        assert!(Kavenegar::new("a/b").build().is_err());
        assert!(Kavenegar::new("a b").build().is_err());
        assert!(Kavenegar::new("4F6B-abc_1=").build().is_ok());
    }

    #[test]
    fn form_bodies_are_percent_encoded() {
        assert_eq!(
            form_body(&[("receptor", "+989121234567"), ("message", "سلام & a=b")]),
            "receptor=%2B989121234567&message=%D8%B3%D9%84%D8%A7%D9%85%20%26%20a%3Db"
        );
    }
}

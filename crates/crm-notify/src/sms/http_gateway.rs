//! A generic HTTP gateway configured by a URL template.

use super::kavenegar::{encode, form_body};
use super::transport::{self, DEFAULT_TIMEOUT};
use super::{SmsError, SmsGateway, SmsSent, SmsStatus, segments};
use async_trait::async_trait;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// How [`HttpGateway`] calls its URL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpMethod {
    /// `GET` the URL (everything in the URL template).
    #[default]
    Get,
    /// `POST` the URL with the form fields as an `application/x-www-form-urlencoded` body.
    Post,
}

/// Any SMS gateway with an HTTP API, configured by a URL template.
///
/// In the URL template (and in form-field templates) `{to}` is the E.164 number, `{text}`
/// the message and `{sender}` the configured sender; in the URL they are percent-encoded, in
/// form fields form-encoded. 2xx means the gateway took the message; 429 and 5xx are worth
/// retrying ([`SmsError::Unavailable`]); any other status is refused for good
/// ([`SmsError::Rejected`]). The gateway's id of the message is read from the JSON answer at
/// a JSON pointer, if one is configured. This gateway knows nothing about delivery
/// ([`SmsGateway::reports_delivery`] is false): its messages stay `Sent`.
///
/// Credentials may be in the URL or in headers: `Debug` shows only the URL's scheme and host
/// and header names, and errors are built without the URL.
///
/// ```
/// use crm_notify::sms::{HttpGateway, HttpMethod};
///
/// let gateway = HttpGateway::new("https://sms.example.com/api/send")
///     .method(HttpMethod::Post)
///     .form_field("to", "{to}")
///     .form_field("text", "{text}")
///     .form_field("from", "{sender}")
///     .sender("Acme")
///     .header("Authorization", "Bearer secret-token")
///     .message_id_pointer("/data/id")
///     .build()
///     .unwrap();
/// assert!(!format!("{gateway:?}").contains("secret-token"));
/// ```
#[derive(Clone)]
pub struct HttpGateway {
    url_template: String,
    method: HttpMethod,
    form: Vec<(String, String)>,
    sender: String,
    headers: Vec<(String, String)>,
    message_id_pointer: Option<String>,
    timeout: Duration,
    built: Option<(reqwest::Client, HeaderMap)>,
}

impl std::fmt::Debug for HttpGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpGateway")
            .field("url", &origin(&self.url_template))
            .field("method", &self.method)
            .field(
                "form",
                &self
                    .form
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(k, _)| format!("{k}: ***"))
                    .collect::<Vec<_>>(),
            )
            .field("message_id_pointer", &self.message_id_pointer)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The scheme and host of `url`, without path, query or user information.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("?", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    format!("{scheme}://{host}/***")
}

impl HttpGateway {
    /// A `GET` gateway on `url_template` with a 30-second timeout; finish with
    /// [`HttpGateway::build`].
    pub fn new(url_template: impl Into<String>) -> Self {
        Self {
            url_template: url_template.into(),
            method: HttpMethod::Get,
            form: Vec::new(),
            sender: String::new(),
            headers: Vec::new(),
            message_id_pointer: None,
            timeout: DEFAULT_TIMEOUT,
            built: None,
        }
    }

    /// Calls the URL with `method`.
    pub fn method(mut self, method: HttpMethod) -> Self {
        self.method = method;
        self
    }

    /// Adds a form field `name` whose value is `template` (for [`HttpMethod::Post`]).
    pub fn form_field(mut self, name: impl Into<String>, template: impl Into<String>) -> Self {
        self.form.push((name.into(), template.into()));
        self
    }

    /// The value of `{sender}`.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = sender.into();
        self
    }

    /// Sends the header `name: value` with every call (hidden in `Debug`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Reads the gateway's message id from the JSON answer at `pointer` (RFC 6901, `/id`).
    pub fn message_id_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.message_id_pointer = Some(pointer.into());
        self
    }

    /// Gives up on a call after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The gateway, ready to send.
    ///
    /// # Errors
    /// [`SmsError::Rejected`] for a URL that is not `http(s)://`, form fields on a `GET`
    /// gateway, an invalid header, or a pointer that does not start with `/`.
    pub fn build(mut self) -> Result<Self, SmsError> {
        let lower = self.url_template.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(SmsError::Rejected(
                "the gateway URL template must start with http:// or https://".into(),
            ));
        }
        if self.method == HttpMethod::Get && !self.form.is_empty() {
            return Err(SmsError::Rejected(
                "form fields need HttpMethod::Post".into(),
            ));
        }
        if let Some(pointer) = &self.message_id_pointer
            && !pointer.is_empty()
            && !pointer.starts_with('/')
        {
            return Err(SmsError::Rejected(format!(
                "the message id pointer {pointer:?} must start with /"
            )));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| SmsError::Rejected(format!("invalid header name {name:?}")))?;
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| SmsError::Rejected(format!("invalid value for header {name}")))?;
            value.set_sensitive(true);
            headers.append(header, value);
        }
        self.built = Some((transport::client(self.timeout)?, headers));
        Ok(self)
    }

    fn fill(&self, template: &str, to: &str, text: &str, encoded: bool) -> String {
        let value = |v: &str| if encoded { encode(v) } else { v.to_owned() };
        // One pass, so that a `{text}` inside the number or the text is not replaced again.
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let tail = &rest[start..];
            let (replacement, len) = if tail.starts_with("{to}") {
                (value(to), 4)
            } else if tail.starts_with("{text}") {
                (value(text), 6)
            } else if tail.starts_with("{sender}") {
                (value(&self.sender), 8)
            } else {
                ("{".to_owned(), 1)
            };
            out.push_str(&replacement);
            rest = &tail[len..];
        }
        out.push_str(rest);
        out
    }
}

#[async_trait]
impl SmsGateway for HttpGateway {
    async fn send(&self, to_e164: &str, text: &str) -> Result<SmsSent, SmsError> {
        let (client, headers) = self.built.as_ref().ok_or_else(|| {
            SmsError::Protocol("the HTTP gateway was not built (call build())".into())
        })?;
        let url = self.fill(&self.url_template, to_e164, text, true);
        let request = match self.method {
            HttpMethod::Get => client.get(url),
            HttpMethod::Post => {
                let fields: Vec<(String, String)> = self
                    .form
                    .iter()
                    .map(|(k, t)| (k.clone(), self.fill(t, to_e164, text, false)))
                    .collect();
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                client
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(form_body(&pairs))
            }
        };
        let response = request
            .headers(headers.clone())
            .send()
            .await
            .map_err(|e| transport::transport_error(e, None))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| transport::transport_error(e, None))?;
        if !status.is_success() {
            let detail: String = body.chars().take(200).collect();
            return Err(transport::status_error(status, &detail));
        }
        let id = match &self.message_id_pointer {
            None => None,
            Some(pointer) => {
                let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| {
                    SmsError::Protocol(format!("the gateway's answer is not JSON: {e}"))
                })?;
                match json.pointer(pointer) {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    _ => {
                        return Err(SmsError::Protocol(format!(
                            "no message id at {pointer} in the gateway's answer"
                        )));
                    }
                }
            }
        };
        Ok(SmsSent::new(id, segments(text).parts))
    }

    async fn status(&self, _id: &str) -> Result<SmsStatus, SmsError> {
        Ok(SmsStatus::Pending)
    }

    fn reports_delivery(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_encoded_in_urls() {
        let g = HttpGateway::new("https://x.test/send?to={to}&msg={text}&from={sender}&k={key}")
            .sender("Acme Co");
        assert_eq!(
            g.fill(&g.url_template, "+98912", "a&b {to}", true),
            "https://x.test/send?to=%2B98912&msg=a%26b%20%7Bto%7D&from=Acme%20Co&k={key}"
        );
        assert_eq!(g.fill("{text}", "+1", "{to}", false), "{to}");
    }

    #[test]
    fn bad_configurations_are_refused() {
        assert!(HttpGateway::new("ftp://x.test/").build().is_err());
        assert!(
            HttpGateway::new("https://x.test/")
                .form_field("to", "{to}")
                .build()
                .is_err()
        );
        assert!(
            HttpGateway::new("https://x.test/")
                .header("bad header", "v")
                .build()
                .is_err()
        );
        assert!(
            HttpGateway::new("https://x.test/")
                .message_id_pointer("id")
                .build()
                .is_err()
        );
    }

    #[test]
    fn debug_shows_no_credentials() {
        let g = HttpGateway::new("https://user:pw@x.test/send?apikey=SECRET&to={to}")
            .header("Authorization", "Bearer TOKEN");
        let shown = format!("{g:?}");
        for secret in ["SECRET", "TOKEN", "pw"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("x.test"), "{shown}");
    }
}

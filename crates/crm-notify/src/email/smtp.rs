//! The SMTP conversation, step by step, so that each failure is mapped by the step it
//! happened in: a 5xx answer to `RCPT TO` is a bounce, a 5xx to anything else a permanent
//! failure, any 4xx, a refused connection or a timeout temporary.

use super::config::{Credentials, Tls};
use super::message::Outgoing;
use crm_core::notify::NotifyError;
use lettre::transport::smtp::authentication::{self, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Connections kept open between deliveries.
const MAX_IDLE: usize = 8;

/// How long an unused connection is kept: servers close idle ones after a few minutes.
const IDLE_FOR: Duration = Duration::from_secs(60);

/// The step of the conversation a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Connect,
    StartTls,
    Auth,
    MailFrom,
    RcptTo,
    Data,
    Message,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting",
            Self::StartTls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::MailFrom => "MAIL FROM",
            Self::RcptTo => "RCPT TO",
            Self::Data => "DATA",
            Self::Message => "sending the message",
        })
    }
}

/// Why a step failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No answer within the timeout.
    Timeout,
    /// The server, the network or TLS said no.
    Smtp(lettre::transport::smtp::Error),
    /// Something lettre does not say itself (e.g. no STARTTLS offered).
    Refused(String),
}

/// Maps a failure in `step` to the dispatcher's error, with `password` blanked out of the
/// text in case a server echoes it.
pub(crate) fn map_failure(
    step: Step,
    failure: Failure,
    timeout: Duration,
    password: Option<&str>,
) -> NotifyError {
    let text = |detail: String| redact(format!("SMTP {step}: {detail}"), password);
    match failure {
        Failure::Timeout => {
            NotifyError::temporary(text(format!("no answer within {} ms", timeout.as_millis())))
        }
        Failure::Refused(reason) if step == Step::StartTls => NotifyError::temporary(text(reason)),
        Failure::Refused(reason) => NotifyError::permanent(text(reason)),
        Failure::Smtp(e) if e.is_transient() => NotifyError::temporary(text(e.to_string())),
        Failure::Smtp(e) if e.is_permanent() && step == Step::RcptTo => {
            NotifyError::bounced(text(format!("the recipient was refused: {e}")))
        }
        Failure::Smtp(e) if e.is_permanent() => NotifyError::permanent(text(e.to_string())),
        // Refused connections, broken connections, TLS handshakes, timeouts lettre saw.
        Failure::Smtp(e) => NotifyError::temporary(text(e.to_string())),
    }
}

fn redact(text: String, password: Option<&str>) -> String {
    match password {
        Some(p) if !p.is_empty() => text.replace(p, "***"),
        _ => text,
    }
}

/// A client for one SMTP server, keeping a few connections open between deliveries.
pub(crate) struct SmtpClient {
    host: String,
    port: u16,
    tls: Tls,
    timeout: Duration,
    hello: ClientId,
    tls_parameters: Option<TlsParameters>,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<(Instant, AsyncSmtpConnection)>>,
}

impl fmt::Debug for SmtpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpClient")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("timeout", &self.timeout)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl SmtpClient {
    /// A client for `host:port`.
    ///
    /// # Errors
    /// A reason when a trusted root certificate is not PEM or TLS cannot be set up.
    pub(crate) fn new(
        host: &str,
        port: u16,
        tls: Tls,
        timeout: Duration,
        domain: &str,
        credentials: Option<Credentials>,
        roots: &[String],
    ) -> Result<Self, String> {
        let tls_parameters = match tls {
            Tls::None => None,
            Tls::StartTls | Tls::Implicit => {
                let mut builder = TlsParameters::builder(host.to_owned());
                for pem in roots {
                    if !pem.contains("-----BEGIN CERTIFICATE-----") {
                        return Err("a trusted root certificate is not PEM".to_owned());
                    }
                    let cert = Certificate::from_pem(pem.as_bytes())
                        .map_err(|e| format!("a trusted root certificate is not PEM: {e}"))?;
                    builder = builder.add_root_certificate(cert);
                }
                Some(
                    builder
                        .build_rustls()
                        .map_err(|e| format!("cannot set up TLS: {e}"))?,
                )
            }
        };
        Ok(Self {
            host: host.to_owned(),
            port,
            tls,
            timeout,
            hello: ClientId::Domain(domain.to_owned()),
            tls_parameters,
            credentials,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn password(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.password.expose())
    }

    /// Hands `out` to the server.
    ///
    /// # Errors
    /// The failure mapped by its step ([`map_failure`]).
    pub(crate) async fn send(&self, out: &Outgoing) -> Result<(), NotifyError> {
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            // Stale connections are dropped (the server has likely closed them already).
            idle.retain(|(since, _)| since.elapsed() < IDLE_FOR);
            idle.pop().map(|(_, conn)| conn)
        };
        let fresh = reused.is_none();
        let mut conn = match reused {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        let result = match self.transaction(&mut conn, out).await {
            // A kept connection the server has closed meanwhile (silently, or saying 421):
            // once more on a new one.
            Err((Step::MailFrom, Failure::Smtp(e)))
                if !fresh && e.status().is_none_or(|code| code.to_string() == "421") =>
            {
                let _ = tokio::time::timeout(self.timeout, conn.abort()).await;
                conn = self.connect().await?;
                self.transaction(&mut conn, out).await
            }
            other => other,
        };
        match result {
            Ok(()) => {
                let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < MAX_IDLE {
                    idle.push((Instant::now(), conn));
                }
                Ok(())
            }
            Err((step, failure)) => {
                // A server that did not answer is not asked to QUIT: the connection is
                // dropped. Others are told QUIT, within the timeout.
                if !matches!(failure, Failure::Timeout) {
                    let _ = tokio::time::timeout(self.timeout, conn.abort()).await;
                }
                Err(map_failure(step, failure, self.timeout, self.password()))
            }
        }
    }

    async fn step<T, F>(&self, step: Step, future: F) -> Result<T, NotifyError>
    where
        F: Future<Output = Result<T, lettre::transport::smtp::Error>>,
    {
        timed(self.timeout, future)
            .await
            .map_err(|failure| map_failure(step, failure, self.timeout, self.password()))
    }

    /// Connects, upgrades to TLS when configured, and authenticates.
    async fn connect(&self) -> Result<AsyncSmtpConnection, NotifyError> {
        let implicit = match self.tls {
            Tls::Implicit => self.tls_parameters.clone(),
            Tls::None | Tls::StartTls => None,
        };
        let mut conn = self
            .step(
                Step::Connect,
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(self.timeout),
                    &self.hello,
                    implicit,
                    None,
                ),
            )
            .await?;
        if let (Tls::StartTls, Some(parameters)) = (self.tls, &self.tls_parameters) {
            if !conn.can_starttls() {
                let _ = tokio::time::timeout(self.timeout, conn.abort()).await;
                return Err(map_failure(
                    Step::StartTls,
                    Failure::Refused(
                        "the server does not offer STARTTLS; refusing to send in plain text"
                            .to_owned(),
                    ),
                    self.timeout,
                    None,
                ));
            }
            let upgraded = self
                .step(
                    Step::StartTls,
                    conn.starttls(parameters.clone(), &self.hello),
                )
                .await;
            if let Err(e) = upgraded {
                // Not told QUIT: after a failed handshake lettre has no stream left to
                // write to (and would panic); the connection is dropped.
                drop(conn);
                return Err(e);
            }
        }
        if let Some(credentials) = &self.credentials {
            let lettre_credentials = authentication::Credentials::new(
                credentials.user.clone(),
                credentials.password.expose().to_owned(),
            );
            if let Err(e) = self
                .step(
                    Step::Auth,
                    conn.auth(&[Mechanism::Plain, Mechanism::Login], &lettre_credentials),
                )
                .await
            {
                let _ = tokio::time::timeout(self.timeout, conn.abort()).await;
                return Err(e);
            }
        }
        Ok(conn)
    }

    /// `MAIL FROM`, `RCPT TO` for each recipient, `DATA` and the message.
    async fn transaction(
        &self,
        conn: &mut AsyncSmtpConnection,
        out: &Outgoing,
    ) -> Result<(), (Step, Failure)> {
        let mut options = Vec::new();
        if !out.bytes.is_ascii() {
            if !conn.server_info().supports_feature(Extension::EightBitMime) {
                return Err((
                    Step::MailFrom,
                    Failure::Refused("the server does not take 8-bit messages".to_owned()),
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let from = out.envelope.from().cloned();
        timed(self.timeout, conn.command(Mail::new(from, options)))
            .await
            .map_err(|f| (Step::MailFrom, f))?;
        for to in out.envelope.to() {
            timed(
                self.timeout,
                conn.command(Rcpt::new(to.clone(), Vec::new())),
            )
            .await
            .map_err(|f| (Step::RcptTo, f))?;
        }
        timed(self.timeout, conn.command(Data))
            .await
            .map_err(|f| (Step::Data, f))?;
        let content = DataContent::new(&out.bytes)
            .map_err(|reason| (Step::Message, Failure::Refused(reason)))?;
        timed(self.timeout, conn.command(content))
            .await
            .map_err(|f| (Step::Message, f))?;
        Ok(())
    }
}

/// A message as `DATA` content: dot-stuffed (RFC 5321 4.5.2) and ending with the `.` line,
/// written in one piece. (lettre's `message` writes the terminator separately; with Nagle's
/// algorithm that small second write waits for the server's delayed ACK, about 40 ms per
/// message.)
struct DataContent(String);

impl DataContent {
    fn new(bytes: &[u8]) -> Result<Self, String> {
        let text =
            std::str::from_utf8(bytes).map_err(|_| "the built message is not UTF-8".to_owned())?;
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.split_inclusive('\n') {
            if line.starts_with('.') {
                out.push('.');
            }
            out.push_str(line);
        }
        if !out.ends_with("\r\n") {
            out.push_str("\r\n");
        }
        out.push_str(".\r\n");
        Ok(Self(out))
    }
}

impl fmt::Display for DataContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

async fn timed<T, F>(timeout: Duration, future: F) -> Result<T, Failure>
where
    F: Future<Output = Result<T, lettre::transport::smtp::Error>>,
{
    match tokio::time::timeout(timeout, future).await {
        Err(_) => Err(Failure::Timeout),
        Ok(Err(e)) if e.is_timeout() => Err(Failure::Timeout),
        Ok(Err(e)) => Err(Failure::Smtp(e)),
        Ok(Ok(value)) => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_content_is_dot_stuffed_and_terminated_once() {
        let content = DataContent::new(b".first\r\nmiddle\r\n..two\r\nlast").unwrap();
        assert_eq!(content.0, "..first\r\nmiddle\r\n...two\r\nlast\r\n.\r\n");
        let ended = DataContent::new(b"a\r\n").unwrap();
        assert_eq!(ended.0, "a\r\n.\r\n");
    }

    #[test]
    fn failures_are_mapped_by_step() {
        let t = Duration::from_secs(1);
        let refused = map_failure(Step::Auth, Failure::Refused("x".into()), t, None);
        assert!(matches!(refused, NotifyError::Permanent(_)));
        let tls = map_failure(Step::StartTls, Failure::Refused("x".into()), t, None);
        assert!(matches!(tls, NotifyError::Temporary(_)));
        let slow = map_failure(Step::Data, Failure::Timeout, t, None);
        assert!(matches!(slow, NotifyError::Temporary(_)));
        assert!(
            slow.to_string()
                .contains("SMTP DATA: no answer within 1000 ms")
        );
        let echoed = map_failure(
            Step::Auth,
            Failure::Refused("bad password pw123".into()),
            t,
            Some("pw123"),
        );
        assert!(!echoed.to_string().contains("pw123"), "{echoed}");
    }
}

//! How the email notifier reaches a mail server: [`SmtpConfig`].

use crm_core::Error;
use std::path::PathBuf;
use std::time::Duration;

/// The default connect and command timeout: 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tls {
    /// Plain text, no encryption: refused for any host but a loopback address (tests, a
    /// local relay).
    None,
    /// A plain connection upgraded with `STARTTLS` (usually port 587). Required: a server
    /// that does not offer it gets no mail, there is no fall back to plain text.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Implicit,
}

/// Where the notifier hands messages over.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// An SMTP server.
    Smtp {
        /// Host name or IP address.
        host: String,
        /// Port (587 for STARTTLS, 465 for implicit TLS, 25 between servers).
        port: u16,
        /// How the connection is protected.
        tls: Tls,
    },
    /// A mail directory: one `.eml` file per message is written there (lettre's file
    /// transport), for the demo and for people without a mail server.
    MailDir(PathBuf),
}

/// A password that never shows in `Debug` output, logs or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps `secret`.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself: only to hand to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A user name and password for SMTP authentication (`AUTH PLAIN` or `AUTH LOGIN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password (redacted in `Debug`).
    pub password: Password,
}

/// A name and an address: the `From` of every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The display name (`Acme support`); may be empty.
    pub name: String,
    /// The address (`support@acme.example`).
    pub address: String,
}

/// The email notifier's configuration.
///
/// ```
/// use crm_notify::email::{SmtpConfig, Tls};
/// use std::time::Duration;
///
/// let config = SmtpConfig::smtp("mail.acme.example", 587, Tls::StartTls)
///     .from("Acme support", "support@acme.example")
///     .domain("acme.example")
///     .credentials("support", "s3cret")
///     .timeout(Duration::from_secs(10));
/// config.validate().unwrap();
/// assert!(!format!("{config:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmtpConfig {
    /// Where messages are handed over.
    pub transport: Transport,
    /// Authentication, if the server wants it.
    pub credentials: Option<Credentials>,
    /// The connect timeout, and the timeout of every command after it (default 30 s).
    pub timeout: Duration,
    /// The `From` of every message.
    pub from: Sender,
    /// The domain of `Message-ID`s (`<outbox id@domain>`) and of the `EHLO` greeting.
    pub domain: String,
    /// Extra trusted certificate authorities (PEM), beside the public web roots: for a
    /// server with a private CA.
    pub root_certificates: Vec<String>,
}

impl SmtpConfig {
    /// To an SMTP server at `host:port`, protected by `tls`. Set [`SmtpConfig::from`] and
    /// [`SmtpConfig::domain`] before use.
    pub fn smtp(host: impl Into<String>, port: u16, tls: Tls) -> Self {
        Self::with_transport(Transport::Smtp {
            host: host.into(),
            port,
            tls,
        })
    }

    /// Into the mail directory `path` (created when missing), one `.eml` file per message.
    pub fn mail_dir(path: impl Into<PathBuf>) -> Self {
        Self::with_transport(Transport::MailDir(path.into()))
    }

    fn with_transport(transport: Transport) -> Self {
        Self {
            transport,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            from: Sender {
                name: String::new(),
                address: String::new(),
            },
            domain: String::new(),
            root_certificates: Vec::new(),
        }
    }

    /// With `name <address>` as the `From` of every message.
    pub fn from(mut self, name: impl Into<String>, address: impl Into<String>) -> Self {
        self.from = Sender {
            name: name.into(),
            address: address.into(),
        };
        self
    }

    /// With `domain` for `Message-ID`s and the `EHLO` greeting.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// With SMTP authentication as `user`.
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some(Credentials {
            user: user.into(),
            password: Password::new(password),
        });
        self
    }

    /// With `timeout` for connecting and for each command.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Also trusting the certificate authority `pem`.
    pub fn trust_root_pem(mut self, pem: impl Into<String>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Checks the configuration.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field: a `From` address that is not one, a missing or
    /// malformed domain, an empty host, a zero timeout, or plain text ([`Tls::None`]) to a
    /// host that is not a loopback address.
    pub fn validate(&self) -> Result<(), Error> {
        if self.from.address.parse::<lettre::Address>().is_err() {
            return Err(Error::invalid(
                "smtp.from",
                format!("{:?} is not an email address", self.from.address),
            ));
        }
        if self.domain.is_empty()
            || !self
                .domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return Err(Error::invalid(
                "smtp.domain",
                format!(
                    "{:?} is not a domain name (letters, digits, dots and hyphens)",
                    self.domain
                ),
            ));
        }
        if self.timeout.is_zero() {
            return Err(Error::invalid("smtp.timeout", "must be more than zero"));
        }
        if let Transport::Smtp { host, tls, .. } = &self.transport {
            if host.trim().is_empty() {
                return Err(Error::invalid("smtp.host", "is empty"));
            }
            if *tls == Tls::None && !is_loopback(host) {
                return Err(Error::invalid(
                    "smtp.tls",
                    format!(
                        "plain text is allowed only to a loopback address, not to {host}: \
                         use STARTTLS or implicit TLS"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Whether `host` is `localhost` or a loopback IP address.
fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(tls: Tls, host: &str) -> SmtpConfig {
        SmtpConfig::smtp(host, 25, tls)
            .from("Acme", "support@acme.example")
            .domain("acme.example")
    }

    #[test]
    fn plain_text_only_to_loopback() {
        assert!(base(Tls::None, "127.0.0.1").validate().is_ok());
        assert!(base(Tls::None, "localhost").validate().is_ok());
        assert!(base(Tls::None, "::1").validate().is_ok());
        let err = base(Tls::None, "mail.acme.example").validate().unwrap_err();
        assert!(err.to_string().contains("smtp.tls"), "{err}");
        assert!(base(Tls::StartTls, "mail.acme.example").validate().is_ok());
    }

    #[test]
    fn refuses_a_bad_from_or_domain() {
        let bad_from = base(Tls::Implicit, "h").from("x", "not an address");
        assert!(
            bad_from
                .validate()
                .unwrap_err()
                .to_string()
                .contains("smtp.from")
        );
        let bad_domain = base(Tls::Implicit, "h").domain("acme example>");
        assert!(
            bad_domain
                .validate()
                .unwrap_err()
                .to_string()
                .contains("smtp.domain")
        );
        let zero = base(Tls::Implicit, "h").timeout(Duration::ZERO);
        assert!(
            zero.validate()
                .unwrap_err()
                .to_string()
                .contains("smtp.timeout")
        );
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let config = base(Tls::Implicit, "h").credentials("u", "hunter2-secret");
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }
}

//! [`EmailNotifier`]: the [`Notifier`] that sends email.

use super::config::{SmtpConfig, Transport};
use super::message::{self, Outgoing};
use super::smtp::SmtpClient;
use async_trait::async_trait;
use crm_core::Error;
use crm_core::id::WorkspaceId;
use crm_core::notify::{Destination, Notifier, NotifyError, Receipt};
use crm_core::outbox::OutboxMessage;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};

/// Sends outbox notifications as email: to customers on the email channel and to staff at
/// their work email, over SMTP or into a mail directory.
///
/// Every message has `Message-ID: <{outbox id}@{domain}>`, the same on every attempt, so a
/// receiver can drop a repeat. The receipt is [`Receipt::sent`] with that id (without angle
/// brackets) as the provider reference. Failures: a refused connection, a timeout or an SMTP
/// 4xx answer are [`NotifyError::Temporary`]; a 5xx answer to `RCPT TO` or an address that
/// is not one [`NotifyError::Bounced`]; any other 5xx, a staff member without email, or a
/// customer on another channel [`NotifyError::Permanent`].
///
/// ```
/// use crm_notify::email::{EmailNotifier, SmtpConfig};
///
/// let dir = tempfile::tempdir().unwrap();
/// let notifier = EmailNotifier::new(
///     SmtpConfig::mail_dir(dir.path())
///         .from("Acme support", "support@acme.example")
///         .domain("acme.example"),
/// )
/// .unwrap();
/// assert!(format!("{notifier:?}").contains("MailDir"));
/// ```
pub struct EmailNotifier {
    config: SmtpConfig,
    sink: Sink,
}

enum Sink {
    Smtp(SmtpClient),
    MailDir(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl EmailNotifier {
    /// A notifier with `config` (checked by [`SmtpConfig::validate`]). Nothing is connected
    /// yet: the first delivery connects.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a configuration [`SmtpConfig::validate`] refuses, a trusted
    /// root that is not PEM, or a mail directory that cannot be created.
    pub fn new(config: SmtpConfig) -> Result<Self, Error> {
        config.validate()?;
        let sink = match &config.transport {
            Transport::Smtp { host, port, tls } => Sink::Smtp(
                SmtpClient::new(
                    host,
                    *port,
                    *tls,
                    config.timeout,
                    &config.domain,
                    config.credentials.clone(),
                    &config.root_certificates,
                )
                .map_err(|reason| Error::invalid("smtp.tls", reason))?,
            ),
            Transport::MailDir(path) => {
                std::fs::create_dir_all(path).map_err(|e| {
                    Error::invalid(
                        "smtp.mail_dir",
                        format!("cannot create {}: {e}", path.display()),
                    )
                })?;
                Sink::MailDir(AsyncFileTransport::new(path))
            }
        };
        Ok(Self { config, sink })
    }

    /// The configuration.
    pub fn config(&self) -> &SmtpConfig {
        &self.config
    }

    /// The message `deliver` would send for `message` to `to`, without sending it.
    ///
    /// # Errors
    /// As [`Notifier::deliver`] for a destination it cannot reach.
    pub fn render(
        &self,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Outgoing, NotifyError> {
        message::build(&self.config, message, to)
    }
}

#[async_trait]
impl Notifier for EmailNotifier {
    async fn deliver(
        &self,
        ws: WorkspaceId,
        message: &OutboxMessage,
        to: &Destination,
    ) -> Result<Receipt, NotifyError> {
        let out = message::build(&self.config, message, to)?;
        match &self.sink {
            Sink::Smtp(client) => client.send(&out).await?,
            Sink::MailDir(files) => {
                files
                    .send_raw(&out.envelope, &out.bytes)
                    .await
                    .map_err(|e| NotifyError::temporary(format!("mail directory: {e}")))?;
            }
        }
        tracing::debug!(workspace = %ws, id = %message.id, message_id = %out.message_id, "email sent");
        Ok(Receipt::sent().provider_ref(out.message_id))
    }
}

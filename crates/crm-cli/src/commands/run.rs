//! `crm run`: the worker. Delivers the outbox (email, SMS, webhooks), asks gateways for
//! delivery reports and runs the periodic jobs, until SIGINT or SIGTERM.

use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use clap::{Args, ValueEnum};
use crm::channel::Channel;
use crm::notify::{Notifier, RetryPolicy};
use crm::worker::{ClubJob, GreetingJob, ReminderJob, Worker};
use crm_notify::email::{EmailNotifier, SmtpConfig, Tls};
use crm_notify::router::Router;
use crm_notify::sms::{Kavenegar, SmsNotifier};
use crm_notify::webhook::{Guard, Secret, WebhookNotifier};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// `crm run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Do one round (deliver what is due, run due jobs) and exit, instead of running until
    /// stopped.
    #[arg(long)]
    once: bool,
    /// Pause between rounds when there was nothing to do, in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    poll_ms: u64,
    /// Delivery attempts before a message is parked.
    #[arg(long, default_value_t = 8)]
    max_attempts: u32,
    /// Seconds to wait after the first failed attempt (doubled after each further one).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    retry_after: i64,
    /// Seconds a message being delivered is held against other workers: after a worker dies
    /// mid-delivery, the message is delivered again once this has passed.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    lease_secs: i64,
    /// Email: write each message as an .eml file into this directory instead of sending it
    /// [default without --smtp-host: mail/ in the data directory].
    #[arg(long, value_name = "DIR", conflicts_with = "smtp_host")]
    mail_dir: Option<PathBuf>,
    /// Email: the SMTP server.
    #[arg(long, env = "CRM_SMTP_HOST", value_name = "HOST")]
    smtp_host: Option<String>,
    /// Email: the SMTP port [default: 587 for starttls, 465 for implicit, 25 for none].
    #[arg(long, env = "CRM_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// Email: how the connection is protected (`none` only to a loopback address).
    #[arg(long, env = "CRM_SMTP_TLS", value_enum, default_value_t = TlsArg::Starttls)]
    smtp_tls: TlsArg,
    /// Email: the SMTP user; the password is read from CRM_SMTP_PASSWORD.
    #[arg(long, env = "CRM_SMTP_USER")]
    smtp_user: Option<String>,
    /// Email: the From address.
    #[arg(long, env = "CRM_MAIL_FROM", default_value = "crm@localhost")]
    mail_from: String,
    /// Email: the From name [default: the workspace's name].
    #[arg(long, env = "CRM_MAIL_FROM_NAME")]
    mail_from_name: Option<String>,
    /// Email: the domain of Message-IDs [default: the From address's domain].
    #[arg(long, env = "CRM_MAIL_DOMAIN")]
    mail_domain: Option<String>,
    /// Email: seconds before a slow server counts as down.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    smtp_timeout: u64,
    /// SMS through Kavenegar: the sender line; the API key is read from CRM_KAVENEGAR_KEY.
    #[arg(long, env = "CRM_KAVENEGAR_SENDER")]
    kavenegar_sender: Option<String>,
    /// SMS through Kavenegar: the API's base URL (a test server).
    #[arg(long, env = "CRM_KAVENEGAR_URL", hide = true)]
    kavenegar_url: Option<String>,
    /// Webhooks: also allow this address or network (CIDR), which the guard against
    /// server-side request forgery refuses otherwise (loopback, private, link-local);
    /// repeatable. Secrets are read from CRM_WEBHOOK_SECRET_<NAME>.
    #[arg(long = "allow-webhook-address", value_name = "IP_OR_CIDR")]
    allow_webhook: Vec<String>,
}

/// The SMTP connection's protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TlsArg {
    /// STARTTLS, required.
    Starttls,
    /// TLS from the first byte.
    Implicit,
    /// Plain text (loopback only).
    None,
}

/// Runs the worker over the workspace until SIGINT or SIGTERM (or one round with --once).
///
/// # Errors
/// Invalid input for a bad configuration; failures of the store.
pub(crate) async fn run(ctx: &Ctx, data_dir: &Path, args: RunArgs) -> CliResult<ExitCode> {
    init_logs();
    let workspace = ctx.system("crm-cli run").await?;
    let name = workspace_name(ctx).await?;
    let (email, mail_target) = email(&args, data_dir, &name)?;
    let mut router = Router::new()
        .channel(Channel::Email, email.clone())
        .channel(Channel::WebForm, email.clone())
        .staff(email);
    if let Some(sms) = sms(&args)? {
        router = router.channel(Channel::Sms, sms);
    }
    let hooks = workspace.settings().await?.webhooks;
    router = router.webhooks(webhooks(&args, &hooks)?);
    let policy = RetryPolicy::new(
        args.max_attempts.max(1),
        chrono::Duration::seconds(args.retry_after.max(1)),
    )
    .with_lease(chrono::Duration::seconds(args.lease_secs.max(1)));
    let worker = Worker::new(ctx.crm.clone(), Arc::new(router), vec![ctx.ws])
        .policy(policy)
        .poll(Duration::from_millis(args.poll_ms.max(10)))
        .job(Arc::new(ReminderJob::new(Duration::from_millis(
            args.poll_ms.max(10),
        ))))
        .job(Arc::new(GreetingJob::default()))
        .job(Arc::new(ClubJob::default()));
    if args.once {
        let round = worker.round(&AtomicBool::new(false)).await;
        let o = round.outbox;
        println!(
            "delivered {}, sent {}, retrying {}, failed {}, bounced {}, suppressed {}, parked {} (email: {mail_target})",
            o.delivered, o.sent, o.retrying, o.failed, o.bounced, o.suppressed, o.parked
        );
        return Ok(if round.errors == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    eprintln!("crm run: delivering (email: {mail_target}); stop with Ctrl-C or SIGTERM");
    worker.run(shutdown()).await?;
    Ok(ExitCode::SUCCESS)
}

/// The email notifier and where it sends, for people.
fn email(args: &RunArgs, data_dir: &Path, name: &str) -> CliResult<(Arc<dyn Notifier>, String)> {
    let (config, target) = match &args.smtp_host {
        Some(host) => {
            let (tls, default_port) = match args.smtp_tls {
                TlsArg::Starttls => (Tls::StartTls, 587),
                TlsArg::Implicit => (Tls::Implicit, 465),
                TlsArg::None => (Tls::None, 25),
            };
            let port = args.smtp_port.unwrap_or(default_port);
            let mut config = SmtpConfig::smtp(host.clone(), port, tls);
            if let Some(user) = &args.smtp_user {
                let password = std::env::var("CRM_SMTP_PASSWORD").map_err(|_| {
                    CliError::invalid("--smtp-user needs the password in CRM_SMTP_PASSWORD")
                })?;
                config = config.credentials(user.clone(), password);
            }
            (config, format!("smtp {host}:{port}"))
        }
        None => {
            let dir = args
                .mail_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("mail"));
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::failure(format!("cannot create {}: {e}", dir.display())))?;
            let target = format!("files in {}", dir.display());
            (SmtpConfig::mail_dir(dir), target)
        }
    };
    let from_name = args
        .mail_from_name
        .clone()
        .unwrap_or_else(|| name.to_owned());
    let domain = args.mail_domain.clone().unwrap_or_else(|| {
        args.mail_from
            .rsplit_once('@')
            .map_or("localhost".to_owned(), |(_, d)| d.to_owned())
    });
    let config = config
        .from(from_name, args.mail_from.clone())
        .domain(domain)
        .timeout(Duration::from_secs(args.smtp_timeout.max(1)));
    let notifier = EmailNotifier::new(config).map_err(|e| CliError::invalid(e.to_string()))?;
    Ok((Arc::new(notifier), target))
}

/// The SMS notifier, when Kavenegar is configured.
fn sms(args: &RunArgs) -> CliResult<Option<Arc<dyn Notifier>>> {
    let Some(sender) = &args.kavenegar_sender else {
        return Ok(None);
    };
    let key = std::env::var("CRM_KAVENEGAR_KEY").map_err(|_| {
        CliError::invalid("--kavenegar-sender needs the API key in CRM_KAVENEGAR_KEY")
    })?;
    let mut gateway = Kavenegar::new(key).sender(sender.clone());
    if let Some(url) = &args.kavenegar_url {
        gateway = gateway.base_url(url.clone());
    }
    let gateway = gateway
        .build()
        .map_err(|e| CliError::invalid(format!("kavenegar: {e}")))?;
    Ok(Some(Arc::new(SmsNotifier::new(gateway))))
}

/// The webhook notifier with the secrets of the workspace's endpoints from the environment.
fn webhooks(
    args: &RunArgs,
    hooks: &[crm::workspace::WebhookEndpoint],
) -> CliResult<Arc<dyn Notifier>> {
    let mut guard = Guard::new();
    for allowed in &args.allow_webhook {
        guard = guard
            .allow(allowed)
            .map_err(|e| CliError::invalid(format!("--allow-webhook-address {allowed}: {e}")))?;
    }
    let mut notifier = WebhookNotifier::new(guard);
    for hook in hooks {
        let var = secret_var(&hook.name);
        let Ok(text) = std::env::var(&var) else {
            eprintln!(
                "warning: webhook {} has no secret in {var}: its events will fail",
                hook.name
            );
            continue;
        };
        let mut secrets = Vec::new();
        for part in text.split_whitespace() {
            secrets
                .push(Secret::parse(part).map_err(|e| CliError::invalid(format!("{var}: {e}")))?);
        }
        notifier = notifier.endpoint(hook.name.clone(), secrets);
    }
    Ok(Arc::new(notifier))
}

/// `CRM_WEBHOOK_SECRET_<NAME>`: the name upper-cased, other characters as `_`. Two secrets
/// separated by a space while rotating.
fn secret_var(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CRM_WEBHOOK_SECRET_{name}")
}

async fn workspace_name(ctx: &Ctx) -> CliResult<String> {
    use crm::store::StoreExt;
    let ws = ctx
        .crm
        .store()
        .fetch::<crm::workspace::Workspace>(ctx.ws, ctx.ws.0)
        .await?;
    Ok(ws.name)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    eprintln!("crm run: stopping after the message in flight");
}

/// Logs to stderr, filtered by RUST_LOG (default `info`).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::secret_var;

    #[test]
    fn secret_variables_are_upper_case_names() {
        assert_eq!(secret_var("erp-hooks"), "CRM_WEBHOOK_SECRET_ERP_HOOKS");
        assert_eq!(secret_var("a.b"), "CRM_WEBHOOK_SECRET_A_B");
    }
}

//! The activities story: a task with a reminder, and a customer's Jalali birthday greeting,
//! both going out through the outbox.

use super::cast::Cast;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{heading, safe};
use chrono::{DateTime, Duration, Utc};
use crm::calendar::JalaliDate;
use crm::channel::Channel;
use crm::clock::{Clock, ManualClock};
use crm::customer::{ContactKind, CustomerFilter, Occasion, OccasionCalendar, OccasionKind};
use crm::notify::{Dispatcher, Notifier, RetryPolicy};
use crm::outbox::OutboxMessage;
use crm::service::{NewCustomer, NewTask};
use crm::store::MAX_PAGE;
use crm_notify::email::{EmailNotifier, SmtpConfig};
use crm_notify::router::Router;
use std::path::Path;
use std::sync::Arc;

/// Shows a reminder and a greeting going out.
///
/// # Errors
/// As the library's operations.
pub(crate) async fn activities(
    ctx: &Ctx,
    cast: &Cast,
    clock: &Arc<ManualClock>,
    now: DateTime<Utc>,
    mail_dir: &Path,
) -> CliResult<()> {
    clock.set(now - Duration::minutes(50));
    let tz = cast.workspace.settings.sla.calendar.tz;
    let reza = cast.by_email("reza@acme.example")?;
    let maryam = cast.by_email("maryam@acme.example")?;

    heading("21. A customer with a Jalali birthday today, who agreed to email");
    let today = clock.now().with_timezone(&tz).date_naive();
    let jalali = JalaliDate::from_gregorian(today);
    let mut new = NewCustomer::person("نسرین", "جعفری")
        .contact(ContactKind::Email, "nasrin.jafari@example.com");
    new.occasions = vec![Occasion {
        kind: OccasionKind::Birthday,
        calendar: OccasionCalendar::Jalali,
        month: jalali.month,
        day: jalali.day,
        year: Some(1368),
    }];
    new.consent = vec![(Channel::Email, true)];
    let nasrin = maryam.create_customer(new).await?;
    println!(
        "  {} (birthday {}/{} Jalali)",
        safe(&nasrin.display_name()),
        jalali.month,
        jalali.day
    );

    heading("22. Reza plans a call with a reminder 30 minutes before");
    let due_local = (clock.now() + Duration::minutes(40))
        .with_timezone(&tz)
        .naive_local();
    let mut task = NewTask::new(crm::activity::TaskKind::Call, "تماس برای پیگیری سفارش");
    task.due = Some(crm::activity::Due::at(due_local.date(), due_local.time()));
    task.link = Some(crm::activity::TaskLink::Customer(nasrin.id));
    task.reminders = [30].into_iter().collect();
    let task = reza.create_task(task).await?;
    println!(
        "  task {:?} due {} (local), reminder planned",
        safe(&task.title),
        due_local.format("%H:%M")
    );

    heading("23. Ten minutes later the worker's jobs run: the reminder and the greeting");
    clock.advance(Duration::minutes(11));
    let worker = ctx.system("worker").await?;
    let reminders = worker.send_due_reminders().await?;
    let run = worker
        .send_greetings(today, &CustomerFilter::default())
        .await?;
    let again = worker.send_due_reminders().await?;
    println!(
        "  reminders sent {reminders} (a second run: {again}); greetings sent {}, without consent {}",
        run.sent, run.without_consent
    );
    deliver(ctx, mail_dir).await?;
    let session = ctx.system("demo").await?;
    let mut shown: Vec<OutboxMessage> = session.deliveries(task.id.0).await?;
    shown.extend(session.deliveries(nasrin.id.0).await?);
    for m in shown.iter().filter(|m| {
        m.notification.event == "task.reminder" || m.notification.event == "customer.greeting"
    }) {
        println!(
            "  {}: {}, subject {:?}",
            m.notification.event,
            m.status.as_str(),
            safe(&m.notification.subject)
        );
    }
    Ok(())
}

/// Delivers the outbox as `crm run` does, email written to `mail_dir`.
async fn deliver(ctx: &Ctx, mail_dir: &Path) -> CliResult<()> {
    let config = SmtpConfig::mail_dir(mail_dir)
        .from("Acme", "support@acme.example")
        .domain("acme.example");
    let email: Arc<dyn Notifier> =
        Arc::new(EmailNotifier::new(config).map_err(|e| CliError::failure(e.to_string()))?);
    let router = Router::new()
        .channel(Channel::Email, email.clone())
        .staff(email);
    let dispatcher = Dispatcher::new(
        ctx.crm.store().clone(),
        Arc::new(router),
        ctx.crm.clock().clone(),
        RetryPolicy::default(),
    );
    while dispatcher.dispatch_due(ctx.ws, MAX_PAGE).await?.handled() > 0 {}
    Ok(())
}

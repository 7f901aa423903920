//! The walk-through: a request from intake to the approved reply, printed as it happens.

use super::cast::{Cast, known_customer};
use crate::CalendarArg;
use crate::commands::{cartable, intake, report, show};
use crate::context::Ctx;
use crate::dates::Dates;
use crate::eml;
use crate::error::{CliError, CliResult};
use crate::output::{heading, safe};
use chrono::Duration;
use crm::channel::{Channel, SocialNetwork};
use crm::clock::ManualClock;
use crm::customer::ContactKind;
use crm::id::RequestId;
use crm::notify::{Dispatcher, Notifier, RetryPolicy};
use crm::outbox::Recipient;
use crm::request::Holder;
use crm::service::{InboundMessage, Sender, WebForm};
use crm::store::{MAX_PAGE, PageRequest};
use crm_notify::email::{EmailNotifier, SmtpConfig};
use crm_notify::router::Router;
use std::path::Path;
use std::sync::Arc;

/// The email علی رضایی sends: a Persian subject as a base64 encoded word and a
/// quoted-printable Persian body, read by the same parser as `crm intake --eml`.
const EMAIL: &str = "From: =?UTF-8?B?2LnZhNuMINix2LbYp9uM24w=?= <Ali.Rezaei@Example.com>\r\n\
To: support@acme.example\r\n\
Subject: =?UTF-8?B?2LPZgdin2LHYtCDbsduy27PbtCDZh9mG2YjYsiDZhtix2LPbjNiv2Yc=?=\r\n\
Message-ID: <order-1234@mail.example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
=D8=B3=D9=84=D8=A7=D9=85=D8=8C =D8=B3=D9=81=D8=A7=D8=B1=D8=B4 =D9=85=D9=86 =D9=87=D9=86=D9=88=D8=B2 =D9=86=D8=B1=D8=B3=DB=8C=D8=AF=D9=87 =D8=A7=D8=B3=D8=AA.\r\n";

/// Walks through the process. `clock` is moved forward a few minutes between steps.
///
/// # Errors
/// The library's errors.
pub(crate) async fn walk(
    ctx: &Ctx,
    cast: &Cast,
    clock: &Arc<ManualClock>,
    mail_dir: &Path,
) -> CliResult<()> {
    let tick = |minutes: i64| clock.advance(Duration::minutes(minutes));
    let maryam = cast.by_email("maryam@acme.example")?;
    let john = cast.by_email("john@acme.example")?;
    let sina = cast.by_email("sina@acme.example")?;
    let emma = cast.by_email("emma@acme.example")?;
    let dir = ctx.directory().await?;
    let ali_id = known_customer(cast)?;

    heading("1. An email arrives from a known customer (Persian subject, encoded words)");
    let email = eml::parse(EMAIL.as_bytes()).map_err(CliError::failure)?;
    println!(
        "parsed .eml: from {:?} <{}>, Message-ID {}, subject {:?}",
        safe(email.sender.name.as_deref().unwrap_or("")),
        safe(email.sender.email.as_deref().unwrap_or("")),
        safe(&email.external_id),
        safe(email.subject.as_deref().unwrap_or(""))
    );
    let first = cast.channels.intake(email.clone()).await?;
    intake::print_outcome(ctx, &dir, &first);
    let mail_no = first.request.number;

    heading("2. The same customer sends an SMS, Persian digits in the number");
    tick(7);
    let sms = InboundMessage::new(
        Channel::Sms,
        "sms-55501",
        Sender {
            phone: Some("۰۹۱۲ ۱۲۳ ۴۵۶۷".into()),
            ..Sender::default()
        },
        "سلام، فاکتور سفارش ۱۲۳۴ را هم لازم دارم",
    );
    println!("SMS from ۰۹۱۲ ۱۲۳ ۴۵۶۷: the number is normalised to +989121234567");
    let second = cast.channels.intake(sms).await?;
    intake::print_outcome(ctx, &dir, &second);
    println!("(the word فاکتور matched the routing rule \"billing words\": no officer needed)");

    heading("3. A new sender writes on Telegram");
    tick(3);
    let tg = InboundMessage::new(
        Channel::Social(SocialNetwork::Telegram),
        "tg-900017",
        Sender {
            handle: Some((SocialNetwork::Telegram, "@jane_doe_tehran".into())),
            name: Some("Jane Doe".into()),
            ..Sender::default()
        },
        "Hi! Do you deliver to Isfahan, and how long does it take?",
    );
    let third = cast.channels.intake(tg).await?;
    intake::print_outcome(ctx, &dir, &third);

    heading("4. The mail server delivers the email a second time");
    tick(1);
    let again = cast.channels.intake(email).await?;
    intake::print_outcome(ctx, &dir, &again);

    heading("5. The officer refers the email; it bounces between two people (ping-pong)");
    tick(12);
    let r = maryam.request_by_number(mail_no).await?;
    let r = maryam
        .refer(
            r.id,
            r.version,
            Holder::Department(cast.sales.id),
            "لطفاً وضعیت ارسال سفارش ۱۲۳۴ را بررسی کنید",
        )
        .await?;
    println!("مریم احمدی -> dept فروش: \"لطفاً وضعیت ارسال سفارش ۱۲۳۴ را بررسی کنید\"");
    tick(20);
    let r = sina.take(r.id, r.version).await?;
    println!(
        "سینا رحیمی takes it from the sales queue: {}",
        r.status.as_str()
    );
    tick(15);
    let emma_id = emma
        .principal()
        .staff_id()
        .ok_or_else(|| CliError::failure("demo: Emma is not staff"))?;
    let sina_id = sina
        .principal()
        .staff_id()
        .ok_or_else(|| CliError::failure("demo: Sina is not staff"))?;
    let r = sina
        .refer(
            r.id,
            r.version,
            Holder::Staff(emma_id),
            "Tracking page shows an error?",
        )
        .await?;
    println!("سینا رحیمی -> Emma Brown: \"Tracking page shows an error?\"");
    tick(25);
    let r = emma
        .refer(
            r.id,
            r.version,
            Holder::Staff(sina_id),
            "Tracking works; the parcel is at the depot",
        )
        .await?;
    println!("Emma Brown -> سینا رحیمی: \"Tracking works; the parcel is at the depot\"");
    println!(
        "hops {}, ping-pongs {} (back to an earlier holder), bounced: {}",
        r.hops(),
        r.ping_pongs(),
        r.bounced()
    );

    heading(
        "6. Resolved, returned by the officer (maker-checker), resolved again, approved, replied",
    );
    tick(30);
    let r = sina
        .resolve(r.id, r.version, "سفارش شما فردا تحویل می‌شود.")
        .await?;
    println!(
        "سینا رحیمی resolves: \"سفارش شما فردا تحویل می‌شود.\" -> {}",
        r.status.as_str()
    );
    let review = cartable::load(maryam, cartable::View::Review, 10).await?;
    println!(
        "awaiting مریم احمدی's review: {} request(s)",
        review.items.len()
    );
    tick(10);
    let r = maryam
        .return_answer(r.id, r.version, "لطفاً کد رهگیری را هم بنویسید")
        .await?;
    println!(
        "مریم احمدی returns it: \"لطفاً کد رهگیری را هم بنویسید\" -> {}",
        r.status.as_str()
    );
    tick(20);
    let r = sina
        .resolve(
            r.id,
            r.version,
            "سفارش شما فردا تحویل می‌شود. کد رهگیری: ۱۲۳۴۵۶۷۸۹",
        )
        .await?;
    println!(
        "سینا رحیمی resolves again with the tracking code -> {}",
        r.status.as_str()
    );
    tick(5);
    let r = maryam.approve(r.id, r.version, "").await?;
    println!("مریم احمدی approves -> {}", r.status.as_str());
    // Ali agreed to hear from us by email when he became a customer: the survey may go too.
    let ali = maryam.customer(ali_id).await?;
    let agreed = crm::service::CustomerChanges {
        consent: vec![(Channel::Email, true)],
        ..Default::default()
    };
    maryam
        .update_customer(ali.id, Some(ali.version), agreed)
        .await?;
    let r = maryam.reply(r.id, r.version, None).await?;
    println!(
        "مریم احمدی replies on {} -> {}; recorded as an outbound interaction",
        r.reply.as_ref().map_or(r.channel, |x| x.channel),
        r.status.as_str()
    );
    deliver(ctx, mail_dir, r.id).await?;

    heading("7. The customer rates the answer; the officer closes the request");
    tick(40);
    let r = cast
        .survey
        .rate(r.id, r.version, 5, Some("ممنون، خیلی سریع بود"))
        .await?;
    println!("rating 5/5: \"ممنون، خیلی سریع بود\"");
    let r = maryam.close(r.id, r.version).await?;
    println!("request #{} is {}", r.number, r.status.as_str());

    heading("8. The Telegram sender is asked a question: the clock pauses until they answer");
    let t = john.request_by_number(third.request.number).await?;
    let t = john
        .wait_on_customer(t.id, t.version, "Asked which city and product")
        .await?;
    println!("John Carter asks Jane Doe -> {}", t.status.as_str());
    tick(45);
    let answer = InboundMessage::new(
        Channel::Social(SocialNetwork::Telegram),
        "tg-900018",
        Sender {
            handle: Some((SocialNetwork::Telegram, "@jane_doe_tehran".into())),
            ..Sender::default()
        },
        "Isfahan, the blue kettle.",
    );
    let joined = cast.channels.intake(answer).await?;
    println!(
        "Jane answers: request #{} {} -> {}",
        joined.request.number,
        if joined.joined { "joined" } else { "opened" },
        joined.request.status.as_str()
    );

    heading("9. A web form from a second address of the same person; the officer merges them");
    tick(5);
    let form: WebForm = serde_json::from_str(
        r#"{"submission_id": "wf-3001", "name": "Ali Rezaei", "email": "ali@work.example",
            "message": "Please send the invoice to my work address too.", "topic": "billing"}"#,
    )
    .map_err(|e| CliError::failure(e.to_string()))?;
    let web = cast.channels.intake_web_form(form).await?;
    intake::print_outcome(ctx, &dir, &web);
    if let Some(lead) = &web.customer {
        let ali = maryam.customer(ali_id).await?;
        let merged = maryam
            .merge_customers(ali.id, ali.version, lead.id, lead.version)
            .await?;
        let keys: Vec<&str> = merged.contacts.iter().map(|c| c.key.as_str()).collect();
        println!(
            "merged the new lead into {}: contacts {}",
            show::customer_name(&merged),
            keys.join(", ")
        );
    }
    let found = maryam
        .find_by_contact(ContactKind::Email, "ALI@work.example")
        .await?;
    println!(
        "find ALI@work.example -> {}",
        found.map_or("-".to_owned(), |c| show::customer_name(&c))
    );

    heading("10. The cartables now");
    let dir = ctx.directory().await?;
    for (who, session, view) in [
        ("مریم احمدی", maryam, cartable::View::Officers),
        (
            "رضا کریمی",
            cast.by_email("reza@acme.example")?,
            cartable::View::Mine,
        ),
        ("مریم احمدی", maryam, cartable::View::Overdue),
    ] {
        let page = cartable::load(session, view, 5).await?;
        println!(
            "{who}, {view:?}: {} shown{}",
            page.items.len(),
            if page.next.is_some() { " (more)" } else { "" }
        );
        if !page.items.is_empty() {
            println!("{}", show::request_table(ctx, &dir, &page.items));
        }
    }

    heading("11. The customer's 360° view");
    let view = maryam.customer_view(ali_id).await?;
    println!("{}", show::customer_view(ctx, &dir, &view));

    heading(&format!("12. The audit trail of request #{mail_no}"));
    let trail = cast
        .manager
        .audit_trail(Some(r.id.0), &PageRequest::first(50))
        .await?;
    for e in &trail.items {
        println!(
            "  {} {:<22} {:<16} {}",
            ctx.dates.datetime(e.at),
            safe(&dir.actor(&e.actor)),
            e.action.as_str(),
            safe(&e.detail)
        );
    }

    heading("13. The report of this Jalali quarter");
    let jalali = Dates {
        calendar: CalendarArg::Jalali,
        tz: ctx.dates.tz,
    };
    let period = jalali.current_quarter(clock_now(clock));
    let (from, to) = period
        .utc_range(jalali.tz)
        .map_err(|e| CliError::failure(e.to_string()))?;
    let data = cast.manager.request_report(from, to).await?;
    report::print_tables(&report::Document::new(&period, &jalali, &dir, &data));
    Ok(())
}

fn clock_now(clock: &Arc<ManualClock>) -> chrono::DateTime<chrono::Utc> {
    use crm::clock::Clock;
    clock.now()
}

/// Delivers the outbox as `crm run` does, with email written to `mail_dir`, and shows what
/// became of each message about request `id`.
async fn deliver(ctx: &Ctx, mail_dir: &Path, id: RequestId) -> CliResult<()> {
    let config = SmtpConfig::mail_dir(mail_dir)
        .from("Acme", "support@acme.example")
        .domain("acme.example");
    let email: Arc<dyn Notifier> =
        Arc::new(EmailNotifier::new(config).map_err(|e| CliError::failure(e.to_string()))?);
    let router = Router::new()
        .channel(Channel::Email, email.clone())
        .channel(Channel::WebForm, email.clone())
        .staff(email);
    let dispatcher = Dispatcher::new(
        ctx.crm.store().clone(),
        Arc::new(router),
        ctx.crm.clock().clone(),
        RetryPolicy::default(),
    );
    while dispatcher.dispatch_due(ctx.ws, MAX_PAGE).await?.handled() > 0 {}
    let session = ctx.system("demo").await?;
    println!(
        "the worker delivers the outbox (email as .eml files in {}):",
        mail_dir.display()
    );
    for m in session.deliveries(id.0).await? {
        if let Recipient::Customer {
            channel, address, ..
        } = &m.notification.recipient
        {
            println!(
                "  {} to {} {}: {}, subject {:?}{}",
                m.notification.event,
                channel,
                safe(address),
                m.status.as_str(),
                safe(&m.notification.subject),
                m.provider_ref
                    .as_deref()
                    .map(|r| format!(", Message-ID {}", safe(r)))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

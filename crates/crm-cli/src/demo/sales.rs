//! The sales story of the demo: a web-form lead, qualification, conversion, a deal through
//! the stages to won (and its order), another lost to a competitor, the forecast and the
//! quarter's won/lost report.

use super::cast::Cast;
use crate::CalendarArg;
use crate::commands::deals::money;
use crate::commands::sales_report;
use crate::context::Ctx;
use crate::dates::{Dates, duration};
use crate::error::CliResult;
use crate::output::{heading, safe};
use chrono::{DateTime, Duration, Utc};
use crm::clock::{Clock, ManualClock};
use crm::sales::{
    ForecastScope, LeadSource, LostReason, Money, Pipeline, QualificationLevel, SourceKind,
};
use crm::service::{ConvertLead, LeadDeal, NewDeal, WebForm};
use std::sync::Arc;

/// Tells the story, starting ten days before `now` so that it ends before it.
///
/// # Errors
/// The library's errors.
pub(crate) async fn sales(
    ctx: &Ctx,
    cast: &Cast,
    clock: &Arc<ManualClock>,
    now: DateTime<Utc>,
) -> CliResult<()> {
    clock.set(now - Duration::days(10));
    let tick = |hours: i64| clock.advance(Duration::hours(hours));
    let admin = cast.by_email("sara@acme.example")?;
    let sina = cast.by_email("sina@acme.example")?;
    let olivia = cast.by_email("olivia@acme.example")?;
    let dir = ctx.directory().await?;

    heading("14. Sales set-up: a pipeline with default probabilities, a product with a price");
    let pipeline = admin
        .create_pipeline("فروش سازمانی (B2B)", Pipeline::default_stages())
        .await?;
    for s in &pipeline.stages {
        println!(
            "  stage {:<14} {:>3}%  {}",
            s.key,
            s.probability,
            safe(&s.name)
        );
    }
    let chair = admin
        .create_product("CH-100", "صندلی اداری ارگونومیک")
        .await?;
    let list = admin.create_price_list("خرده‌فروشی", "IRR").await?;
    let price = Money::parse("۲۴٬۰۰۰٬۰۰۰", "IRR")?;
    admin
        .set_price(list.id, list.version, chair.id, price.clone())
        .await?;
    println!(
        "  product {} {}: {}",
        chair.sku,
        safe(&chair.name),
        money(&price)
    );

    heading("15. A web lead form arrives (no request opens in the cartable)");
    let form: WebForm = serde_json::from_value(serde_json::json!({
        "submission_id": "lead-form-7731",
        "name": "نازنین صالحی",
        "email": "nazanin@parsdesign.example",
        "phone": "۰۹۳۵ ۴۴۴ ۱۲۱۲",
        "subject": "خرید صندلی برای دفتر جدید",
        "message": "برای ۲۰ نفر صندلی اداری می‌خواهیم. لطفاً پیش‌فاکتور بفرستید."
    }))
    .map_err(|e| crate::error::CliError::failure(e.to_string()))?;
    let mut source = LeadSource::of(SourceKind::WebForm);
    source.campaign = Some("nowruz-1405".into());
    source.medium = Some("instagram".into());
    let capture = cast
        .channels
        .capture_lead_form(form.clone(), source.clone())
        .await?;
    let lead = capture.lead;
    println!(
        "  lead {} {} from {} (campaign {}, medium {})",
        lead.id,
        safe(&lead.name),
        lead.source.kind.as_str(),
        source.campaign.as_deref().unwrap_or("-"),
        source.medium.as_deref().unwrap_or("-")
    );
    let again = cast.channels.capture_lead_form(form, source).await?;
    println!(
        "  the same submission again: {} (one lead, version {})",
        if again.created {
            "a new lead?!"
        } else {
            "recognised"
        },
        again.lead.version
    );

    heading("16. Sina qualifies the lead and converts it: a customer and a deal, one commit");
    tick(2);
    let lead = sina
        .qualify_lead(lead.id, None, QualificationLevel::SalesQualified, None)
        .await?;
    println!("  {} -> {}", safe(&lead.name), lead.status.as_str());
    tick(1);
    let close = (clock.now() + Duration::days(14)).date_naive();
    let how = ConvertLead {
        deal: Some(LeadDeal {
            title: "۲۰ صندلی ارگونومیک برای دفتر جدید".into(),
            pipeline: pipeline.id,
            amount: Money::parse("480000000", "IRR")?,
            stage: None,
            expected_close: Some(close),
        }),
        owner: None,
    };
    let out = sina.convert_lead(lead.id, how).await?;
    println!(
        "  customer {} ({}), deal {}",
        crate::commands::show::customer_name(&out.customer),
        if out.joined_existing {
            "joined an existing customer"
        } else {
            "new"
        },
        out.deal
            .as_ref()
            .map_or("-".to_owned(), |d| d.id.to_string())
    );
    let Some(mut deal) = out.deal else {
        return Ok(());
    };

    heading("17. The deal through the stages, to won");
    for (hours, stage) in [(26, "needs"), (50, "proposal"), (70, "negotiation")] {
        tick(hours);
        deal = sina.move_deal(deal.id, Some(deal.version), stage).await?;
        println!("  {} moved to {stage}", ctx.dates.datetime(clock.now()));
    }
    tick(30);
    deal = sina.win_deal(deal.id, Some(deal.version)).await?;
    println!("  won: {}", money(&deal.amount));
    let order = sina.order_from_deal(deal.id).await?;
    println!(
        "  order {} recorded: {} ({})",
        order.id,
        money(&order.total),
        order.status.as_str()
    );
    println!("  time in each stage (calendar / business hours of the Iranian office week):");
    for t in sina.deal_stage_times(deal.id).await? {
        println!(
            "    {:<14} {:>8} / {}",
            t.position.to_string(),
            duration(Some(t.calendar)),
            duration(Some(t.business))
        );
    }

    heading("18. Olivia loses a deal to a competitor (a lost deal needs a typed reason)");
    let customer = cast
        .customers
        .get(1)
        .map(|c| c.id)
        .unwrap_or(out.customer.id);
    let other = olivia
        .create_deal(NewDeal::new(
            "تمدید قرارداد نگهداری",
            customer,
            pipeline.id,
            Money::parse("120000000", "IRR")?,
        ))
        .await?;
    tick(20);
    olivia.move_deal(other.id, None, "proposal").await?;
    tick(48);
    let refused = olivia
        .lose_deal(other.id, None, LostReason::Competitor { name: " ".into() })
        .await;
    if let Err(e) = refused {
        println!("  without the competitor's name: refused ({e})");
    }
    let lost = olivia
        .lose_deal(
            other.id,
            None,
            LostReason::Competitor {
                name: "پارس‌آفیس".into(),
            },
        )
        .await?;
    println!(
        "  lost: {}",
        lost.lost_reason
            .as_ref()
            .map_or("-".to_owned(), |r| safe(&r.to_string()))
    );
    // Two more open deals make a forecast.
    for (title, amount, stage) in [
        ("میز کنفرانس", "95000000", "proposal"),
        ("کمد بایگانی", "60000000", "needs"),
    ] {
        let new = NewDeal {
            stage: Some(stage.into()),
            expected_close: Some(close),
            ..NewDeal::new(
                title,
                out.customer.id,
                pipeline.id,
                Money::parse(amount, "IRR")?,
            )
        };
        sina.create_deal(new).await?;
    }

    heading("19. The forecast of this Jalali quarter, and its snapshot");
    let frozen = admin.freeze_forecasts(clock.now()).await?;
    println!("  {frozen} forecast snapshots frozen (the worker does this on a schedule)");
    let jalali = Dates {
        calendar: CalendarArg::Jalali,
        tz: ctx.dates.tz,
    };
    let period = jalali.current_quarter(clock.now());
    let forecast = cast
        .manager
        .forecast(period, ForecastScope::Workspace)
        .await?;
    for (currency, line) in &forecast.lines {
        println!(
            "  {currency}: {} open deals worth {}, weighted {}; won {}; expected {}",
            line.open_deals,
            line.pipeline.normalize(),
            line.weighted.normalize(),
            line.won.normalize(),
            line.expected().normalize()
        );
    }
    let sina_id = sina.principal().staff_id();
    if let Some(id) = sina_id {
        let mine = cast
            .manager
            .forecast(period, ForecastScope::Owner(id))
            .await?;
        for (currency, line) in &mine.lines {
            println!(
                "  {}: expected {} {currency}",
                safe(&dir.staff_name(id)),
                line.expected().normalize()
            );
        }
    }

    heading(&format!("20. The won/lost report of {}", period.label()));
    let jalali_ctx = Ctx::from_parts(ctx.crm.clone(), ctx.sled.clone(), ctx.ws, jalali, None);
    sales_report::print_period(&jalali_ctx, &cast.manager, period).await?;
    Ok(())
}

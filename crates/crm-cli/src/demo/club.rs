//! The club story: a member's year in the customer club, from joining to a voucher, a refund,
//! points expiring and the balance at the end.

use super::cast::Cast;
use crate::commands::deals::money;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{heading, safe};
use chrono::{DateTime, Duration, Utc};
use crm::clock::ManualClock;
use crm::club::{EarningRule, ExpiryPolicy, RewardKind, Tier, TierBasis, TierRules, TierWindow};
use crm::sales::{Currency, Money, Order};
use crm::service::{NewOrder, NewProgramme};
use crm::store::PageRequest;
use crm::{Session, id::CustomerId};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Days of a demo month.
const MONTH: i64 = 30;

/// Tells the story over the year before `now`, a month being 30 days.
///
/// # Errors
/// The library's errors.
pub(crate) async fn club(
    ctx: &Ctx,
    cast: &Cast,
    clock: &Arc<ManualClock>,
    now: DateTime<Utc>,
) -> CliResult<()> {
    let start = now - Duration::days(12 * MONTH);
    let month = |m: i64| clock.set(start + Duration::days(m * MONTH));
    let admin = cast.by_email("sara@acme.example")?;
    let sina = cast.by_email("sina@acme.example")?;
    let ali = cast
        .customers
        .first()
        .ok_or_else(|| CliError::failure("the demo has no customers"))?;

    heading("24. The customer club: 1 point per 10,000 IRR, tiers by spend, a voucher reward");
    month(0);
    let irr = Currency::irr();
    let mut new = NewProgramme::new("باشگاه مشتریان آکمه");
    new.rules = vec![
        EarningRule::PerAmount {
            currency: irr.clone(),
            per: Decimal::from(10_000),
            points: 1,
        },
        EarningRule::Joining { points: 500 },
    ];
    new.expiry = ExpiryPolicy::Lifetime { days: 270 };
    new.notice_days = 30;
    new.tiers = TierRules {
        basis: TierBasis::Spend {
            currency: irr.clone(),
        },
        window: TierWindow::Rolling12Months,
        tiers: vec![
            tier("عضو", 0, 100),
            tier("نقره‌ای", 30_000_000, 125),
            tier("طلایی", 100_000_000, 150),
        ],
        grace_days: 30,
    };
    let programme = admin.create_programme(new).await?;
    let reward = admin
        .add_reward(
            programme.id,
            "کارت هدیهٔ ۵۰۰ هزار تومانی",
            1_500,
            RewardKind::Voucher,
        )
        .await?;
    println!(
        "  {}: tiers عضو (x1), نقره‌ای from 30000000 IRR (x1.25), طلایی from 100000000 IRR \
         (x1.5); points live 270 days",
        safe(&programme.name)
    );

    heading(&format!(
        "25. {} joins the club (a joining bonus)",
        safe(&ali.display_name())
    ));
    let card = sina.join_club(programme.id, ali.id).await?;
    let b = sina.club_balance(card.id).await?;
    println!(
        "  card {}, tier {}, balance {}",
        card.number.grouped(),
        card.tier,
        b.balance
    );

    heading("26. Over the months, paid orders earn points; spend moves the member up a tier");
    month(1);
    buy(sina, ali.id, 12_000_000).await?;
    month(3);
    buy(sina, ali.id, 25_000_000).await?;

    heading("27. A reward from the catalogue: points held, the hold captured, a voucher code");
    month(4);
    let (hold, voucher) = sina
        .redeem_reward(card.id, reward.id, "demo-gift-1")
        .await?;
    println!(
        "  {}: hold of {} points {}, voucher {}",
        safe(&reward.name),
        hold.points,
        hold.status.as_str(),
        voucher.as_ref().map_or("-", |v| v.code.as_str())
    );

    heading("28. An order is refunded: the points it earned are reversed");
    month(5);
    let refunded = buy(sina, ali.id, 8_000_000).await?;
    month(6);
    let refunded = sina.refund_order(refunded.id, refunded.version).await?;
    let b = sina.club_balance(card.id).await?;
    println!(
        "  order of {} refunded; balance {}",
        money(&refunded.total),
        b.balance
    );

    heading("29. The club job: a lot earned ten months ago expires");
    month(10);
    clock.advance(Duration::days(5));
    let worker = ctx.system("worker").await?;
    let run = worker.run_club_expiry(crm::worker::CLUB_BATCH).await?;
    println!(
        "  expired {} lot(s), {} points; {} notice(s) of points about to expire",
        run.expired_lots, run.expired_points, run.noticed
    );
    month(11);
    buy(sina, ali.id, 15_000_000).await?;

    heading("30. The member at the end of the year");
    let card = sina.card(card.id).await?;
    let b = sina.club_balance(card.id).await?;
    println!(
        "  club balance {} points (available {}), tier {}",
        b.balance, b.available, card.tier
    );
    let last = sina
        .club_ledger(card.id, true, &PageRequest::first(6))
        .await?;
    for e in &last.items {
        println!(
            "  {} {:<8} {:>6} -> {:>5}  {}",
            ctx.dates.date(e.at),
            e.kind.as_str(),
            e.points,
            e.balance,
            safe(&e.reason)
        );
    }
    Ok(())
}

/// A tier from `threshold` IRR of spend with a multiplier of `percent`.
fn tier(name: &str, threshold: i64, percent: u32) -> Tier {
    Tier {
        name: name.to_owned(),
        threshold: Decimal::from(threshold),
        multiplier: percent,
    }
}

/// Records a paid order of `amount` IRR (it earns the member's points) and prints it.
async fn buy(session: &Session, customer: CustomerId, amount: i64) -> CliResult<Order> {
    let order = session
        .record_order(NewOrder {
            customer,
            lines: Vec::new(),
            total: Some(Money::new(Decimal::from(amount), Currency::irr())?),
            ordered_at: None,
        })
        .await?;
    let card = session
        .customer_cards(customer)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::failure("the customer has no card"))?;
    let b = session.club_balance(card.id).await?;
    println!(
        "  order of {}: balance {} points, tier {}",
        money(&order.total),
        b.balance,
        card.tier
    );
    Ok(order)
}

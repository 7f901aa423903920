//! Forecasts per period and scope, the snapshots the scheduled worker freezes, and forecast
//! accuracy against them.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::calendar::{JalaliDate, Period};
use crate::error::{Error, Result};
use crate::id::ForecastSnapshotId;
use crate::record::Key;
use crate::sales::{
    AccuracyLine, Currency, DEAL_CLOSED, DEAL_OPEN_BY_CLOSE, Deal, DealStatus, Forecast,
    ForecastAccuracy, ForecastLine, ForecastScope, ForecastSnapshot, Pipeline, SNAPSHOT_BY_PERIOD,
    day_number,
};
use crate::store::{Commit, Scan, StoreExt};
use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The deals a forecast of one period reads: open deals expected to close in it, and deals
/// won in it.
pub(super) struct PeriodDeals {
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
    pub(super) open: Vec<Deal>,
    pub(super) won: Vec<Deal>,
}

/// Whether `deal` is in `scope`.
pub(super) fn in_scope(deal: &Deal, scope: &ForecastScope) -> bool {
    match scope {
        ForecastScope::Workspace => true,
        ForecastScope::Owner(o) => deal.owner == *o,
        ForecastScope::Department(d) => deal.department == Some(*d),
        ForecastScope::Pipeline(p) => deal.pipeline == *p,
    }
}

/// The forecast lines of the deals of `scope`: open deals weighted by their probability
/// (set by hand or their stage's default in `pipelines`), won deals at their value.
pub(super) fn forecast_lines(
    deals: &PeriodDeals,
    pipelines: &[Pipeline],
    scope: &ForecastScope,
) -> BTreeMap<Currency, ForecastLine> {
    let mut lines: BTreeMap<Currency, ForecastLine> = BTreeMap::new();
    for deal in deals.open.iter().filter(|d| in_scope(d, scope)) {
        let default = pipelines
            .iter()
            .find(|p| p.id == deal.pipeline)
            .and_then(|p| p.stage(&deal.stage))
            .map_or(0, |s| s.probability);
        let line = lines.entry(deal.amount.currency.clone()).or_default();
        line.open_deals += 1;
        line.pipeline += deal.amount.amount;
        line.weighted += deal.weighted(deal.effective_probability(default));
    }
    for deal in deals.won.iter().filter(|d| in_scope(d, scope)) {
        let line = lines.entry(deal.amount.currency.clone()).or_default();
        line.won_deals += 1;
        line.won += deal.amount.amount;
    }
    lines
}

impl Session {
    /// The deals of `period` in the workspace's time zone.
    pub(super) async fn period_deals(&self, period: &Period) -> Result<PeriodDeals> {
        let tz = self.work_calendar().await?.tz;
        let (from, to) = period
            .utc_range(tz)
            .map_err(|e| Error::invalid("period", e.to_string()))?;
        let first_day = from.with_timezone(&tz).date_naive();
        let end_day = to.with_timezone(&tz).date_naive();
        let open = self
            .collect::<Deal>(
                Scan::index(DEAL_OPEN_BY_CLOSE)
                    .from(&Key::new().i64(day_number(first_day)))
                    .until(&Key::new().i64(day_number(end_day))),
            )
            .await?;
        let won = self.closed_between(from, to).await?;
        let won = won
            .into_iter()
            .filter(|d| d.status == DealStatus::Won)
            .collect();
        Ok(PeriodDeals {
            from,
            to,
            open,
            won,
        })
    }

    /// Deals won or lost in `[from, to)`, by closing time.
    pub(super) async fn closed_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Deal>> {
        self.collect::<Deal>(
            Scan::index(DEAL_CLOSED)
                .from(&Key::new().time(from))
                .until(&Key::new().time(to)),
        )
        .await
    }

    /// The weighted forecast of `period` (in the time zone of the workspace's work calendar)
    /// for `scope`: per currency, open deals expected to close in the period (count, value,
    /// value weighted by probability) and deals won in it.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a period out of range; [`Error::Unauthorized`] unless a manager
    /// or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "forecast", record = tracing::field::Empty))]
    pub async fn forecast(&self, period: Period, scope: ForecastScope) -> Result<Forecast> {
        self.check(Permission::ReadSalesReports, None)?;
        let deals = self.period_deals(&period).await?;
        let pipelines = self.store().all::<Pipeline>(self.ws).await?;
        Ok(Forecast {
            period,
            from: deals.from,
            to: deals.to,
            scope,
            lines: forecast_lines(&deals, &pipelines, &scope),
        })
    }

    /// Freezes the forecast snapshots of the periods containing `at` (the Jalali and the
    /// Gregorian month, quarter and year, in the work calendar's time zone), for the workspace, every
    /// pipeline, every department and every owner with deals in the period. One snapshot per
    /// period, scope and local day: calling again the same day (or concurrently) writes
    /// nothing new. Returns how many snapshots this call wrote. The scheduled worker calls it.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless an administrator or the system.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "freeze_forecasts", record = tracing::field::Empty))]
    pub async fn freeze_forecasts(&self, at: DateTime<Utc>) -> Result<usize> {
        self.check(Permission::FreezeForecasts, None)?;
        let tz = self.work_calendar().await?.tz;
        let local = at.with_timezone(&tz);
        let jalali = JalaliDate::from_instant(at, tz);
        let periods = [
            Period::JalaliMonth {
                year: jalali.year,
                month: jalali.month,
            },
            Period::JalaliQuarter {
                year: jalali.year,
                quarter: jalali.quarter(),
            },
            Period::GregorianMonth {
                year: local.year(),
                month: u8::try_from(local.month()).unwrap_or(1),
            },
            Period::GregorianQuarter {
                year: local.year(),
                quarter: u8::try_from((local.month() - 1) / 3 + 1).unwrap_or(1),
            },
            Period::JalaliYear { year: jalali.year },
            Period::GregorianYear { year: local.year() },
        ];
        let day = local.date_naive().format("%Y-%m-%d").to_string();
        let pipelines = self.store().all::<Pipeline>(self.ws).await?;
        let mut snapshots = Vec::new();
        for period in periods {
            let deals = self.period_deals(&period).await?;
            let mut scopes = BTreeSet::from([ForecastScope::Workspace]);
            scopes.extend(pipelines.iter().map(|p| ForecastScope::Pipeline(p.id)));
            for deal in deals.open.iter().chain(&deals.won) {
                scopes.insert(ForecastScope::Owner(deal.owner));
                if let Some(d) = deal.department {
                    scopes.insert(ForecastScope::Department(d));
                }
            }
            for scope in scopes {
                snapshots.push((period, scope, forecast_lines(&deals, &pipelines, &scope)));
            }
        }
        let (snapshots, day) = (&snapshots, &day);
        retry_on_conflict(RetryOn::AnyConflict, move || async move {
            let mut commit = Commit::new();
            let mut written = 0;
            for (period, scope, lines) in snapshots {
                let key = ForecastSnapshot::key_of(period, scope, day);
                if self.store().holder(self.ws, &key).await?.is_some() {
                    continue;
                }
                commit.put(ForecastSnapshot {
                    id: ForecastSnapshotId(self.new_id()),
                    version: 1,
                    period: *period,
                    scope: *scope,
                    day: day.clone(),
                    taken_at: at,
                    lines: lines.clone(),
                });
                written += 1;
            }
            if written > 0 {
                self.audit(
                    &mut commit,
                    AuditAction::ForecastFrozen,
                    super::workspace_ref(self.ws),
                    &format!("{written} snapshots of {day}"),
                );
                self.commit(commit).await?;
            }
            Ok(written)
        })
        .await
    }

    /// The snapshots of `period` for `scope`, oldest first.
    ///
    /// # Errors
    /// [`Error::Unauthorized`] unless a manager or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "forecast_snapshots", record = tracing::field::Empty))]
    pub async fn forecast_snapshots(
        &self,
        period: Period,
        scope: ForecastScope,
    ) -> Result<Vec<ForecastSnapshot>> {
        self.check(Permission::ReadSalesReports, None)?;
        let all = self
            .collect::<ForecastSnapshot>(
                Scan::index(SNAPSHOT_BY_PERIOD).prefix(&Key::new().text(&period.label())),
            )
            .await?;
        Ok(all.into_iter().filter(|s| s.scope == scope).collect())
    }

    /// Forecast accuracy: what was won in `period` (so far) for `scope` (a person: an owner)
    /// against what each of its snapshots expected, oldest snapshot first.
    ///
    /// # Errors
    /// As [`Session::forecast`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "forecast_accuracy", record = tracing::field::Empty))]
    pub async fn forecast_accuracy(
        &self,
        period: Period,
        scope: ForecastScope,
    ) -> Result<Vec<ForecastAccuracy>> {
        let now = self.forecast(period, scope).await?;
        let snapshots = self.forecast_snapshots(period, scope).await?;
        Ok(snapshots
            .into_iter()
            .map(|snapshot| {
                let currencies: BTreeSet<&Currency> =
                    snapshot.lines.keys().chain(now.lines.keys()).collect();
                let lines = currencies
                    .into_iter()
                    .map(|c| {
                        let expected = snapshot
                            .lines
                            .get(c)
                            .map_or(Decimal::ZERO, ForecastLine::expected);
                        let actual = now.lines.get(c).map_or(Decimal::ZERO, |l| l.won);
                        (c.clone(), AccuracyLine { expected, actual })
                    })
                    .collect();
                ForecastAccuracy { snapshot, lines }
            })
            .collect())
    }
}

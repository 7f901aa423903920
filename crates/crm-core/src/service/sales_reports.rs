//! The won/lost report over any window.

use super::Session;
use super::summaries::SUMMARY_BATCH;
use crate::access::Permission;
use crate::calendar::Period;
use crate::error::{Error, Result};
use crate::record::Key;
use crate::sales::{
    CLOSED_SORT_LEN, ClosedDeal, DEAL_CLOSED, Deal, DealStatus, Pipeline, StageConversion,
    WonLostReport, WonLostRow,
};
use crate::store::{Scan, StoreExt};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

fn tally(row: &mut WonLostRow, deal: &ClosedDeal) {
    match deal.status {
        DealStatus::Won => {
            row.won += 1;
            *row.won_value
                .entry(deal.amount.currency.clone())
                .or_default() += deal.amount.amount;
        }
        DealStatus::Lost => row.lost += 1,
        DealStatus::Open => {}
    }
}

fn average(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Per stage of `pipeline`, how many of `deals` reached it and how many of those went on to a
/// later stage or were won.
fn conversion(pipeline: &Pipeline, deals: &[&ClosedDeal]) -> Vec<StageConversion> {
    let reached: Vec<(BTreeSet<usize>, bool)> = deals
        .iter()
        .map(|d| {
            let stages = d
                .stages
                .iter()
                .filter_map(|k| pipeline.position(k))
                .collect();
            (stages, d.status == DealStatus::Won)
        })
        .collect();
    pipeline
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let at: Vec<_> = reached.iter().filter(|(s, _)| s.contains(&i)).collect();
            let advanced = at
                .iter()
                .filter(|(s, won)| *won || s.iter().any(|j| *j > i))
                .count();
            StageConversion {
                stage: stage.key.clone(),
                reached: at.len() as u64,
                advanced: advanced as u64,
            }
        })
        .collect()
}

impl Session {
    /// The won/lost report of deals closed (won or lost) in `[from, to)`: counts, values,
    /// win rate, lost reasons, competitors, sources, owners, average cycle length and
    /// conversion between the stages of each pipeline. Workspace-wide (managers and
    /// administrators).
    ///
    /// # Errors
    /// [`Error::Invalid`] when `to` is not after `from`; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "won_lost_report", record = tracing::field::Empty))]
    pub async fn won_lost_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<WonLostReport> {
        self.check(Permission::ReadSalesReports, None)?;
        if to <= from {
            return Err(Error::invalid("period", "the end must be after the start"));
        }
        let deals = self.closed_summaries(from, to).await?;
        let pipelines = self.store().all::<Pipeline>(self.ws).await?;
        let mut report = WonLostReport {
            from,
            to,
            total: WonLostRow::default(),
            lost_value: BTreeMap::new(),
            reasons: BTreeMap::new(),
            competitors: BTreeMap::new(),
            sources: BTreeMap::new(),
            owners: BTreeMap::new(),
            avg_cycle_days_won: average(
                deals
                    .iter()
                    .filter(|d| d.status == DealStatus::Won)
                    .map(ClosedDeal::cycle_days),
            ),
            avg_cycle_days: average(deals.iter().map(ClosedDeal::cycle_days)),
            conversion: BTreeMap::new(),
        };
        for deal in &deals {
            tally(&mut report.total, deal);
            tally(report.owners.entry(deal.owner).or_default(), deal);
            let source = deal.source.map_or("-", |s| s.as_str()).to_owned();
            tally(report.sources.entry(source).or_default(), deal);
            if deal.status == DealStatus::Lost {
                *report
                    .lost_value
                    .entry(deal.amount.currency.clone())
                    .or_default() += deal.amount.amount;
                if let Some(reason) = &deal.reason {
                    *report.reasons.entry(reason.clone()).or_default() += 1;
                }
                if let Some(name) = &deal.competitor {
                    *report.competitors.entry(name.clone()).or_default() += 1;
                }
            }
        }
        for pipeline in &pipelines {
            let of_it: Vec<&ClosedDeal> =
                deals.iter().filter(|d| d.pipeline == pipeline.id).collect();
            if !of_it.is_empty() {
                report
                    .conversion
                    .insert(pipeline.name.clone(), conversion(pipeline, &of_it));
            }
        }
        Ok(report)
    }

    /// [`Session::won_lost_report`] over `period` in the work calendar's time zone.
    ///
    /// # Errors
    /// As [`Session::won_lost_report`], and [`Error::Invalid`] for a period out of range.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "won_lost_report_for", record = tracing::field::Empty))]
    pub async fn won_lost_report_for(&self, period: Period) -> Result<WonLostReport> {
        let tz = self.work_calendar().await?.tz;
        let (from, to) = period
            .utc_range(tz)
            .map_err(|e| Error::invalid("period", e.to_string()))?;
        self.won_lost_report(from, to).await
    }

    /// The summaries of the deals won or lost in `[from, to)`, by closing time, read from
    /// the [`DEAL_CLOSED`] keys alone (a deal whose summary was left out is fetched).
    async fn closed_summaries(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ClosedDeal>> {
        let scan = Scan::index(DEAL_CLOSED)
            .from(&Key::new().time(from))
            .until(&Key::new().time(to))
            .keys_only()
            .limit(SUMMARY_BATCH);
        self.summaries(scan, CLOSED_SORT_LEN, true, |id| async move {
            let deal = self.store().fetch::<Deal>(self.ws, id).await?;
            Ok(ClosedDeal::of(&deal))
        })
        .await
    }
}

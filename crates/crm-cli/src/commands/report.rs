//! `crm report`: the cartable report of a period, as tables, JSON or CSV.

use crate::CalendarArg;
use crate::context::{Ctx, Directory};
use crate::dates::{Dates, duration, period_label};
use crate::error::{CliError, CliResult};
use crate::output::{heading, json, print_csv, safe, table};
use clap::{Args, ValueEnum};
use crm::calendar::Period;
use crm::service::{LoadRow, RequestReport, TimeStats};
use serde::Serialize;
use std::process::ExitCode;

/// `crm report`.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The period: `1405-Q3`, `1405-07`, `1405` (Jalali: years below 1700), `2026-Q1`,
    /// `2026-03`, `2026` (Gregorian), with an optional `jalali:`/`gregorian:` prefix, or
    /// `FROM..TO` in RFC 3339 [default: this quarter in --calendar].
    #[arg(long)]
    period: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Another report than the cartable's.
    #[command(subcommand)]
    kind: Option<ReportKind>,
}

/// The reports besides the cartable's.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ReportKind {
    /// The sales report of a period: won and lost (counts, values, win rate, reasons,
    /// competitors, sources, owners, cycle, conversion between stages) and the forecast.
    Sales(super::sales_report::SalesReportArgs),
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Tables for people.
    Table,
    /// One JSON document.
    Json,
    /// `section,key,metric,value` rows.
    Csv,
}

/// Runs the report.
///
/// # Errors
/// Invalid input for a bad period; the library's errors (agents may not read reports).
pub(crate) async fn run(ctx: &Ctx, a: ReportArgs) -> CliResult<ExitCode> {
    if let Some(ReportKind::Sales(args)) = a.kind {
        return super::sales_report::run(ctx, args).await;
    }
    let session = ctx.session().await?;
    let period = match &a.period {
        Some(p) => {
            Period::parse(p).map_err(|e| CliError::invalid(format!("--period {p:?}: {e}")))?
        }
        None => ctx.dates.current_quarter(chrono::Utc::now()),
    };
    let (from, to) = period
        .utc_range(ctx.dates.tz)
        .map_err(|e| CliError::invalid(format!("period {period}: {e}")))?;
    let report = session.request_report(from, to).await?;
    let dir = ctx.directory().await?;
    let doc = Document::new(&period, &ctx.dates, &dir, &report);
    match a.format {
        Format::Table => print_tables(&doc),
        Format::Json => {
            println!(
                "{}",
                json(&doc).map_err(|e| CliError::failure(e.to_string()))?
            );
        }
        Format::Csv => print_csv(&doc.csv_rows()).map_err(|e| CliError::failure(e.to_string()))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Median and 90th percentile, in seconds and for people.
#[derive(Debug, Serialize)]
pub(crate) struct Times {
    count: usize,
    median_seconds: Option<i64>,
    p90_seconds: Option<i64>,
    median: String,
    p90: String,
}

impl From<&TimeStats> for Times {
    fn from(t: &TimeStats) -> Self {
        Self {
            count: t.count,
            median_seconds: t.median.map(|d| d.num_seconds()),
            p90_seconds: t.p90.map(|d| d.num_seconds()),
            median: duration(t.median),
            p90: duration(t.p90),
        }
    }
}

/// One department's or person's row.
#[derive(Debug, Serialize)]
pub(crate) struct Load {
    name: String,
    id: String,
    handled: usize,
    holding: usize,
    resolved: usize,
    resolution: Times,
}

impl Load {
    fn new(name: String, id: String, row: &LoadRow) -> Self {
        Self {
            name,
            id,
            handled: row.handled,
            holding: row.holding,
            resolved: row.resolved,
            resolution: Times::from(&row.resolution),
        }
    }
}

/// How many requests had one channel or category.
#[derive(Debug, Serialize)]
pub(crate) struct Count {
    name: String,
    requests: usize,
}

/// `counts` as [`Count`]s, the most frequent first.
fn counts(counts: &std::collections::BTreeMap<String, usize>) -> Vec<Count> {
    let mut v: Vec<Count> = counts
        .iter()
        .map(|(name, requests)| Count {
            name: name.clone(),
            requests: *requests,
        })
        .collect();
    v.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.name.cmp(&b.name)));
    v
}

/// The report as printed: the library's figures with names and labels.
#[derive(Debug, Serialize)]
pub(crate) struct Document {
    period: String,
    label: String,
    calendar: &'static str,
    from: String,
    to: String,
    from_local: String,
    to_local: String,
    total: usize,
    by_channel: Vec<Count>,
    by_category: Vec<Count>,
    first_response: Times,
    resolution: Times,
    breach_rate: f64,
    bounced_unresolved: f64,
    satisfaction: Option<f64>,
    by_department: Vec<Load>,
    by_person: Vec<Load>,
}

impl Document {
    /// The document of `report` for `period`.
    pub(crate) fn new(
        period: &Period,
        dates: &Dates,
        dir: &Directory,
        report: &RequestReport,
    ) -> Self {
        Self {
            period: period.label(),
            label: period_label(period, dates),
            calendar: match dates.calendar {
                CalendarArg::Gregorian => "gregorian",
                CalendarArg::Jalali => "jalali",
            },
            from: report.from.to_rfc3339(),
            to: report.to.to_rfc3339(),
            from_local: dates.datetime(report.from),
            to_local: dates.datetime(report.to),
            total: report.total,
            by_channel: counts(&report.by_channel),
            by_category: counts(&report.by_category),
            first_response: Times::from(&report.first_response),
            resolution: Times::from(&report.resolution),
            breach_rate: report.breach_rate,
            bounced_unresolved: report.bounced_unresolved,
            satisfaction: report.satisfaction,
            by_department: report
                .by_department
                .iter()
                .map(|(id, row)| Load::new(dir.department_name(*id), id.to_string(), row))
                .collect(),
            by_person: report
                .by_person
                .iter()
                .map(|(id, row)| Load::new(dir.staff_name(*id), id.to_string(), row))
                .collect(),
        }
    }

    /// `section,key,metric,value` rows, with a header.
    fn csv_rows(&self) -> Vec<Vec<String>> {
        let mut rows = vec![vec![
            "section".into(),
            "key".into(),
            "metric".into(),
            "value".into(),
        ]];
        let mut push = |s: &str, k: &str, m: &str, v: String| {
            rows.push(vec![s.to_owned(), k.to_owned(), m.to_owned(), v]);
        };
        push("period", &self.period, "label", self.label.clone());
        push("period", &self.period, "from", self.from.clone());
        push("period", &self.period, "to", self.to.clone());
        push("summary", "", "total", self.total.to_string());
        push(
            "summary",
            "",
            "breach_rate",
            format!("{:.4}", self.breach_rate),
        );
        push(
            "summary",
            "",
            "bounced_unresolved",
            format!("{:.4}", self.bounced_unresolved),
        );
        push(
            "summary",
            "",
            "satisfaction",
            self.satisfaction
                .map_or(String::new(), |s| format!("{s:.2}")),
        );
        let secs = |v: Option<i64>| v.map_or(String::new(), |s| s.to_string());
        for (name, t) in [
            ("first_response", &self.first_response),
            ("resolution", &self.resolution),
        ] {
            push(name, "", "count", t.count.to_string());
            push(name, "", "median_seconds", secs(t.median_seconds));
            push(name, "", "p90_seconds", secs(t.p90_seconds));
        }
        for c in &self.by_channel {
            push("channel", &c.name, "requests", c.requests.to_string());
        }
        for c in &self.by_category {
            push("category", &c.name, "requests", c.requests.to_string());
        }
        for (section, loads) in [
            ("department", &self.by_department),
            ("person", &self.by_person),
        ] {
            for l in loads {
                push(section, &l.name, "handled", l.handled.to_string());
                push(section, &l.name, "holding", l.holding.to_string());
                push(section, &l.name, "resolved", l.resolved.to_string());
                push(
                    section,
                    &l.name,
                    "resolution_median_seconds",
                    secs(l.resolution.median_seconds),
                );
                push(
                    section,
                    &l.name,
                    "resolution_p90_seconds",
                    secs(l.resolution.p90_seconds),
                );
            }
        }
        rows
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Prints the report as tables.
pub(crate) fn print_tables(d: &Document) {
    println!("report {} — {}", d.period, safe(&d.label));
    println!("from {} to {} (exclusive)", d.from_local, d.to_local);
    let mut t = table(["measure", "value"]);
    t.add_row(["requests".to_owned(), d.total.to_string()]);
    t.add_row([
        "first response (business time): median / p90".to_owned(),
        format!(
            "{} / {} ({} answered)",
            d.first_response.median, d.first_response.p90, d.first_response.count
        ),
    ]);
    t.add_row([
        "resolution (business time): median / p90".to_owned(),
        format!(
            "{} / {} ({} replied)",
            d.resolution.median, d.resolution.p90, d.resolution.count
        ),
    ]);
    t.add_row(["deadline breached".to_owned(), percent(d.breach_rate)]);
    t.add_row([
        "bounced without reply (3+ hops or ping-pong)".to_owned(),
        percent(d.bounced_unresolved),
    ]);
    t.add_row([
        "satisfaction".to_owned(),
        d.satisfaction
            .map_or("-".to_owned(), |s| format!("{s:.2} / 5")),
    ]);
    println!("{t}");
    heading("volume per channel and category");
    let mut t = table(["channel", "requests"]);
    for c in &d.by_channel {
        t.add_row([safe(&c.name), c.requests.to_string()]);
    }
    println!("{t}");
    let mut t = table(["category", "requests"]);
    for c in &d.by_category {
        t.add_row([safe(&c.name), c.requests.to_string()]);
    }
    println!("{t}");
    for (title, loads) in [
        ("per department", &d.by_department),
        ("per person", &d.by_person),
    ] {
        heading(title);
        let mut t = table([
            "name",
            "handled",
            "holding",
            "resolved",
            "resolution median",
            "p90",
        ]);
        for l in loads {
            t.add_row([
                safe(&l.name),
                l.handled.to_string(),
                l.holding.to_string(),
                l.resolved.to_string(),
                l.resolution.median.clone(),
                l.resolution.p90.clone(),
            ]);
        }
        println!("{t}");
    }
}

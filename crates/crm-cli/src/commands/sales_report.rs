//! `crm report sales`: the won/lost report and the forecast of a period, as tables, JSON or
//! CSV.

use super::report::Format;
use crate::CalendarArg;
use crate::context::Ctx;
use crate::dates::period_label;
use crate::error::{CliError, CliResult};
use crate::output::{heading, json, print_csv, safe, table};
use clap::Args;
use crm::calendar::Period;
use crm::sales::{ForecastScope, WonLostRow};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// `crm report sales`.
#[derive(Debug, Args)]
pub(crate) struct SalesReportArgs {
    /// The period: `1405-Q3`, `1405-07`, `1405` (Jalali), `2026-Q1`, `2026-03`, `2026`
    /// (Gregorian), or `FROM..TO` in RFC 3339 [default: this quarter in --calendar].
    #[arg(long)]
    period: Option<String>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// Won and lost of one group.
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    won: u64,
    lost: u64,
    win_rate: Option<f64>,
    won_value: BTreeMap<String, String>,
}

impl Row {
    fn new(name: String, row: &WonLostRow) -> Self {
        Self {
            name,
            won: row.won,
            lost: row.lost,
            win_rate: row.win_rate(),
            won_value: values(&row.won_value),
        }
    }
}

fn values(v: &BTreeMap<crm::sales::Currency, rust_decimal::Decimal>) -> BTreeMap<String, String> {
    v.iter()
        .map(|(c, d)| (c.to_string(), d.normalize().to_string()))
        .collect()
}

/// One stage's conversion.
#[derive(Debug, Serialize)]
struct Conversion {
    pipeline: String,
    stage: String,
    reached: u64,
    advanced: u64,
    rate: Option<f64>,
}

/// The forecast in one currency.
#[derive(Debug, Serialize)]
struct ForecastRow {
    currency: String,
    open_deals: u64,
    pipeline: String,
    weighted: String,
    won_deals: u64,
    won: String,
    expected: String,
}

/// The report as printed.
#[derive(Debug, Serialize)]
struct Document {
    period: String,
    label: String,
    calendar: &'static str,
    from: String,
    to: String,
    from_local: String,
    to_local: String,
    total: Row,
    lost_value: BTreeMap<String, String>,
    reasons: BTreeMap<String, u64>,
    competitors: BTreeMap<String, u64>,
    sources: Vec<Row>,
    owners: Vec<Row>,
    avg_cycle_days_won: Option<f64>,
    avg_cycle_days: Option<f64>,
    conversion: Vec<Conversion>,
    forecast: Vec<ForecastRow>,
}

/// Runs the report.
///
/// # Errors
/// Invalid input for a bad period; the library's errors (only managers and administrators
/// read sales reports).
pub(crate) async fn run(ctx: &Ctx, a: SalesReportArgs) -> CliResult<ExitCode> {
    let session = ctx.session().await?;
    let period = match &a.period {
        Some(p) => {
            Period::parse(p).map_err(|e| CliError::invalid(format!("--period {p:?}: {e}")))?
        }
        None => ctx.dates.current_quarter(chrono::Utc::now()),
    };
    let doc = document(ctx, &session, period).await?;
    match a.format {
        Format::Table => print_tables(&doc),
        Format::Json => println!(
            "{}",
            json(&doc).map_err(|e| CliError::failure(e.to_string()))?
        ),
        Format::Csv => print_csv(&csv_rows(&doc)).map_err(|e| CliError::failure(e.to_string()))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The report of `period` as `session` sees it.
///
/// # Errors
/// The library's errors.
async fn document(ctx: &Ctx, session: &crm::Session, period: Period) -> CliResult<Document> {
    let report = session.won_lost_report_for(period).await?;
    let forecast = session.forecast(period, ForecastScope::Workspace).await?;
    let dir = ctx.directory().await?;
    Ok(Document {
        period: period.label(),
        label: period_label(&period, &ctx.dates),
        calendar: match ctx.dates.calendar {
            CalendarArg::Gregorian => "gregorian",
            CalendarArg::Jalali => "jalali",
        },
        from: report.from.to_rfc3339(),
        to: report.to.to_rfc3339(),
        from_local: ctx.dates.datetime(report.from),
        to_local: ctx.dates.datetime(report.to),
        total: Row::new("all".into(), &report.total),
        lost_value: values(&report.lost_value),
        reasons: report.reasons.clone(),
        competitors: report.competitors.clone(),
        sources: report
            .sources
            .iter()
            .map(|(s, r)| Row::new(s.clone(), r))
            .collect(),
        owners: report
            .owners
            .iter()
            .map(|(o, r)| Row::new(dir.staff_name(*o), r))
            .collect(),
        avg_cycle_days_won: report.avg_cycle_days_won,
        avg_cycle_days: report.avg_cycle_days,
        conversion: report
            .conversion
            .iter()
            .flat_map(|(p, stages)| {
                stages.iter().map(move |s| Conversion {
                    pipeline: p.clone(),
                    stage: s.stage.clone(),
                    reached: s.reached,
                    advanced: s.advanced,
                    rate: s.rate(),
                })
            })
            .collect(),
        forecast: forecast
            .lines
            .iter()
            .map(|(c, l)| ForecastRow {
                currency: c.to_string(),
                open_deals: l.open_deals,
                pipeline: l.pipeline.normalize().to_string(),
                weighted: l.weighted.normalize().to_string(),
                won_deals: l.won_deals,
                won: l.won.normalize().to_string(),
                expected: l.expected().normalize().to_string(),
            })
            .collect(),
    })
}

/// Prints the sales report of `period` as tables (the demo).
///
/// # Errors
/// The library's errors.
pub(crate) async fn print_period(
    ctx: &Ctx,
    session: &crm::Session,
    period: Period,
) -> CliResult<()> {
    print_tables(&document(ctx, session, period).await?);
    Ok(())
}

fn rate(r: Option<f64>) -> String {
    r.map_or("-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn join(v: &BTreeMap<String, String>) -> String {
    if v.is_empty() {
        return "0".to_owned();
    }
    v.iter()
        .map(|(c, a)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_tables(d: &Document) {
    println!("sales report {} — {}", d.period, safe(&d.label));
    println!("from {} to {} (exclusive)", d.from_local, d.to_local);
    let mut t = table(["measure", "value"]);
    t.add_row(["won".to_owned(), d.total.won.to_string()]);
    t.add_row(["lost".to_owned(), d.total.lost.to_string()]);
    t.add_row(["win rate".to_owned(), rate(d.total.win_rate)]);
    t.add_row(["value won".to_owned(), join(&d.total.won_value)]);
    t.add_row(["value lost".to_owned(), join(&d.lost_value)]);
    let days = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1} days"));
    t.add_row(["average cycle (won)".to_owned(), days(d.avg_cycle_days_won)]);
    t.add_row(["average cycle (closed)".to_owned(), days(d.avg_cycle_days)]);
    println!("{t}");
    heading("why deals were lost");
    let mut t = table(["reason", "deals"]);
    for (reason, n) in &d.reasons {
        t.add_row([reason.clone(), n.to_string()]);
    }
    println!("{t}");
    let mut t = table(["competitor", "deals lost to it"]);
    for (name, n) in &d.competitors {
        t.add_row([safe(name), n.to_string()]);
    }
    println!("{t}");
    for (title, rows) in [("per source", &d.sources), ("per owner", &d.owners)] {
        heading(title);
        let mut t = table(["name", "won", "lost", "win rate", "value won"]);
        for row in rows {
            t.add_row([
                safe(&row.name),
                row.won.to_string(),
                row.lost.to_string(),
                rate(row.win_rate),
                join(&row.won_value),
            ]);
        }
        println!("{t}");
    }
    heading("conversion between stages (deals closed in the period)");
    let mut t = table(["pipeline", "stage", "reached", "went further", "rate"]);
    for c in &d.conversion {
        t.add_row([
            safe(&c.pipeline),
            c.stage.clone(),
            c.reached.to_string(),
            c.advanced.to_string(),
            rate(c.rate),
        ]);
    }
    println!("{t}");
    heading("forecast (deals expected to close in the period, weighted)");
    let mut t = table([
        "currency",
        "open deals",
        "pipeline",
        "weighted",
        "won",
        "expected",
    ]);
    for f in &d.forecast {
        t.add_row([
            f.currency.clone(),
            f.open_deals.to_string(),
            f.pipeline.clone(),
            f.weighted.clone(),
            f.won.clone(),
            f.expected.clone(),
        ]);
    }
    println!("{t}");
}

/// `section,key,metric,value` rows, with a header.
fn csv_rows(d: &Document) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "section".into(),
        "key".into(),
        "metric".into(),
        "value".into(),
    ]];
    let mut push = |s: &str, k: &str, m: &str, v: String| {
        rows.push(vec![s.to_owned(), k.to_owned(), m.to_owned(), v]);
    };
    push("period", &d.period, "label", d.label.clone());
    push("period", &d.period, "from", d.from.clone());
    push("period", &d.period, "to", d.to.clone());
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
    for (section, rows) in [
        ("summary", std::slice::from_ref(&d.total)),
        ("source", d.sources.as_slice()),
        ("owner", d.owners.as_slice()),
    ] {
        for r in rows {
            push(section, &r.name, "won", r.won.to_string());
            push(section, &r.name, "lost", r.lost.to_string());
            push(section, &r.name, "win_rate", opt(r.win_rate));
            for (c, v) in &r.won_value {
                push(section, &r.name, &format!("won_value_{c}"), v.clone());
            }
        }
    }
    for (c, v) in &d.lost_value {
        push("summary", "all", &format!("lost_value_{c}"), v.clone());
    }
    push(
        "summary",
        "all",
        "avg_cycle_days_won",
        opt(d.avg_cycle_days_won),
    );
    push("summary", "all", "avg_cycle_days", opt(d.avg_cycle_days));
    for (reason, n) in &d.reasons {
        push("reason", reason, "lost", n.to_string());
    }
    for (name, n) in &d.competitors {
        push("competitor", name, "lost", n.to_string());
    }
    for c in &d.conversion {
        let key = format!("{}/{}", c.pipeline, c.stage);
        push("conversion", &key, "reached", c.reached.to_string());
        push("conversion", &key, "advanced", c.advanced.to_string());
    }
    for f in &d.forecast {
        push(
            "forecast",
            &f.currency,
            "open_deals",
            f.open_deals.to_string(),
        );
        push("forecast", &f.currency, "pipeline", f.pipeline.clone());
        push("forecast", &f.currency, "weighted", f.weighted.clone());
        push("forecast", &f.currency, "won", f.won.clone());
        push("forecast", &f.currency, "expected", f.expected.clone());
    }
    rows
}

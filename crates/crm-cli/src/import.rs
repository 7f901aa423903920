//! Customers as CSV: the format `crm export` writes and `crm import` reads.
//!
//! Columns (a header row names them; any order; all optional but a name):
//! `id`, `type` (`person` or `organisation`), `given_name`, `family_name`,
//! `organisation_name`, `stage` (`lead`, `qualified`, `customer`, ...), `email`, `mobile`,
//! `phone`, `social` (`telegram:@handle`), `tags`, `created_at`. Several values in one cell
//! are separated by `;`. `id` and `created_at` are written by export and ignored by import.
//!
//! Import takes each row on its own: a bad row is reported as `line N: reason` and nothing of
//! it is stored; the good rows go in. A dry run checks every row the same way (contact points
//! valid, not held by another customer, not repeated in the file) and changes nothing.

use crate::error::{CliError, CliResult};
use crm::Session;
use crm::channel::SocialNetwork;
use crm::customer::{ContactKind, ContactPoint, Customer, LifecycleStage, Party};
use crm::limits;
use crm::service::NewCustomer;
use std::collections::BTreeMap;

/// The columns, in the order export writes them.
pub(crate) const COLUMNS: [&str; 12] = [
    "id",
    "type",
    "given_name",
    "family_name",
    "organisation_name",
    "stage",
    "email",
    "mobile",
    "phone",
    "social",
    "tags",
    "created_at",
];

/// One customer as a CSV row in [`COLUMNS`] order.
pub(crate) fn to_row(c: &Customer) -> Vec<String> {
    let (kind, given, family, org) = match &c.party {
        Party::Person {
            given_name,
            family_name,
            ..
        } => (
            "person",
            given_name.clone(),
            family_name.clone(),
            String::new(),
        ),
        Party::Organisation { name } => {
            ("organisation", String::new(), String::new(), name.clone())
        }
    };
    let of = |wanted: &dyn Fn(ContactKind) -> bool| {
        c.contacts
            .iter()
            .filter(|p| wanted(p.kind))
            .map(|p| match p.kind {
                ContactKind::Social(n) => format!("{}:{}", n.as_str(), p.value),
                _ => p.value.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    vec![
        c.id.to_string(),
        kind.to_owned(),
        given,
        family,
        org,
        c.stage.as_str().to_owned(),
        of(&|k| k == ContactKind::Email),
        of(&|k| k == ContactKind::Mobile),
        of(&|k| k == ContactKind::Phone),
        of(&|k| matches!(k, ContactKind::Social(_))),
        c.tags.iter().cloned().collect::<Vec<_>>().join("; "),
        c.created_at.to_rfc3339(),
    ]
}

/// A row that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowError {
    /// The line of the file the row starts on.
    pub(crate) line: u64,
    /// Why.
    pub(crate) reason: String,
}

/// What an import (or a dry run) did.
#[derive(Debug, Default)]
pub(crate) struct ImportReport {
    /// Data rows read.
    pub(crate) rows: usize,
    /// Rows imported (or, in a dry run, that would be).
    pub(crate) imported: usize,
    /// Rows refused, in file order.
    pub(crate) errors: Vec<RowError>,
}

/// A row read and checked, ready to create.
struct Row {
    line: u64,
    customer: NewCustomer,
    keys: Vec<String>,
}

/// Reads the CSV text; checks the header.
///
/// # Errors
/// Invalid input for a file without a usable header (nothing is imported then).
fn read_rows(data: &[u8]) -> CliResult<(Vec<String>, Vec<csv::StringRecord>)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::invalid(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    if let Some(unknown) = header.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(CliError::invalid(format!(
            "unknown column {unknown:?}; the columns are {}",
            COLUMNS.join(", ")
        )));
    }
    if !header.iter().any(|h| {
        matches!(
            h.as_str(),
            "given_name" | "family_name" | "organisation_name"
        )
    }) {
        return Err(CliError::invalid(
            "the header needs given_name, family_name or organisation_name",
        ));
    }
    let mut records = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => records.push(r),
            Err(e) => {
                return Err(CliError::invalid(format!("the CSV file is malformed: {e}")));
            }
        }
    }
    Ok((header, records))
}

/// Checks one record and builds the customer, with its contact keys.
fn parse_row(
    header: &[String],
    record: &csv::StringRecord,
    session: &Session,
) -> Result<Row, RowError> {
    let line = record.position().map_or(0, |p| p.line());
    let fail = |reason: String| RowError { line, reason };
    let cell = |name: &str| -> &str {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .unwrap_or("")
    };
    if record.len() != header.len() {
        return Err(fail(format!(
            "{} fields, the header has {}",
            record.len(),
            header.len()
        )));
    }
    let (given, family, org) = (
        cell("given_name"),
        cell("family_name"),
        cell("organisation_name"),
    );
    let organisation = match cell("type").to_ascii_lowercase().as_str() {
        "organisation" | "organization" | "org" => true,
        "person" => false,
        "" => given.is_empty() && family.is_empty() && !org.is_empty(),
        other => {
            return Err(fail(format!(
                "type {other:?} is neither person nor organisation"
            )));
        }
    };
    let mut customer = if organisation {
        limits::required("organisation_name", org, limits::MAX_NAME)
            .map_err(|e| fail(e.to_string()))?;
        NewCustomer::organisation(org)
    } else {
        limits::line("given_name", given, limits::MAX_NAME).map_err(|e| fail(e.to_string()))?;
        limits::line("family_name", family, limits::MAX_NAME).map_err(|e| fail(e.to_string()))?;
        if given.is_empty() && family.is_empty() {
            return Err(fail("a person needs a given or family name".to_owned()));
        }
        NewCustomer::person(given, family)
    };
    let stage = cell("stage");
    if !stage.is_empty() {
        customer.stage = stage
            .to_ascii_lowercase()
            .parse::<LifecycleStage>()
            .map_err(|_| fail(format!("unknown stage {stage:?}")))?;
    }
    let mut keys = Vec::new();
    let mut add = |kind: ContactKind, value: &str, customer: &mut NewCustomer| {
        let point = ContactPoint::parse(kind, value, None, session.region())
            .map_err(|e| fail(e.to_string()))?;
        if keys.contains(&point.key) {
            return Err(fail(format!("{} given twice", point.key)));
        }
        keys.push(point.key);
        customer
            .contacts
            .push(crm::service::ContactInput::new(kind, value));
        Ok(())
    };
    for (column, kind) in [
        ("email", ContactKind::Email),
        ("mobile", ContactKind::Mobile),
        ("phone", ContactKind::Phone),
    ] {
        for value in split(cell(column)) {
            add(kind, value, &mut customer)?;
        }
    }
    for value in split(cell("social")) {
        let (network, handle) = value
            .split_once(':')
            .ok_or_else(|| fail(format!("social {value:?} is not NETWORK:HANDLE")))?;
        let network = network
            .trim()
            .parse::<SocialNetwork>()
            .map_err(|_| fail(format!("unknown social network {network:?}")))?;
        add(ContactKind::Social(network), handle.trim(), &mut customer)?;
    }
    for tag in split(cell("tags")) {
        limits::required("tag", tag, limits::MAX_LABEL).map_err(|e| fail(e.to_string()))?;
        customer.tags.push(tag.to_owned());
    }
    Ok(Row {
        line,
        customer,
        keys,
    })
}

fn split(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|v| !v.is_empty())
}

/// Imports (or, with `dry_run`, checks) the customers of a CSV file, calling `tick` after
/// each row.
///
/// # Errors
/// Invalid input when the file itself is unusable (nothing imported then); storage
/// failures. Bad rows are not errors: they are in the report.
pub(crate) async fn import(
    session: &Session,
    data: &[u8],
    dry_run: bool,
    on_start: impl FnOnce(usize),
    tick: impl Fn(),
) -> CliResult<ImportReport> {
    let (header, records) = read_rows(data)?;
    let mut report = ImportReport {
        rows: records.len(),
        ..ImportReport::default()
    };
    on_start(records.len());
    // Contact keys claimed by earlier rows of this file, with their line.
    let mut claimed: BTreeMap<String, u64> = BTreeMap::new();
    for record in &records {
        let outcome = check_and_create(session, &header, record, dry_run, &mut claimed).await;
        match outcome {
            Ok(()) => report.imported += 1,
            Err(e) => match e {
                RowOutcome::Refused(row) => report.errors.push(row),
                RowOutcome::Fatal(e) => return Err(e),
            },
        }
        tick();
    }
    Ok(report)
}

enum RowOutcome {
    Refused(RowError),
    Fatal(CliError),
}

async fn check_and_create(
    session: &Session,
    header: &[String],
    record: &csv::StringRecord,
    dry_run: bool,
    claimed: &mut BTreeMap<String, u64>,
) -> Result<(), RowOutcome> {
    let row = parse_row(header, record, session).map_err(RowOutcome::Refused)?;
    let fail = |reason: String| {
        RowOutcome::Refused(RowError {
            line: row.line,
            reason,
        })
    };
    for key in &row.keys {
        if let Some(line) = claimed.get(key) {
            return Err(fail(format!("{key} is already on line {line}")));
        }
    }
    if dry_run {
        for (key, point) in row.keys.iter().zip(&row.customer.contacts) {
            let found = session
                .find_by_contact(point.kind, &point.value)
                .await
                .map_err(|e| fail(e.to_string()))?;
            if let Some(owner) = found {
                return Err(fail(format!("{key} already belongs to {}", owner.id)));
            }
        }
    } else {
        match session.create_customer(row.customer.clone()).await {
            Ok(_) => {}
            Err(
                e @ (crm::Error::Invalid { .. }
                | crm::Error::AlreadyExists { .. }
                | crm::Error::Conflict(_)
                | crm::Error::NotFound { .. }),
            ) => return Err(fail(e.to_string())),
            Err(e) => return Err(RowOutcome::Fatal(e.into())),
        }
    }
    for key in row.keys {
        claimed.insert(key, row.line);
    }
    Ok(())
}

//! Customers as CSV: the format `crm export` writes and `crm import` reads.
//!
//! Columns (a header row names them; any order; all optional but a name):
//! `id`, `type` (`person` or `organisation`), `given_name`, `family_name`,
//! `organisation_name`, `stage` (`lead`, `qualified`, `customer`, ...), `email`, `mobile`,
//! `phone`, `social` (`telegram:@handle`), `tags`, `created_at`. Several values in one cell
//! are separated by `;`. `id` and `created_at` are written by export and ignored by import.
//!
//! With `--update`, a row whose contact points (matched by contact key: any spelling of the
//! same email or number) belong to one existing customer updates that customer instead: the
//! row's names, its stage when given, its tags and the contact points the customer lacks.
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
    /// Rows imported as new customers (or, in a dry run, that would be).
    pub(crate) imported: usize,
    /// Rows that updated an existing customer (`--update`; or, in a dry run, that would).
    pub(crate) updated: usize,
    /// Rows refused, in file order.
    pub(crate) errors: Vec<RowError>,
}

/// A row read and checked, ready to create.
struct Row {
    line: u64,
    customer: NewCustomer,
    keys: Vec<String>,
    /// The row gave a stage (an update changes the stage only then).
    stage_given: bool,
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
        stage_given: !stage.is_empty(),
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
    mode: Mode,
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
        let outcome = check_and_create(session, &header, record, mode, &mut claimed).await;
        match outcome {
            Ok(Done::Created) => report.imported += 1,
            Ok(Done::Updated) => report.updated += 1,
            Err(e) => match e {
                RowOutcome::Refused(row) => report.errors.push(row),
                RowOutcome::Fatal(e) => return Err(e),
            },
        }
        tick();
    }
    Ok(report)
}

/// How an import treats the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mode {
    /// Check every row and change nothing.
    pub(crate) dry_run: bool,
    /// A row whose contact points belong to one existing customer updates that customer
    /// (names, stage when given, tags and contact points added) instead of being refused.
    pub(crate) update: bool,
}

/// What a row did.
enum Done {
    Created,
    Updated,
}

enum RowOutcome {
    Refused(RowError),
    Fatal(CliError),
}

async fn check_and_create(
    session: &Session,
    header: &[String],
    record: &csv::StringRecord,
    mode: Mode,
    claimed: &mut BTreeMap<String, u64>,
) -> Result<Done, RowOutcome> {
    let dry_run = mode.dry_run;
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
    if mode.update {
        let done = update_or_create(session, &row, dry_run)
            .await
            .map_err(|e| match e {
                e @ (crm::Error::Invalid { .. }
                | crm::Error::AlreadyExists { .. }
                | crm::Error::Conflict(_)
                | crm::Error::NotFound { .. }) => fail(e.to_string()),
                e => RowOutcome::Fatal(e.into()),
            })?;
        for key in row.keys {
            claimed.insert(key, row.line);
        }
        return Ok(done);
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
    Ok(Done::Created)
}

/// `--update`: the customer holding the row's contact points (matched by contact key) gets
/// the row's names, stage (when given), tags and the contact points it lacks; a row matching
/// nobody creates a customer; a row matching two customers is refused.
async fn update_or_create(session: &Session, row: &Row, dry_run: bool) -> crm::Result<Done> {
    let mut holder: Option<Customer> = None;
    for point in &row.customer.contacts {
        if let Some(found) = session.find_by_contact(point.kind, &point.value).await? {
            match &holder {
                Some(h) if h.id != found.id => {
                    return Err(crm::Error::invalid(
                        "contacts",
                        format!(
                            "the row's contact points belong to two customers, {} and {}; \
                             merge them first",
                            h.id, found.id
                        ),
                    ));
                }
                _ => holder = Some(found),
            }
        }
    }
    let Some(existing) = holder else {
        if !dry_run {
            session.create_customer(row.customer.clone()).await?;
        }
        return Ok(Done::Created);
    };
    if dry_run {
        return Ok(Done::Updated);
    }
    let new = &row.customer;
    let mut changes = crm::service::CustomerChanges::default();
    if std::mem::discriminant(&existing.party) == std::mem::discriminant(&new.party) {
        let organisation = match &existing.party {
            Party::Person { organisation, .. } => *organisation,
            Party::Organisation { .. } => None,
        };
        let party = match &new.party {
            Party::Person {
                given_name,
                family_name,
                ..
            } => Party::Person {
                given_name: given_name.clone(),
                family_name: family_name.clone(),
                organisation,
            },
            other => other.clone(),
        };
        if party != existing.party {
            changes.party = Some(party);
        }
    }
    if row.stage_given && new.stage != existing.stage {
        changes.stage = Some(new.stage);
    }
    changes.add_tags = new.tags.clone();
    changes.add_contacts = new.contacts.clone();
    session
        .update_customer(existing.id, Some(existing.version), changes)
        .await?;
    Ok(Done::Updated)
}

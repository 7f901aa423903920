//! SQL views over `records`, so that reporting tools see real columns.
//!
//! For every known kind with a [`Table`], a view of that name: `workspace_id`, then each
//! declared column read from the JSON body (parsed into `jsonb` once per row) by its path and
//! cast to its [`ColumnType`] (an absent field, or a JSON `null`, is SQL `NULL`). For every
//! [`Child`] array, a view with one row per element: `workspace_id`, the record's id (as the
//! child's `parent_column`), the element's `ordinal` (from 0), and the element's columns.
//!
//! Views are made on connect under the schema lock. Each carries a comment with a hash of its
//! definition, so a connect that finds every view as it would make it changes nothing.
//! `CREATE OR REPLACE VIEW` keeps the grants and the views that depend on it; when a kind's
//! columns changed in a way it cannot express (a column removed, renamed or retyped), the view
//! is dropped and made again.

use crate::error::storage;
use crate::kinds::{Kinds, to_sql};
use crm_core::record::{Child, Column, ColumnType, Table};
use crm_core::{Error, Result};
use sqlx::{Acquire, AssertSqlSafe, PgConnection, PgExecutor, Row};
use std::collections::{HashMap, HashSet};

/// Names a view may not take: the store's own tables.
const RESERVED: [&str; 5] = [
    "records",
    "unique_keys",
    "index_entries",
    "crm_kinds",
    "_sqlx_migrations",
];

/// The views of the current schema, with their comments.
const CURRENT: &str = "SELECT c.relname::text, obj_description(c.oid, 'pg_class') \
                       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                       WHERE n.nspname = current_schema() AND c.relkind = 'v'";

/// One view to make: its name, its query, and the comment that marks it as made from that
/// query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct View {
    /// The view's name (a plain identifier).
    pub(crate) name: String,
    /// Its `SELECT`.
    pub(crate) query: String,
    /// Its comment: `crm-rs view <hash of the query>`.
    pub(crate) mark: String,
}

/// Every view of `kinds`.
///
/// # Errors
/// [`Error::Invalid`] for a name that is not a plain lower-case identifier, one of the
/// store's tables, or used twice.
pub(crate) fn plan(kinds: &Kinds) -> Result<Vec<View>> {
    let mut views = Vec::new();
    for kind in kinds.all() {
        let Some(table) = kind.table() else {
            continue;
        };
        let tag = to_sql(kind.tag());
        views.push(view(table.name, table_query(tag, table)?)?);
        for child in table.children {
            views.push(view(child.name, child_query(tag, child)?)?);
        }
    }
    let mut names = HashSet::new();
    for v in &views {
        if !names.insert(v.name.as_str()) {
            return Err(Error::invalid(
                "kinds",
                format!("two record kinds declare the SQL view {}", v.name),
            ));
        }
    }
    Ok(views)
}

fn view(name: &str, query: String) -> Result<View> {
    let name = identifier(name)?;
    if RESERVED.contains(&name.as_str()) {
        return Err(Error::invalid(
            "kinds",
            format!("{name} is a table of the store, not a name for a view"),
        ));
    }
    let mark = format!("crm-rs view {:016x}", fnv1a(query.as_bytes()));
    Ok(View { name, query, mark })
}

/// The body of the row `r` as `b.body`, parsed into `jsonb` once for all the columns read
/// from it (bodies are stored as `json`, the text as written).
const BODY: &str = "CROSS JOIN LATERAL (SELECT r.body::jsonb AS body) b";

fn table_query(tag: i16, table: &Table) -> Result<String> {
    let mut select = vec!["r.workspace_id".to_owned()];
    for column in table.columns {
        select.push(column_sql("b.body", column)?);
    }
    Ok(format!(
        "SELECT {} FROM records r {BODY} WHERE r.kind = {tag}",
        select.join(", ")
    ))
}

fn child_query(tag: i16, child: &Child) -> Result<String> {
    let array = json_at("b.body", child.array);
    let mut select = vec![
        "r.workspace_id".to_owned(),
        format!("r.id AS {}", quoted(child.parent_column)?),
        "(e.ordinality - 1)::integer AS ordinal".to_owned(),
    ];
    for column in child.columns {
        select.push(column_sql("e.value", column)?);
    }
    Ok(format!(
        "SELECT {} FROM records r {BODY} CROSS JOIN LATERAL jsonb_array_elements(\
         CASE WHEN jsonb_typeof({array}) = 'array' THEN {array} ELSE '[]'::jsonb END) \
         WITH ORDINALITY AS e(value, ordinality) WHERE r.kind = {tag}",
        select.join(", ")
    ))
}

/// `<expression> AS "<name>"` for `column` of the JSON value `base`.
fn column_sql(base: &str, column: &Column) -> Result<String> {
    let json = json_at(base, column.path);
    let text = match column.path.split_last() {
        Some((last, init)) => format!("({} ->> {})", json_at(base, init), literal(last)),
        None => format!("({base} #>> '{{}}')"),
    };
    let expression = match column.ty {
        ColumnType::Text => text,
        ColumnType::Uuid => format!("{text}::uuid"),
        ColumnType::Timestamp => format!("{text}::timestamptz"),
        ColumnType::Date => format!("{text}::date"),
        ColumnType::BigInt => format!("{text}::bigint"),
        ColumnType::Numeric => format!("{text}::numeric"),
        ColumnType::Boolean => format!("{text}::boolean"),
        ColumnType::TextArray => array(&json, ""),
        ColumnType::UuidArray => array(&json, "::uuid"),
        // Json, and any type a later crm-core adds: the value whole.
        _ => format!("NULLIF({json}, 'null'::jsonb)"),
    };
    Ok(format!("{expression} AS {}", quoted(column.name)?))
}

/// The JSON array `json` as an SQL array of its elements cast with `cast`; `NULL` for
/// anything but an array.
fn array(json: &str, cast: &str) -> String {
    format!(
        "CASE WHEN jsonb_typeof({json}) = 'array' \
         THEN ARRAY(SELECT a{cast} FROM jsonb_array_elements_text({json}) AS a) END"
    )
}

/// The JSON value at `path` of `base` (`base -> 'a' -> 'b'`).
fn json_at(base: &str, path: &[&str]) -> String {
    path.iter().fold(base.to_owned(), |json, key| {
        format!("{json} -> {}", literal(key))
    })
}

/// `text` as an SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `name` as a quoted identifier, when it is a plain lower-case one.
fn quoted(name: &str) -> Result<String> {
    identifier(name).map(|name| format!("\"{name}\""))
}

fn identifier(name: &str) -> Result<String> {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63;
    if plain {
        Ok(name.to_owned())
    } else {
        Err(Error::invalid(
            "kinds",
            format!("{name:?} is not a plain SQL name (a-z, 0-9 and _, at most 63 bytes)"),
        ))
    }
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust versions.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The views of `plan` that are missing or differ from what is in the schema.
///
/// # Errors
/// [`Error::Storage`] when the catalog cannot be read.
pub(crate) async fn outdated<'e>(db: impl PgExecutor<'e>, plan: &[View]) -> Result<Vec<View>> {
    let rows = sqlx::query(CURRENT).fetch_all(db).await.map_err(storage)?;
    let mut marks: HashMap<String, Option<String>> = HashMap::new();
    for row in rows {
        let name: String = row.try_get(0).map_err(storage)?;
        let mark: Option<String> = row.try_get(1).map_err(storage)?;
        marks.insert(name, mark);
    }
    Ok(plan
        .iter()
        .filter(|v| {
            marks
                .get(&v.name)
                .is_none_or(|m| m.as_deref() != Some(&v.mark))
        })
        .cloned()
        .collect())
}

/// Makes `views` in one transaction (under the schema lock).
///
/// # Errors
/// [`Error::Storage`] when a view cannot be made (a table of that name is in the way, or
/// another object depends on a view that must be dropped).
pub(crate) async fn create(conn: &mut PgConnection, views: &[View]) -> Result<()> {
    let mut tx = conn.begin().await.map_err(storage)?;
    for v in views {
        let name = &v.name;
        let replace = format!("CREATE OR REPLACE VIEW \"{name}\" AS {}", v.query);
        let mut attempt = tx.begin().await.map_err(storage)?;
        match sqlx::raw_sql(AssertSqlSafe(replace))
            .execute(&mut *attempt)
            .await
        {
            Ok(_) => attempt.commit().await.map_err(storage)?,
            Err(_) => {
                // Columns removed, renamed or retyped: make it anew.
                attempt.rollback().await.map_err(storage)?;
                let anew = format!(
                    "DROP VIEW IF EXISTS \"{name}\"; CREATE VIEW \"{name}\" AS {}",
                    v.query
                );
                sqlx::raw_sql(AssertSqlSafe(anew))
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
            }
        }
        // Read-only: a write through the view would bypass the record's keys and entries.
        let guard = format!(
            "DROP TRIGGER IF EXISTS crm_read_only ON \"{name}\"; \
             CREATE TRIGGER crm_read_only INSTEAD OF INSERT OR UPDATE OR DELETE ON \"{name}\" \
             FOR EACH ROW EXECUTE FUNCTION crm_read_only_view()"
        );
        sqlx::raw_sql(AssertSqlSafe(guard))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        let comment = format!("COMMENT ON VIEW \"{name}\" IS {}", literal(&v.mark));
        sqlx::raw_sql(AssertSqlSafe(comment))
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
    }
    tx.commit().await.map_err(storage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::record::RecordKind;

    #[test]
    fn every_builtin_kind_has_its_views() {
        let views = plan(&Kinds::new(&[]).unwrap()).unwrap();
        let names: Vec<&str> = views.iter().map(|v| v.name.as_str()).collect();
        for name in [
            "workspaces",
            "customers",
            "contact_points",
            "interactions",
            "staff",
            "departments",
            "audit_entries",
            "outbox",
            "requests",
            "routing_rules",
            "counters",
        ] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        let customers = views.iter().find(|v| v.name == "customers").unwrap();
        assert!(
            customers
                .query
                .starts_with("SELECT r.workspace_id, (b.body ->> 'id')::uuid")
        );
        assert!(
            customers
                .query
                .contains("(b.body -> 'party' ->> 'type') AS \"party_type\"")
        );
        assert!(
            customers
                .query
                .contains("jsonb_array_elements_text(b.body -> 'tags') AS a) END AS \"tags\"")
        );
        assert!(
            customers
                .query
                .ends_with(&format!("WHERE r.kind = {}", RecordKind::CUSTOMER.tag()))
        );
        let points = views.iter().find(|v| v.name == "contact_points").unwrap();
        assert!(points.query.contains("r.id AS \"customer_id\""));
        assert!(points.query.contains("(e.value ->> 'key') AS \"key\""));
    }

    #[test]
    fn names_and_literals_are_safe() {
        assert_eq!(literal("it's"), "'it''s'");
        assert!(identifier("customers").is_ok());
        assert!(identifier("Customers").is_err());
        assert!(identifier("a\"; DROP").is_err());
        assert!(view("records", String::new()).is_err());
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
    }
}

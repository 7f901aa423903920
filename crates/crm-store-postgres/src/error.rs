//! How PostgreSQL's errors become crm-rs errors, and which ones a commit retries.

use crate::escape::text_from_sql;
use crate::kinds::Kinds;
use crm_core::record::RecordRef;
use crm_core::{Conflict, Error};
use serde::Deserialize;
use sqlx::postgres::PgDatabaseError;
use uuid::Uuid;

/// SQLSTATE `crm_commit` raises for a stale version.
const STALE_VERSION: &str = "CRM01";
/// SQLSTATE `crm_commit` raises for a unique key held by another record.
const KEY_TAKEN: &str = "CRM02";
/// SQLSTATE of a unique violation.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of a serialization failure (`SERIALIZABLE`, CockroachDB, and `crm_commit` when a
/// key changed hands while it looked).
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE of a detected deadlock.
const DEADLOCK_DETECTED: &str = "40P01";

/// A backend failure as [`Error::Storage`], keeping sqlx's error as the source.
pub(crate) fn storage(e: sqlx::Error) -> Error {
    Error::storage(e)
}

/// An [`Error::Corrupted`] for what is stored at `key` (a record, an entry) that does not
/// read back.
pub(crate) fn corrupted(key: impl Into<String>, source: impl Into<crm_core::BoxError>) -> Error {
    Error::Corrupted {
        key: key.into(),
        source: source.into(),
    }
}

/// True for errors that mean "another transaction won a race; try again".
pub(crate) fn is_retryable(e: &sqlx::Error) -> bool {
    matches!(
        sqlstate(e).as_deref(),
        Some(UNIQUE_VIOLATION | SERIALIZATION_FAILURE | DEADLOCK_DETECTED)
    )
}

/// The SQLSTATE of a database error.
pub(crate) fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|db| db.code())
        .map(|c| c.into_owned())
}

/// The [`Error::Conflict`] that `crm_commit` reported with `e`, if it is one; holders are
/// named by `kinds`.
pub(crate) fn conflict(e: &sqlx::Error, kinds: &Kinds) -> Option<Error> {
    let db = e
        .as_database_error()?
        .try_downcast_ref::<PgDatabaseError>()?;
    let parsed = match db.code() {
        STALE_VERSION => stale(db.detail()?, kinds),
        KEY_TAKEN => taken(db.detail()?, kinds),
        _ => return None,
    };
    Some(parsed.unwrap_or_else(|why| {
        corrupted(
            "crm_commit",
            format!(
                "a conflict without a readable detail ({why}): {:?}",
                db.detail()
            ),
        )
    }))
}

#[derive(Deserialize)]
struct StaleDetail {
    kind: i16,
    id: Uuid,
    expected: u64,
    found: u64,
}

#[derive(Deserialize)]
struct TakenDetail {
    key: String,
    kind: i16,
    holder: Uuid,
}

fn stale(detail: &str, kinds: &Kinds) -> Result<Error, serde_json::Error> {
    let d: StaleDetail = serde_json::from_str(detail)?;
    Ok(Error::Conflict(Conflict::StaleVersion {
        kind: kinds.find(d.kind),
        id: d.id,
        expected: d.expected,
        found: d.found,
    }))
}

fn taken(detail: &str, kinds: &Kinds) -> Result<Error, serde_json::Error> {
    let d: TakenDetail = serde_json::from_str(detail)?;
    Ok(Error::Conflict(Conflict::KeyTaken {
        key: text_from_sql(&d.key),
        holder: RecordRef {
            kind: kinds.find(d.kind),
            id: d.holder,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::record::RecordKind;

    #[test]
    fn details_parse_into_conflicts() {
        let kinds = Kinds::new(&[]).unwrap_or_else(|e| panic!("{e}"));
        let id = Uuid::from_u128(7);
        let err = stale(
            &format!(r#"{{"kind": 2, "id": "{id}", "expected": 1, "found": 3}}"#),
            &kinds,
        );
        assert!(matches!(
            err,
            Ok(Error::Conflict(Conflict::StaleVersion { kind, expected: 1, found: 3, .. }))
                if kind == RecordKind::CUSTOMER
        ));
        let err = taken(
            &format!(r#"{{"key": "email:a;b\"c", "kind": 4, "holder": "{id}"}}"#),
            &kinds,
        );
        match err {
            Ok(Error::Conflict(Conflict::KeyTaken { key, holder })) => {
                assert_eq!(key, "email:a;b\"c");
                assert_eq!(
                    holder,
                    RecordRef {
                        kind: RecordKind::STAFF,
                        id
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(stale("{", &kinds).is_err());
    }
}

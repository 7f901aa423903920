//! How PostgreSQL's errors become crm-rs errors, and which ones a commit retries.

use crm_core::Error;

/// SQLSTATE of a unique violation.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE of a serialization failure (`SERIALIZABLE`, and every transaction on CockroachDB).
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE of a detected deadlock.
const DEADLOCK_DETECTED: &str = "40P01";

/// Why one attempt at a commit failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The outcome is final: a conflict, invalid input, or a storage failure.
    Final(Error),
    /// A race the transaction lost to another one (a deadlock, a serialization failure, or a
    /// unique key claimed by a transaction that was not yet visible): run it again, and the
    /// checks will see the winner. The error is what to report when attempts run out.
    Retry(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Final(e)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        if is_retryable(&e) {
            Failure::Retry(storage(e))
        } else {
            Failure::Final(storage(e))
        }
    }
}

/// A backend failure as [`Error::Storage`], keeping sqlx's error as the source.
pub(crate) fn storage(e: sqlx::Error) -> Error {
    Error::storage(e)
}

/// True for errors that mean "another transaction won a race; try again".
fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            Some(UNIQUE_VIOLATION | SERIALIZATION_FAILURE | DEADLOCK_DETECTED)
        ),
        _ => false,
    }
}

/// An [`Error::Corrupted`] for a row of `table` that does not decode.
pub(crate) fn corrupted(
    table: &str,
    id: impl std::fmt::Display,
    source: impl Into<crm_core::BoxError>,
) -> Error {
    Error::Corrupted {
        key: format!("{table}/{id}"),
        source: source.into(),
    }
}

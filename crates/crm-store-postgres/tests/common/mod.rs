//! Shared by the PostgreSQL tests: the database URL, or a visible skip.
#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;

/// The variable naming the test database.
pub const URL_VAR: &str = "CRM_TEST_POSTGRES_URL";

/// The database URL from `CRM_TEST_POSTGRES_URL`; without it, says on stderr that the
/// PostgreSQL tests are skipped and returns `None`.
pub fn database_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {URL_VAR} not set (PostgreSQL tests skipped)"
            );
            None
        }
    }
}

/// A connection of its own to `url`, working in `schema` (as the store's pool does).
pub async fn schema_conn(url: &str, schema: &crm_store_postgres::TestSchema) -> sqlx::PgConnection {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let set_path = format!("SET search_path TO \"{}\"", schema.name());
    sqlx::raw_sql(sqlx::AssertSqlSafe(set_path))
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

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

/// Milliseconds since the Unix epoch: a start time processes agree on.
pub fn now_millis() -> u64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    u64::try_from(since.as_millis()).unwrap()
}

/// Sleeps until `start_at` ([`now_millis`]), so that processes begin together.
pub async fn start_together(start_at: u64) {
    let wait = start_at.saturating_sub(now_millis());
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
}

/// Runs this test binary's test `child` in a process of its own per spec, all at once, each
/// with `env_var` set to its spec and the database URL passed on; asserts every one succeeded.
pub fn run_children(child: &str, env_var: &str, url: &str, specs: &[String]) {
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = specs
        .iter()
        .map(|spec| {
            std::process::Command::new(&exe)
                .args(["--exact", child, "--nocapture", "--test-threads=1"])
                .env(env_var, spec)
                .env(URL_VAR, url)
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a child process failed: {:?}",
            out.status
        );
    }
}

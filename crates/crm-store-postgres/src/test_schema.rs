//! A throw-away schema for tests and benchmarks: created on demand, dropped when done.

use crate::connect::quote_schema;
use crate::{PostgresConfig, PostgresStore};
use crm_core::Result;
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// A schema of its own (`crm_test_<random>`) for one test, so that runs sharing a database do
/// not collide. Dropping it drops the schema and everything in it (`DROP SCHEMA ... CASCADE`),
/// on a thread of its own, so it may be dropped inside or outside an async runtime.
///
/// ```no_run
/// # async fn run() -> crm_core::Result<()> {
/// use crm_store_postgres::TestSchema;
/// let (store, schema) = TestSchema::create("postgres://postgres@127.0.0.1:5432/test").await?;
/// // ... use `store` ...
/// drop(schema); // the schema is gone
/// # let _ = store; Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestSchema {
    url: String,
    name: String,
}

impl TestSchema {
    /// Creates a new schema in the database at `url` and a store working in it (pool of 8).
    ///
    /// # Errors
    /// [`crm_core::Error::Storage`] when the database cannot be reached.
    pub async fn create(url: &str) -> Result<(PostgresStore, TestSchema)> {
        let schema = TestSchema::reserve(url);
        let store = PostgresStore::connect_with(schema.config().max_connections(8)).await?;
        Ok((store, schema))
    }

    /// A new schema name in the database at `url`, with nothing created yet: for tests that
    /// fill a schema themselves (a dumped fixture, a hand-written baseline) before connecting
    /// a store to it, if they do. Dropping it drops the schema if it was made.
    pub fn reserve(url: &str) -> TestSchema {
        TestSchema {
            url: url.to_owned(),
            name: format!("crm_test_{}", uuid::Uuid::now_v7().simple()),
        }
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A configuration that works in this schema (for another pool, another process).
    pub fn config(&self) -> PostgresConfig {
        PostgresConfig::new(&self.url)
            .schema(&self.name)
            .create_schema(true)
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let quoted = quote_schema(&name)?;
                let mut conn = PgConnection::connect(&url).await?;
                // Never hang a test run on a lock some leftover connection holds: give up
                // (and say so) instead.
                conn.execute("SET lock_timeout = '20s'").await?;
                conn.execute(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {quoted} CASCADE"
                )))
                .await?;
                conn.close().await?;
                Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
            })?;
            Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test schema {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test schema {} panicked", self.name),
        }
    }
}

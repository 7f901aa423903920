//! Connecting: the pool, the schema it works in, and the migrations run on connect.

use crate::PostgresStore;
use crate::error::{sqlstate, storage};
use crate::kinds::Kinds;
use crate::setup;
use crm_core::record::RecordKind;
use crm_core::{Error, Result};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor};
use std::sync::Arc;
use std::time::Duration;

/// Connections a store's pool opens at most unless told otherwise.
///
/// A commit holds one connection for its transaction and a read holds one for a statement, so
/// ten connections serve many more concurrent requests than ten. PostgreSQL allows 100
/// connections by default (`max_connections`) for every client together: keep
/// `processes × max_connections` well below it, or put PgBouncer (transaction mode) in front.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How long getting a connection may take, connecting included, unless told otherwise.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// A pooled connection idle at least this long is pinged before it is handed out (and
/// replaced when the ping fails, after a server restart say). One in use more recently is
/// handed out as it is: pinging it too would double the round trips of every read and
/// commit. A connection the server dropped within this time fails its next statement with
/// [`Error::Storage`] once, and the pool then replaces it.
pub const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// How to connect a [`PostgresStore`]: the URL, the pool's size and timeout, optionally the
/// schema to work in, and the application's own record kinds.
///
/// ```
/// use crm_store_postgres::PostgresConfig;
/// use std::time::Duration;
///
/// let config = PostgresConfig::new("postgres://crm@db.internal:5432/crm")
///     .max_connections(20)
///     .acquire_timeout(Duration::from_secs(5))
///     .schema("tenant_a");
/// assert_eq!(config.schema_name(), Some("tenant_a"));
/// ```
///
/// A store knows crm-core's record kinds ([`RecordKind::BUILTIN`]); give it the
/// application's own with [`PostgresConfig::kinds`] so that it makes their SQL views,
/// re-indexes them when their declared keys change, and names them as holders of unique keys
/// (records of kinds it was not given are kept and read all the same).
#[derive(Debug, Clone)]
pub struct PostgresConfig {
    url: String,
    max_connections: u32,
    min_connections: u32,
    acquire_timeout: Duration,
    schema: Option<String>,
    create_schema: bool,
    kinds: Vec<RecordKind>,
}

impl PostgresConfig {
    /// A configuration for the database at `url` (`postgres://user:password@host:port/db`,
    /// with any libpq-style parameters such as `sslmode=require`), with the default pool.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            min_connections: 0,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
            schema: None,
            create_schema: false,
            kinds: Vec::new(),
        }
    }

    /// The most connections the pool opens (default [`DEFAULT_MAX_CONNECTIONS`]; at least 1).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Connections the pool keeps open even when idle (default 0).
    pub fn min_connections(mut self, n: u32) -> Self {
        self.min_connections = n;
        self
    }

    /// How long getting a connection may take (default [`DEFAULT_ACQUIRE_TIMEOUT`]). While
    /// the server refuses connections, connecting is retried until then.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Works in `schema` instead of the connection's default `search_path`: every pooled
    /// connection sets `search_path` to it. Schema names are plain identifiers
    /// (ASCII letters, digits and `_`, not starting with a digit, at most 63 bytes).
    pub fn schema(mut self, schema: &str) -> Self {
        self.schema = Some(schema.to_owned());
        self
    }

    /// Creates the schema set with [`PostgresConfig::schema`] if it does not exist yet.
    pub fn create_schema(mut self, create: bool) -> Self {
        self.create_schema = create;
        self
    }

    /// The schema set with [`PostgresConfig::schema`].
    pub fn schema_name(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Adds the application's own record kinds to those the store knows (crm-core's, always).
    /// Kinds given twice count once; two kinds with one tag fail the connect with
    /// [`Error::Invalid`].
    pub fn kinds(mut self, kinds: &[RecordKind]) -> Self {
        self.kinds.extend_from_slice(kinds);
        self
    }
}

impl PostgresStore {
    /// Connects to the database at `url` with the default pool
    /// ([`DEFAULT_MAX_CONNECTIONS`] connections), and brings its schema up to date.
    ///
    /// # Errors
    /// [`Error::Storage`] when the database cannot be reached within
    /// [`DEFAULT_ACQUIRE_TIMEOUT`] or a migration fails.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(PostgresConfig::new(url)).await
    }

    /// Connects as `config` says, and brings the schema up to date: the migrations, then the
    /// re-indexing of kinds whose declared keys changed and the SQL views (see
    /// `docs/postgres.md`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a schema name that is not a plain identifier, or kinds that
    /// share a tag or a view name; [`Error::Storage`] when the database cannot be reached or
    /// a migration fails; [`Error::Corrupted`] for a stored record that does not decode as
    /// its kind while re-indexing.
    pub async fn connect_with(config: PostgresConfig) -> Result<Self> {
        let kinds = Kinds::new(&config.kinds)?;
        let mut options = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .min_connections(config.min_connections)
            .acquire_timeout(config.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        if let Some(schema) = &config.schema {
            let quoted = quote_schema(schema)?;
            if config.create_schema {
                create_schema(&config, &quoted).await?;
            }
            let set_path = format!("SET search_path TO {quoted}");
            options = options.after_connect(move |conn, _meta| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    conn.execute(AssertSqlSafe(set_path)).await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&config.url).await.map_err(storage)?;
        Self::over(pool, kinds).await
    }

    /// A store over an existing pool that knows crm-core's record kinds, after bringing the
    /// schema up to date. The pool's connections must already point at the right schema
    /// (`search_path`).
    ///
    /// # Errors
    /// As [`PostgresStore::connect_with`], but for the pool, which is already there.
    pub async fn from_pool(pool: PgPool) -> Result<Self> {
        Self::from_pool_with_kinds(pool, &[]).await
    }

    /// [`PostgresStore::from_pool`] for a store that also knows `kinds` (see
    /// [`PostgresConfig::kinds`]).
    ///
    /// # Errors
    /// As [`PostgresStore::connect_with`], but for the pool, which is already there.
    pub async fn from_pool_with_kinds(pool: PgPool, kinds: &[RecordKind]) -> Result<Self> {
        Self::over(pool, Kinds::new(kinds)?).await
    }

    async fn over(pool: PgPool, kinds: Kinds) -> Result<Self> {
        setup::prepare(&pool, &kinds).await?;
        Ok(Self {
            pool,
            kinds: Arc::new(kinds),
        })
    }

    /// The record kinds this store knows: crm-core's, then the application's.
    pub fn kinds(&self) -> &[RecordKind] {
        self.kinds.all()
    }

    /// The pool, for the application's own queries on the same database.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection of the pool; later calls fail with [`Error::Storage`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the schema (if absent) over a short-lived connection.
async fn create_schema(config: &PostgresConfig, quoted: &str) -> Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(config.acquire_timeout)
        .connect(&config.url)
        .await
        .map_err(storage)?;
    let created = pool
        .execute(AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {quoted}"
        )))
        .await;
    pool.close().await;
    match created {
        Ok(_) => Ok(()),
        // Another process created it at the same moment (IF NOT EXISTS does not serialise).
        Err(e) if matches!(sqlstate(&e).as_deref(), Some("23505" | "42P06")) => Ok(()),
        Err(e) => Err(storage(e)),
    }
}

/// `schema` as a quoted identifier, when it is a plain one.
pub(crate) fn quote_schema(schema: &str) -> Result<String> {
    let mut chars = schema.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && schema.len() <= 63;
    if plain {
        Ok(format!("\"{schema}\""))
    } else {
        Err(Error::invalid(
            "schema",
            "use ASCII letters, digits and _ (not starting with a digit), at most 63 bytes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::quote_schema;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert_eq!(
            quote_schema("crm_test_1").ok().as_deref(),
            Some("\"crm_test_1\"")
        );
        assert!(quote_schema("1abc").is_err());
        assert!(quote_schema("a\"; DROP").is_err());
        assert!(quote_schema("").is_err());
    }
}

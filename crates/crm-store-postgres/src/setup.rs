//! What connecting does to the schema: the embedded migrations, then (under the schema lock,
//! and only when something is to do) re-indexing and the views.

use crate::kinds::Kinds;
use crate::lock::SchemaLock;
use crate::{rebuild, views};
use crm_core::{Error, Result};
use sqlx::PgPool;

/// The embedded migrations (`migrations/` of this crate).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Brings the schema of `pool` up to date for `kinds`.
///
/// 1. sqlx's migrator applies the migrations not applied yet (under its own advisory lock,
///    recorded in `_sqlx_migrations`);
/// 2. if a kind is to be re-indexed or a view is missing or outdated, the schema lock is
///    taken and both are checked and done again under it ([`rebuild::run`],
///    [`views::create`]), so that a process that connects at the same time waits and then
///    finds nothing left to do.
///
/// # Errors
/// [`Error::Invalid`] for kinds whose views cannot be made (see [`views::plan`]);
/// [`Error::Storage`] when a migration, the re-indexing or a view fails;
/// [`Error::Corrupted`] for a record that does not decode as its kind while re-indexing.
pub(crate) async fn prepare(pool: &PgPool, kinds: &Kinds) -> Result<()> {
    let plan = views::plan(kinds)?;
    MIGRATOR.run(pool).await.map_err(Error::storage)?;
    let reindex = !rebuild::outdated(pool, kinds).await?.is_empty();
    let outdated_views = views::outdated(pool, &plan).await?;
    if !reindex && outdated_views.is_empty() {
        return Ok(());
    }
    let mut lock = SchemaLock::acquire(pool).await?;
    let conn = lock.conn()?;
    rebuild::run(&mut *conn, kinds).await?;
    let outdated_views = views::outdated(&mut *conn, &plan).await?;
    if !outdated_views.is_empty() {
        views::create(conn, &outdated_views).await?;
    }
    lock.release().await
}

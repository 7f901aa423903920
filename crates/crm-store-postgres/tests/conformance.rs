//! The whole `crm-testkit` conformance suite, each check on a schema of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_store_postgres::TestSchema;
use std::sync::Arc;

/// A fresh store in a new schema, dropped with the fixture.
///
/// Without `CRM_TEST_POSTGRES_URL` there is no store to make: each check says `SKIPPED` on
/// stderr and passes (CI fails on that line).
async fn make_fixture() -> Option<crm_testkit::Fixture> {
    let url = common::database_url()?;
    let (store, schema) = TestSchema::create(&url).await.expect("test schema");
    Some(crm_testkit::Fixture::new(Arc::new(store), schema))
}

crm_testkit::store_conformance_tests!(make_fixture);

//! The shared conformance suite of crm-testkit, on a fresh sled store in a temporary
//! directory (durable mode, as applications run it).

#![allow(clippy::unwrap_used)] // a test: failing loudly is its job

use crm_store_sled::{SledConfig, SledStore};
use std::sync::Arc;

async fn fixture() -> Option<crm_testkit::Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(SledConfig::new(dir.path().join("crm"))).unwrap();
    Some(crm_testkit::Fixture::new(Arc::new(store), dir))
}

crm_testkit::store_conformance_tests!(fixture);

//! The shared conformance suite on the in-memory store.

use crm_store_memory::MemoryStore;
use crm_testkit::Fixture;
use std::sync::Arc;

async fn fixture() -> Option<Fixture> {
    Some(Fixture::new(Arc::new(MemoryStore::new()), ()))
}

crm_testkit::store_conformance_tests!(fixture);

//! Model-based test: random operation sequences, conflicting ones included, give identical
//! results on PostgreSQL and on the in-memory reference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use crm_store_postgres::TestSchema;
use crm_testkit::model::{assert_same, operations};
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn postgres_answers_like_memory(ops in operations(40)) {
        let Some(url) = common::database_url() else {
            return Ok(());
        };
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let (store, _schema) = TestSchema::create(&url).await.expect("test schema");
            let postgres: Arc<dyn Store> = Arc::new(store);
            let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
            assert_same(&memory, &postgres, &ops).await;
        });
    }
}

//! The points ledger's model test on PostgreSQL: random earning, holds, captures, releases,
//! refunds, adjustments and expiry give the same ledger as on the memory store (the memory
//! and sled stores are compared in crm-testkit's own `club_model` test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use crm_store_postgres::TestSchema;
use crm_testkit::club_model::{run, steps};
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn postgres_keeps_the_ledger_memory_keeps(steps in steps(40)) {
        let Some(url) = common::database_url() else {
            return Ok(());
        };
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
            let expected = run(&memory, &steps).await;
            let (store, _schema) = TestSchema::create(&url).await.expect("test schema");
            let postgres: Arc<dyn Store> = Arc::new(store);
            assert_eq!(run(&postgres, &steps).await, expected, "postgres");
        });
    }
}

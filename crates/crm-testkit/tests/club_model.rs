//! The points ledger under random earning, holds, captures, releases, refunds, adjustments
//! and expiry, against a reference model, on the memory and sled stores: the same steps give
//! the same ledger on each.

use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use crm_store_sled::{SledConfig, SledStore};
use crm_testkit::club_model::{run, steps};
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_follows_the_model(steps in steps(60)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
            run(&memory, &steps).await;
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn every_store_keeps_the_same_ledger(steps in steps(40)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
            let expected = run(&memory, &steps).await;
            let dir = tempfile::tempdir().expect("tempdir");
            let sled: Arc<dyn Store> =
                Arc::new(SledStore::open(SledConfig::new(dir.path().join("db"))).expect("open"));
            assert_eq!(run(&sled, &steps).await, expected, "sled");
        });
    }
}

//! The deal state machine under random actions by random actors, on the memory and sled
//! stores: refused actions change nothing and the stage log replays to the current stage.

use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use crm_store_sled::{SledConfig, SledStore};
use crm_testkit::deal_model::{run, steps};
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_actions_keep_deals_legal(steps in steps(60)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
            run(&memory, &steps).await;
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn random_actions_keep_deals_legal_on_sled(steps in steps(40)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let sled: Arc<dyn Store> =
                Arc::new(SledStore::open(SledConfig::new(dir.path().join("db"))).expect("open"));
            run(&sled, &steps).await;
        });
    }
}

//! Model-based test: random operation sequences, conflicting ones included, give identical
//! results on the sled store and on the in-memory reference.

use crm_core::store::Store;
use crm_store_memory::MemoryStore;
use crm_store_sled::{SledConfig, SledStore};
use crm_testkit::model::{assert_same, operations};
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sled_answers_like_memory(ops in operations(40)) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let sled: Arc<dyn Store> =
                Arc::new(SledStore::open(SledConfig::new(dir.path().join("db"))).expect("open"));
            let memory: Arc<dyn Store> = Arc::new(MemoryStore::new());
            assert_same(&memory, &sled, &ops).await;
        });
    }
}

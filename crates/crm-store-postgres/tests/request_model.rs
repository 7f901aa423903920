//! The request state machine under random actions by random actors, on PostgreSQL: no step
//! reaches an illegal state, a refused step changes nothing, the audit trail replays.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use crm_core::store::Store;
use crm_store_postgres::TestSchema;
use crm_testkit::request_model::{run, steps};
use proptest::prelude::*;
use std::sync::Arc;

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn random_actions_keep_requests_legal_on_postgres(steps in steps(40)) {
        let Some(url) = common::database_url() else {
            return Ok(());
        };
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let (store, _schema) = TestSchema::create(&url).await.expect("test schema");
            let postgres: Arc<dyn Store> = Arc::new(store);
            run(&postgres, &steps).await;
        });
    }
}

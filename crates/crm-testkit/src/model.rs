//! The model-based test: random operation sequences, conflicting ones included, run on a
//! store under test and on a reference store with the same clock and ids; every result and
//! the final state must be identical.
//!
//! ```
//! use crm_core::store::Store;
//! use crm_store_memory::MemoryStore;
//! use proptest::prelude::*;
//! use std::sync::Arc;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(2))]
//!     fn memory_answers_like_memory(ops in crm_testkit::model::operations(10)) {
//!         let rt = tokio::runtime::Runtime::new().unwrap();
//!         let reference: Arc<dyn Store> = Arc::new(MemoryStore::new());
//!         let under_test: Arc<dyn Store> = Arc::new(MemoryStore::new());
//!         rt.block_on(crm_testkit::model::assert_same(&reference, &under_test, &ops));
//!     }
//! }
//! # fn main() { memory_answers_like_memory(); }
//! ```

use crate::support::{Desk, crm};
use crm_core::channel::Channel;
use crm_core::clock::Clock;
use crm_core::customer::CustomerFilter;
use crm_core::customer::{ContactKind, LifecycleStage};
use crm_core::id::CustomerId;
use crm_core::interaction::Direction;
use crm_core::service::{ContactInput, CustomerChanges, NewCustomer, NewInteraction};
use crm_core::store::{PageRequest, Store};
use proptest::prelude::*;
use std::sync::Arc;

const NAMES: [&str; 6] = ["علی", "علیرضا", "Ali", "Sara", "سارا", "Reza"];

/// One operation; customers are named by their index among those created so far.
#[derive(Debug, Clone)]
pub enum Op {
    /// Create a customer, maybe with an email and a phone from small pools (so they collide).
    Create {
        /// Index into the name pool.
        name: usize,
        /// Email number, if any.
        email: Option<u8>,
        /// Phone number, if any.
        phone: Option<u8>,
    },
    /// Add a tag, optionally at a version that may be stale.
    Tag {
        /// Which customer.
        customer: usize,
        /// The tag number.
        tag: u8,
        /// Expected version, as an offset from the current (0: current, else stale).
        stale_by: Option<u8>,
    },
    /// Change the stage.
    Stage {
        /// Which customer.
        customer: usize,
        /// Index into the stages.
        stage: usize,
    },
    /// Add an email (may collide).
    AddEmail {
        /// Which customer.
        customer: usize,
        /// Email number.
        email: u8,
    },
    /// Merge one customer into another (may be invalid).
    Merge {
        /// The winner.
        winner: usize,
        /// The loser.
        loser: usize,
    },
    /// Delete at the current version.
    Delete {
        /// Which customer.
        customer: usize,
    },
    /// Record an interaction some minutes back.
    Interact {
        /// Which customer.
        customer: usize,
        /// Minutes before now.
        minutes_ago: u8,
    },
    /// Search by a name prefix.
    Search {
        /// Index into the name pool.
        name: usize,
        /// Characters of the name to use (at least 1).
        prefix: usize,
    },
    /// List by stage, one page.
    List {
        /// Index into the stages.
        stage: usize,
        /// Page length.
        limit: usize,
    },
    /// Let time pass.
    Tick {
        /// Minutes.
        minutes: u8,
    },
}

/// A strategy of sequences of up to `max_len` operations.
pub fn operations(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => (0..NAMES.len(), proptest::option::of(0u8..6), proptest::option::of(0u8..6))
            .prop_map(|(name, email, phone)| Op::Create { name, email, phone }),
        2 => (any::<usize>(), 0u8..5, proptest::option::of(0u8..2))
            .prop_map(|(customer, tag, stale_by)| Op::Tag { customer, tag, stale_by }),
        1 => (any::<usize>(), 0..LifecycleStage::ALL.len())
            .prop_map(|(customer, stage)| Op::Stage { customer, stage }),
        1 => (any::<usize>(), 0u8..6).prop_map(|(customer, email)| Op::AddEmail { customer, email }),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(winner, loser)| Op::Merge { winner, loser }),
        1 => any::<usize>().prop_map(|customer| Op::Delete { customer }),
        2 => (any::<usize>(), 0u8..30).prop_map(|(customer, minutes_ago)| Op::Interact { customer, minutes_ago }),
        1 => (0..NAMES.len(), 1usize..4).prop_map(|(name, prefix)| Op::Search { name, prefix }),
        1 => (0..LifecycleStage::ALL.len(), 1usize..4).prop_map(|(stage, limit)| Op::List { stage, limit }),
        1 => (0u8..10).prop_map(|minutes| Op::Tick { minutes }),
    ];
    proptest::collection::vec(op, 1..max_len)
}

/// Runs `ops` on `store` (fresh and empty) and returns one line per operation, then the
/// final state: every live customer, every page of their interactions, the audit trail.
pub async fn run(store: &Arc<dyn Store>, ops: &[Op]) -> Vec<String> {
    let (services, clock) = crm(store, 42);
    let desk = Desk::open_with(services, clock, "Model").await;
    let s = &desk.officer;
    let mut created: Vec<CustomerId> = Vec::new();
    let pick = |created: &Vec<CustomerId>, i: usize| {
        (!created.is_empty()).then(|| created[i % created.len()])
    };
    let mut out = Vec::new();
    for op in ops {
        let line = match op.clone() {
            Op::Create { name, email, phone } => {
                let mut new = NewCustomer::person(NAMES[name], "Model");
                if let Some(e) = email {
                    new = new.contact(ContactKind::Email, &format!("user{e}@EXAMPLE.com"));
                }
                if let Some(p) = phone {
                    new = new.contact(ContactKind::Mobile, &format!("۰۹۱۲۰۰۰۰۰۰{p}"));
                }
                let result = s.create_customer(new).await;
                if let Ok(c) = &result {
                    created.push(c.id);
                }
                format!("{result:?}")
            }
            Op::Tag {
                customer,
                tag,
                stale_by,
            } => match pick(&created, customer) {
                Some(id) => {
                    let current = s.customer(id).await.map(|c| c.version).unwrap_or(0);
                    let expected = stale_by.map(|by| current.saturating_sub(u64::from(by)));
                    let changes = CustomerChanges {
                        add_tags: vec![format!("tag{tag}")],
                        ..Default::default()
                    };
                    format!("{:?}", s.update_customer(id, expected, changes).await)
                }
                None => "no customer".into(),
            },
            Op::Stage { customer, stage } => match pick(&created, customer) {
                Some(id) => {
                    let changes = CustomerChanges {
                        stage: Some(LifecycleStage::ALL[stage]),
                        ..Default::default()
                    };
                    format!("{:?}", s.update_customer(id, None, changes).await)
                }
                None => "no customer".into(),
            },
            Op::AddEmail { customer, email } => match pick(&created, customer) {
                Some(id) => {
                    let input =
                        ContactInput::new(ContactKind::Email, &format!("USER{email}@example.com"));
                    format!("{:?}", s.add_contact(id, None, input).await)
                }
                None => "no customer".into(),
            },
            Op::Merge { winner, loser } => match (pick(&created, winner), pick(&created, loser)) {
                (Some(w), Some(l)) => {
                    let wv = store_version(s, w).await;
                    let lv = store_version(s, l).await;
                    format!("{:?}", s.merge_customers(w, wv, l, lv).await)
                }
                _ => "no customer".into(),
            },
            Op::Delete { customer } => match pick(&created, customer) {
                Some(id) => {
                    let v = store_version(s, id).await;
                    format!("{:?}", desk.manager.delete_customer(id, v).await)
                }
                None => "no customer".into(),
            },
            Op::Interact {
                customer,
                minutes_ago,
            } => match pick(&created, customer) {
                Some(id) => {
                    let at = desk.clock.now() - chrono::Duration::minutes(i64::from(minutes_ago));
                    let new =
                        NewInteraction::new(id, Channel::Sms, Direction::Inbound, "پیام").at(at);
                    format!("{:?}", s.record_interaction(new).await)
                }
                None => "no customer".into(),
            },
            Op::Search { name, prefix } => {
                let query: String = NAMES[name].chars().take(prefix).collect();
                format!(
                    "{:?}",
                    s.search_customers(&query, &PageRequest::first(3)).await
                )
            }
            Op::List { stage, limit } => {
                let filter = CustomerFilter {
                    stage: Some(LifecycleStage::ALL[stage]),
                    ..Default::default()
                };
                format!(
                    "{:?}",
                    s.list_customers(&filter, &PageRequest::first(limit)).await
                )
            }
            Op::Tick { minutes } => {
                desk.tick(i64::from(minutes));
                String::new()
            }
        };
        out.push(line);
    }
    for customer in crate::checks::all_customers(s).await {
        let history = s.interactions(customer.id, &PageRequest::first(1000)).await;
        out.push(format!("{customer:?} {history:?}"));
    }
    out.push(format!(
        "{:?}",
        desk.admin
            .audit_trail(None, &PageRequest::first(1000))
            .await
    ));
    out
}

/// The stored version of a customer, following no redirect (0 when gone).
async fn store_version(s: &crm_core::Session, id: CustomerId) -> u64 {
    s.customer(id)
        .await
        .map(|c| if c.id == id { c.version } else { 0 })
        .unwrap_or(0)
}

/// Runs `ops` on both stores and panics at the first difference.
pub async fn assert_same(reference: &Arc<dyn Store>, under_test: &Arc<dyn Store>, ops: &[Op]) {
    let expected = run(reference, ops).await;
    let got = run(under_test, ops).await;
    for (i, (e, g)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(e, g, "line {i} differs (ops: {ops:?})");
    }
    assert_eq!(expected.len(), got.len());
}

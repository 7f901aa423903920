//! crm-testkit: the one conformance suite every crm-rs store passes.
//!
//! - [`checks`]: `pub async fn` checks, each taking the store under test as
//!   `&Arc<dyn Store>` (the services need an `Arc`; the raw-commit checks use it as
//!   `&dyn Store`).
//! - [`store_conformance_tests!`]: expands every check into a `#[tokio::test]` for a store,
//!   given an `async fn() -> Fixture` that makes a fresh, empty one.
//! - [`model`]: the model-based test: random operation sequences (conflicting ones included)
//!   run on two stores with the same clock and ids must give identical results.
//! - [`club_model`]: the points ledger under random operations, against a reference model.
//! - [`deal_model`]: the deal state machine under random actions by random actors.
//! - [`support`]: a workspace with one staff member of each role, a manual clock.
//! - [`hooked_store`]: a store that runs another session's work right before a chosen
//!   commit, for races that must happen every time.
//! - [`note`]: a record kind only the suite declares, which every store must handle as it
//!   handles crm-core's own.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test kit: failing loudly is its job

pub mod checks;
pub mod club_model;
pub mod deal_model;
pub mod hooked_store;
pub mod model;
pub mod note;
pub mod request_model;
pub mod support;

use crm_core::store::Store;
use std::any::Any;
use std::sync::Arc;

/// Reports a check skipped because its store is not available, on stderr where test
/// harnesses do not capture it.
pub fn skipped(check: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED: {check}: store not available"
    );
}

/// A fresh, empty store under test, and whatever must live as long as it (a temporary
/// directory, a database schema to drop).
pub struct Fixture {
    /// The store.
    pub store: Arc<dyn Store>,
    _guard: Box<dyn Any + Send + Sync>,
}

impl Fixture {
    /// A fixture of `store`, keeping `guard` alive until the fixture is dropped.
    pub fn new(store: Arc<dyn Store>, guard: impl Any + Send + Sync) -> Self {
        Self {
            store,
            _guard: Box::new(guard),
        }
    }
}

/// Expands every check of [`checks`] into a `#[tokio::test]` run against the store made by
/// `$make` (a path to an `async fn() -> Option<crm_testkit::Fixture>`; `None` means the
/// store is not available here: the test prints `SKIPPED: ...` and passes, and CI fails on
/// that line). Every check uses the store through `Arc<dyn Store>`, as applications do.
///
/// ```
/// use crm_store_memory::MemoryStore;
/// use std::sync::Arc;
///
/// async fn fixture() -> Option<crm_testkit::Fixture> {
///     Some(crm_testkit::Fixture::new(Arc::new(MemoryStore::new()), ()))
/// }
/// crm_testkit::store_conformance_tests!(fixture);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:path) => {
        $crate::store_conformance_tests!(@tests $make;
            workspace_and_sessions,
            customer_round_trip,
            contact_keys_are_unique,
            a_leavers_customers_stay_editable,
            commit_is_all_or_nothing,
            versions_are_checked,
            search_is_persian_aware,
            lists_filter_and_page,
            interactions_newest_first,
            merge_moves_everything,
            audit_trail_records_changes,
            roles_are_enforced,
            bad_input_changes_nothing,
            workspaces_are_isolated,
            outbox_is_delivered_with_retries,
            consent_decides_what_reaches_customers,
            an_sms_opt_out_withdraws_consent,
            webhooks_receive_the_events_they_want,
            delivery_reports_follow_sent_messages,
            parked_messages_can_be_replayed,
            the_worker_delivers_until_told_to_stop,
            deal_events_reach_webhooks_and_the_worker_freezes_forecasts,
            racing_creates_keep_one_customer_per_email,
            concurrent_edits_lose_nothing,
            cartable_scenario,
            admins_work_any_request,
            intake_joins_flags_and_reopens,
            routing_rules_route_and_assign,
            transitions_are_checked,
            service_levels_pause_and_breach,
            cartable_views_sort_and_page,
            concurrent_intake_is_idempotent,
            a_new_kind_needs_no_store_code,
            snapshots_never_mix_commits,
            readers_never_see_damage_while_records_go,
            templates_override_per_workspace,
            sales_funnel_scenario,
            deal_access_follows_ownership,
            bad_sales_input_changes_nothing,
            concurrent_conversion_is_idempotent,
            sales_figures_match_hand_computed,
            deal_summaries_match_bodies,
            tasks_views_notify_and_check_access,
            open_task_summaries_match_bodies,
            recurring_tasks_edit_one_or_the_series,
            reminders_go_out_once_per_due_time,
            greetings_fall_on_their_dates_once_a_year,
            celebrant_summaries_match_bodies,
            greeting_job_follows_the_filter_and_the_language,
            hand_over_leaves_nothing_with_the_leaver,
            intake_routes_around_a_person_deactivated_meanwhile,
            reopened_work_follows_the_leaver,
            customer_timeline_pages_newest_first,
            low_ratings_create_a_follow_up_for_the_manager,
            club_ledger_scenario,
            refunds_may_block_redemption,
            racing_holds_never_overspend,
        );
    };
    (@tests $make:path; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                match $make().await {
                    Some(fixture) => $crate::checks::$check(&fixture.store).await,
                    None => $crate::skipped(stringify!($check)),
                }
            }
        )*
    };
}

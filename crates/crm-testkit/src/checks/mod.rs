//! The conformance checks. Each takes a fresh, empty store and panics on a failed expectation.

mod access;
mod activities;
mod cartable;
mod club;
mod commit;
mod customers;
mod delivery;
mod isolation;
mod merge;
mod outbox;
mod queries;
mod race;
mod records;
mod sales;
mod templates;

pub use access::{audit_trail_records_changes, roles_are_enforced};
pub use activities::{
    celebrant_summaries_match_bodies, customer_timeline_pages_newest_first,
    greeting_job_follows_the_filter_and_the_language, greetings_fall_on_their_dates_once_a_year,
    hand_over_leaves_nothing_with_the_leaver, intake_routes_around_a_person_deactivated_meanwhile,
    low_ratings_create_a_follow_up_for_the_manager, open_task_summaries_match_bodies,
    recurring_tasks_edit_one_or_the_series, reminders_go_out_once_per_due_time,
    reopened_work_follows_the_leaver, tasks_views_notify_and_check_access,
};
pub use cartable::{
    admins_work_any_request, cartable_scenario, cartable_views_sort_and_page,
    concurrent_intake_is_idempotent, intake_joins_flags_and_reopens,
    routing_rules_route_and_assign, service_levels_pause_and_breach, transitions_are_checked,
};
pub use club::{
    assert_ledger_consistent, club_ledger_scenario, racing_holds_never_overspend,
    refunds_may_block_redemption,
};
pub use commit::{commit_is_all_or_nothing, versions_are_checked};
pub use customers::{
    a_leavers_customers_stay_editable, bad_input_changes_nothing, contact_keys_are_unique,
    customer_round_trip, workspace_and_sessions,
};
pub use delivery::{
    an_sms_opt_out_withdraws_consent, consent_decides_what_reaches_customers,
    deal_events_reach_webhooks_and_the_worker_freezes_forecasts,
    delivery_reports_follow_sent_messages, parked_messages_can_be_replayed,
    the_worker_delivers_until_told_to_stop, webhooks_receive_the_events_they_want,
};
pub use isolation::workspaces_are_isolated;
pub use merge::merge_moves_everything;
pub use outbox::outbox_is_delivered_with_retries;
pub use queries::{interactions_newest_first, lists_filter_and_page, search_is_persian_aware};
pub use race::{concurrent_edits_lose_nothing, racing_creates_keep_one_customer_per_email};
pub use records::{
    a_new_kind_needs_no_store_code, readers_never_see_damage_while_records_go,
    snapshots_never_mix_commits,
};
pub use sales::{
    SalesDesk, bad_sales_input_changes_nothing, concurrent_conversion_is_idempotent,
    deal_access_follows_ownership, deal_summaries_match_bodies, sales_figures_match_hand_computed,
    sales_funnel_scenario,
};
pub use templates::templates_override_per_workspace;

use crm_core::customer::CustomerFilter;
use crm_core::store::PageRequest;
use crm_core::{Error, Session};

/// Panics unless `result` is an [`Error::Invalid`] (for `field`, when given).
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>, field: Option<&str>) {
    match result {
        Err(Error::Invalid { field: f, .. }) if field.is_none_or(|want| f == want) => {}
        other => panic!("expected Invalid({field:?}), got {other:?}"),
    }
}

/// Panics unless `result` is an [`Error::Conflict`].
#[track_caller]
pub fn assert_conflict<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Conflict(_)) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
}

/// Panics unless `result` is an [`Error::Unauthorized`].
#[track_caller]
pub fn assert_unauthorized<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Unauthorized { .. }) => {}
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

/// Panics unless `result` is an [`Error::NotFound`].
#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Every live customer of the session's workspace, following every page.
pub async fn all_customers(session: &Session) -> Vec<crm_core::customer::Customer> {
    let mut out = Vec::new();
    let mut page = PageRequest::first(100);
    loop {
        let got = session
            .list_customers(&CustomerFilter::default(), &page)
            .await
            .expect("list");
        out.extend(got.items);
        match got.next {
            Some(next) => page = PageRequest::after(next, 100),
            None => return out,
        }
    }
}

/// The number of audit entries of the session's workspace (the session must be allowed to
/// read the trail).
pub async fn audit_count(session: &Session) -> usize {
    let mut n = 0;
    let mut page = PageRequest::first(1000);
    loop {
        let got = session.audit_trail(None, &page).await.expect("audit");
        n += got.items.len();
        match got.next {
            Some(next) => page = PageRequest::after(next, 1000),
            None => return n,
        }
    }
}

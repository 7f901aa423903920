//! Model-based test of the request state machine: random actions by random actors never
//! reach an illegal state, a refused action changes nothing, and the audit trail replays to
//! the current state.

use crate::support::Desk;
use crm_core::Session;
use crm_core::audit::AuditAction;
use crm_core::channel::Channel;
use crm_core::id::RequestId;
use crm_core::request::{Holder, Request, RequestAction, RequestStatus};
use crm_core::service::{InboundMessage, Sender};
use crm_core::store::{PageRequest, Store};
use proptest::prelude::*;
use std::sync::Arc;

/// One step: an actor (by index) tries an action (by index) with a target (by index).
#[derive(Debug, Clone, Copy)]
pub struct Step {
    actor: u8,
    action: u8,
    target: u8,
    minutes: u8,
}

/// Sequences of up to `max_len` steps.
pub fn steps(max_len: usize) -> impl Strategy<Value = Vec<Step>> {
    let step =
        (0u8..5, 0u8..10, 0u8..4, 0u8..90).prop_map(|(actor, action, target, minutes)| Step {
            actor,
            action,
            target,
            minutes,
        });
    proptest::collection::vec(step, 1..max_len)
}

const ACTIONS: [&str; 10] = [
    "refer",
    "take",
    "wait",
    "resolve",
    "approve",
    "return",
    "reply",
    "close",
    "rate",
    "customer_writes",
];

/// Runs `steps` against one request on `store` (fresh and empty), checking the invariants
/// after every step and the audit replay at the end. Panics on a violation.
pub async fn run(store: &Arc<dyn Store>, steps: &[Step]) {
    let desk = Desk::open(store, "Machine").await;
    let ws = desk.workspace.id;
    let intake = desk
        .crm
        .system_session(ws, "channels")
        .await
        .expect("system");
    let sender = || Sender {
        email: Some("m@example.com".into()),
        ..Default::default()
    };
    let first = InboundMessage::new(Channel::Email, "m-0", sender(), "help").thread("t");
    let id = intake.intake(first).await.expect("intake").request.id;
    let actors: [&Session; 5] = [
        &desk.officer,
        &desk.agent,
        &desk.agent2,
        &desk.manager,
        &intake,
    ];
    let targets = [
        Holder::Officers,
        Holder::Staff(desk.agent.principal().staff_id().expect("staff")),
        Holder::Staff(desk.agent2.principal().staff_id().expect("staff")),
        Holder::Staff(desk.officer.principal().staff_id().expect("staff")),
    ];
    for (n, step) in steps.iter().enumerate() {
        desk.tick(i64::from(step.minutes));
        let before = desk.manager.request(id).await.expect("load");
        let who = actors[usize::from(step.actor) % actors.len()];
        let action = ACTIONS[usize::from(step.action) % ACTIONS.len()];
        let v = before.version;
        let result = match action {
            "refer" => {
                who.refer(
                    id,
                    v,
                    targets[usize::from(step.target) % targets.len()],
                    "note",
                )
                .await
            }
            "take" => who.take(id, v).await,
            "wait" => who.wait_on_customer(id, v, "?").await,
            "resolve" => who.resolve(id, v, "answer").await,
            "approve" => who.approve(id, v, "").await,
            "return" => who.return_answer(id, v, "again").await,
            "reply" => who.reply(id, v, None).await,
            "close" => who.close(id, v).await,
            "rate" => who.rate(id, v, 1 + step.target, None).await,
            _ => {
                let m =
                    InboundMessage::new(Channel::Email, &format!("m-{}", n + 1), sender(), "more")
                        .thread("t");
                intake.intake(m).await.map(|o| o.request)
            }
        };
        let after = desk.manager.request(id).await.expect("load");
        match &result {
            Ok(r) => {
                assert_eq!(
                    r, &after,
                    "step {n}: the returned request is the stored one"
                );
                assert_eq!(after.version, before.version + 1, "step {n}: {action}");
                if action != "customer_writes" {
                    let expected = before.status.allows(action_of(action)).expect("allowed");
                    assert_eq!(
                        after.status, expected,
                        "step {n}: {action} from {:?}",
                        before.status
                    );
                }
            }
            Err(e) => {
                assert_eq!(
                    before, after,
                    "step {n}: refused {action} ({e}) changed the request"
                );
                assert!(
                    matches!(
                        e,
                        crm_core::Error::Unauthorized { .. }
                            | crm_core::Error::IllegalTransition { .. }
                            | crm_core::Error::Invalid { .. }
                    ),
                    "step {n}: unexpected error {e:?}"
                );
            }
        }
        check_invariants(&after, n);
    }
    replay_audit(&desk, id).await;
}

fn action_of(name: &str) -> RequestAction {
    match name {
        "refer" => RequestAction::Refer,
        "take" => RequestAction::Take,
        "wait" => RequestAction::WaitOnCustomer,
        "resolve" => RequestAction::Resolve,
        "approve" => RequestAction::Approve,
        "return" => RequestAction::Return,
        "reply" => RequestAction::Reply,
        "close" => RequestAction::Close,
        "rate" => RequestAction::Rate,
        _ => RequestAction::CustomerWrote,
    }
}

fn check_invariants(r: &Request, n: usize) {
    use RequestStatus::*;
    if matches!(r.status, Resolved | Approved | Replied) {
        assert!(
            r.answer.is_some(),
            "step {n}: {:?} without an answer",
            r.status
        );
    }
    if r.status == Approved {
        assert!(
            r.reviews.last().is_some_and(|v| v.approved),
            "step {n}: approved without an approving review"
        );
    }
    if r.status == Returned {
        assert!(
            r.reviews.last().is_some_and(|v| !v.approved),
            "step {n}: returned without a returning review"
        );
    }
    if r.status == Replied {
        assert!(
            r.reply.is_some() && r.sla.resolved_at.is_some(),
            "step {n}: replied without a reply"
        );
    }
    assert_eq!(
        r.status == WaitingOnCustomer,
        r.sla.paused_since.is_some(),
        "step {n}: the clock pauses exactly while waiting"
    );
    if let Some(a) = &r.answer {
        for review in r.reviews.iter().filter(|v| v.at >= a.at) {
            assert_ne!(
                review.by, a.by,
                "step {n}: an author reviewed their own answer"
            );
        }
    }
    assert!(r.ping_pongs() <= r.hops());
    assert_eq!(
        r.satisfaction.is_some(),
        r.satisfaction
            .as_ref()
            .is_some_and(|s| (1..=5).contains(&s.rating))
    );
}

/// Replays the request's audit trail through the state machine and compares the result.
async fn replay_audit(desk: &Desk, id: RequestId) {
    let trail = desk
        .manager
        .audit_trail(Some(id.0), &PageRequest::first(1000))
        .await
        .expect("audit");
    let mut status = None;
    for entry in &trail.items {
        let action = match entry.action {
            AuditAction::Created => {
                status = Some(RequestStatus::New);
                continue;
            }
            AuditAction::Referred => RequestAction::Refer,
            AuditAction::Taken => RequestAction::Take,
            AuditAction::WaitingOnCustomer => RequestAction::WaitOnCustomer,
            AuditAction::Resolved => RequestAction::Resolve,
            AuditAction::Approved => RequestAction::Approve,
            AuditAction::Returned => RequestAction::Return,
            AuditAction::Replied => RequestAction::Reply,
            AuditAction::Closed => RequestAction::Close,
            AuditAction::Rated => RequestAction::Rate,
            AuditAction::MessageAdded | AuditAction::Reopened => RequestAction::CustomerWrote,
            _ => continue,
        };
        let current = status.expect("created first");
        status = Some(
            current
                .allows(action)
                .unwrap_or_else(|| panic!("audit has {action:?} from {current:?}")),
        );
    }
    let stored = desk.manager.request(id).await.expect("load");
    assert_eq!(
        status,
        Some(stored.status),
        "the audit trail replays to the current state"
    );
}

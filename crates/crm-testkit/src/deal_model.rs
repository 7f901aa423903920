//! The model-based test of the deal state machine: random actions by random actors on two
//! deals, checked step by step against a model of what must happen. A refused action changes
//! nothing (the stored deal is the one before, byte for byte); an accepted one changes exactly
//! what the model says; the stage log always replays to the deal's position.

use crate::checks::SalesDesk;
use crm_core::Error;
use crm_core::sales::{Deal, DealStatus, LostReason, Money, Position, replay};
use crm_core::service::{DealChanges, NewDeal};
use crm_core::store::{Store, StoreExt};
use proptest::prelude::*;
use std::sync::Arc;

/// The stages of the default pipeline, and one no pipeline has (index 4).
const STAGES: [&str; 5] = [
    "qualification",
    "needs",
    "proposal",
    "negotiation",
    "nowhere",
];

/// Who acts: 0 agent (Sales), 1 agent2 (Field sales), 2 manager (Sales), 3 admin, 4 officer.
const ACTORS: usize = 5;

/// One action on a deal.
#[derive(Debug, Clone)]
pub enum Action {
    /// Move to stage `STAGES[i]`.
    Move(usize),
    /// Win.
    Win,
    /// Lose: 0 price, 1 a named competitor, 2 a competitor without a name, 3 other without text.
    Lose(u8),
    /// Reopen at `STAGES[i]`, or the stage it was closed from.
    Reopen(Option<usize>),
    /// Set the probability by hand (over 100 is refused).
    Probability(u8),
    /// Give it to actor 0, 1 or 2.
    Reassign(usize),
}

/// One step: an actor does an action on deal 0 or 1.
#[derive(Debug, Clone)]
pub struct Step {
    /// Which actor.
    pub actor: usize,
    /// Which deal.
    pub deal: usize,
    /// What.
    pub action: Action,
}

/// Random steps, up to `n`.
pub fn steps(n: usize) -> impl Strategy<Value = Vec<Step>> {
    let action = prop_oneof![
        3 => (0..STAGES.len()).prop_map(Action::Move),
        1 => Just(Action::Win),
        1 => (0u8..4).prop_map(Action::Lose),
        1 => prop::option::of(0..STAGES.len()).prop_map(Action::Reopen),
        1 => (0u8..130).prop_map(Action::Probability),
        1 => (0usize..3).prop_map(Action::Reassign),
    ];
    prop::collection::vec(
        (0..ACTORS, 0usize..2, action).prop_map(|(actor, deal, action)| Step {
            actor,
            deal,
            action,
        }),
        1..n,
    )
}

/// What the model expects of a step.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Invalid,
    Unauthorized,
}

/// The model of one deal.
#[derive(Debug, Clone)]
struct Model {
    owner: usize,
    status: DealStatus,
    stage: usize,
    probability: Option<u8>,
    log: usize,
}

/// Actors 0 and 2 are in Sales, 1 in Field sales.
fn in_sales(actor: usize) -> bool {
    actor == 0 || actor == 2
}

fn may_work(actor: usize, owner: usize) -> bool {
    actor == 3 || actor == owner || (actor == 2 && in_sales(owner))
}

fn may_assign(actor: usize, to: usize) -> bool {
    actor == 3 || actor == to || (actor == 2 && in_sales(to))
}

impl Model {
    /// The expected outcome of `action` by `actor`, applying it when accepted.
    fn apply(&mut self, actor: usize, action: &Action) -> Outcome {
        use Outcome::*;
        let open = self.status == DealStatus::Open;
        // Input checked before the deal is read.
        match action {
            Action::Lose(r) if *r >= 2 => return Invalid,
            Action::Probability(p) if *p > 100 => return Invalid,
            _ => {}
        }
        if !may_work(actor, self.owner) {
            return Unauthorized;
        }
        match action {
            Action::Move(i) => {
                if !open || *i == 4 || *i == self.stage {
                    return Invalid;
                }
                self.stage = *i;
                self.log += 1;
            }
            Action::Win | Action::Lose(_) => {
                if !open {
                    return Invalid;
                }
                self.status = if matches!(action, Action::Win) {
                    DealStatus::Won
                } else {
                    DealStatus::Lost
                };
                self.log += 1;
            }
            Action::Reopen(stage) => {
                if open || *stage == Some(4) {
                    return Invalid;
                }
                if let Some(i) = stage {
                    self.stage = *i;
                }
                self.status = DealStatus::Open;
                self.log += 1;
            }
            Action::Probability(p) => self.probability = Some(*p),
            Action::Reassign(to) => {
                if !may_assign(actor, *to) {
                    return Unauthorized;
                }
                self.owner = *to;
            }
        }
        Ok
    }
}

/// Runs `steps` on a fresh workspace in `store`, checking every step against the model.
pub async fn run(store: &Arc<dyn Store>, steps: &[Step]) {
    let s = SalesDesk::open(store, "Model").await;
    let d = &s.desk;
    let actors = [&d.agent, &d.agent2, &d.manager, &d.admin, &d.officer];
    let staff: Vec<_> = actors
        .iter()
        .map(|a| a.principal().staff_id().expect("staff"))
        .collect();
    let customer = s.customer("Model Customer").await;
    let mut deals = Vec::new();
    let mut models = Vec::new();
    for owner in [0usize, 1] {
        let new = NewDeal::new(
            "Model deal",
            customer,
            s.pipeline.id,
            Money::parse("1000", "IRR").expect("money"),
        );
        deals.push(actors[owner].create_deal(new).await.expect("deal").id);
        models.push(Model {
            owner,
            status: DealStatus::Open,
            stage: 0,
            probability: None,
            log: 1,
        });
    }
    let ws = d.workspace.id;
    for (n, step) in steps.iter().enumerate() {
        let id = deals[step.deal];
        let before: Deal = store.fetch(ws, id.0).await.expect("before");
        let who = actors[step.actor];
        let result = match &step.action {
            Action::Move(i) => who.move_deal(id, None, STAGES[*i]).await,
            Action::Win => who.win_deal(id, Some(before.version)).await,
            Action::Lose(r) => {
                let reason = match r {
                    0 => LostReason::Price,
                    1 => LostReason::Competitor {
                        name: "Pars Co".into(),
                    },
                    2 => LostReason::Competitor { name: " ".into() },
                    _ => LostReason::Other {
                        text: String::new(),
                    },
                };
                who.lose_deal(id, None, reason).await
            }
            Action::Reopen(stage) => who.reopen_deal(id, None, stage.map(|i| STAGES[i])).await,
            Action::Probability(p) => {
                let changes = DealChanges {
                    probability: Some(Some(*p)),
                    ..Default::default()
                };
                who.update_deal(id, None, changes).await
            }
            Action::Reassign(to) => who.reassign_deal(id, None, staff[*to]).await,
        };
        let model = &mut models[step.deal];
        let want = model.apply(step.actor, &step.action);
        let after: Deal = store.fetch(ws, id.0).await.expect("after");
        match (&result, &want) {
            (Ok(deal), Outcome::Ok) => {
                assert_eq!(
                    deal, &after,
                    "step {n}: the returned deal is the stored one"
                );
                assert_eq!(after.version, before.version + 1, "step {n}");
            }
            (Err(Error::Invalid { .. }), Outcome::Invalid)
            | (Err(Error::Unauthorized { .. }), Outcome::Unauthorized) => {
                assert_eq!(after, before, "step {n}: a refused action changed the deal");
            }
            (got, want) => panic!("step {n} {step:?}: expected {want:?}, got {got:?}"),
        }
        assert_eq!(after.owner, staff[model.owner], "step {n}: owner");
        assert_eq!(after.status, model.status, "step {n}: status");
        assert_eq!(after.stage, STAGES[model.stage], "step {n}: stage");
        assert_eq!(
            after.probability, model.probability,
            "step {n}: probability"
        );
        assert_eq!(after.log.len(), model.log, "step {n}: log length");
        assert_eq!(
            replay(&after.log),
            Some(after.position()),
            "step {n}: replay"
        );
        assert_eq!(
            after.closed_at.is_some(),
            !after.is_open(),
            "step {n}: closed_at"
        );
        if after.status == DealStatus::Lost {
            assert!(
                after.lost_reason.is_some(),
                "step {n}: lost without a reason"
            );
            assert!(matches!(
                after.log.last().map(|c| &c.to),
                Some(Position::Lost)
            ));
        }
    }
}

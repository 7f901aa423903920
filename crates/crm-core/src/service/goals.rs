//! Sales goals: setting them, and their attainment so far and pro-rated for the elapsed part
//! of the period.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::{Actor, AuditAction};
use crate::calendar::Period;
use crate::error::{Error, Result};
use crate::id::{GoalId, StaffId};
use crate::interaction::Interaction;
use crate::record::{Entity, Key, RecordKind, RecordRef};
use crate::sales::{
    DealStatus, GOAL_BY_PERIOD, Goal, GoalMetric, GoalSubject, LEAD_BY_QUALIFIED, Lead,
};
use crate::staff::Staff;
use crate::store::{Commit, Scan, StoreExt};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// A goal to set.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGoal {
    /// Whose goal.
    pub subject: GoalSubject,
    /// The period.
    pub period: Period,
    /// What is counted.
    pub metric: GoalMetric,
    /// The target.
    pub target: Decimal,
}

/// A goal with how far it has come.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GoalProgress {
    /// The goal.
    pub goal: Goal,
    /// First instant of the period.
    pub from: DateTime<Utc>,
    /// First instant after it.
    pub to: DateTime<Utc>,
    /// What has been achieved so far in the period.
    pub actual: Decimal,
    /// The share of the period elapsed, 0 to 1.
    pub elapsed: Decimal,
    /// The pro-rated target: `target × elapsed`, what should have been achieved by now.
    pub expected_so_far: Decimal,
}

impl GoalProgress {
    /// `actual / target` (1 is the goal reached); `None` for a zero target.
    pub fn attainment(&self) -> Option<Decimal> {
        self.actual.checked_div(self.goal.target)
    }

    /// `actual / expected_so_far` (1 is on pace); `None` before the period starts.
    pub fn pace(&self) -> Option<Decimal> {
        self.actual.checked_div(self.expected_so_far)
    }
}

fn goal_ref(id: GoalId) -> RecordRef {
    RecordRef {
        kind: RecordKind::GOAL,
        id: id.0,
    }
}

impl Session {
    /// Sets a goal (managers and administrators): creates it, or changes the target of the
    /// goal of the same subject, period and metric.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a negative target, a fractional count, a value with more
    /// decimals than its currency, a custom period, or an unknown subject;
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_goal", record = tracing::field::Empty))]
    pub async fn set_goal(&self, new: NewGoal) -> Result<Goal> {
        self.check(Permission::ManageGoals, None)?;
        if new.target.is_sign_negative() {
            return Err(Error::invalid("target", "must not be negative"));
        }
        match &new.metric {
            GoalMetric::WonValue { currency } => {
                crate::sales::Money::new(new.target, currency.clone())?;
            }
            _ if !new.target.fract().is_zero() => {
                return Err(Error::invalid("target", "a count is a whole number"));
            }
            _ => {}
        }
        if matches!(new.period, Period::Custom { .. }) {
            return Err(Error::invalid("period", "a month, quarter or year"));
        }
        match new.subject {
            GoalSubject::Staff(s) => {
                self.active_staff(s).await?;
            }
            GoalSubject::Department(d) => {
                self.store()
                    .load::<crate::staff::Department>(self.ws, d.0)
                    .await?
                    .ok_or_else(|| Error::invalid("subject", format!("no department {d}")))?;
            }
        }
        let new = &new;
        retry_on_conflict(RetryOn::AnyConflict, move || async move {
            let now = self.now();
            let fresh = Goal {
                id: GoalId(self.new_id()),
                version: 1,
                subject: new.subject,
                period: new.period,
                metric: new.metric.clone(),
                target: new.target,
                created_at: now,
                updated_at: now,
            };
            let (goal, action) = match self
                .store()
                .holder_of::<Goal>(self.ws, &fresh.key())
                .await?
            {
                Some(mut goal) => {
                    goal.target = new.target;
                    goal.version += 1;
                    goal.updated_at = now;
                    (goal, AuditAction::Updated)
                }
                None => (fresh, AuditAction::Created),
            };
            let mut commit = Commit::new();
            commit.put(goal.clone());
            self.audit(
                &mut commit,
                action,
                goal_ref(goal.id),
                &format!("target {}", goal.target),
            );
            self.commit(commit).await?;
            Ok(goal)
        })
        .await
    }

    /// The goals of `period` with their progress at the service clock's now.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a period out of range; [`Error::Unauthorized`] unless a manager
    /// or administrator.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "goals", record = tracing::field::Empty))]
    pub async fn goals(&self, period: Period) -> Result<Vec<GoalProgress>> {
        self.check(Permission::ReadSalesReports, None)?;
        let goals = self
            .collect::<Goal>(Scan::index(GOAL_BY_PERIOD).prefix(&Key::new().text(&period.label())))
            .await?;
        let mut out = Vec::with_capacity(goals.len());
        for goal in goals {
            out.push(self.goal_progress(goal).await?);
        }
        Ok(out)
    }

    async fn goal_progress(&self, goal: Goal) -> Result<GoalProgress> {
        let tz = self.work_calendar().await?.tz;
        let (from, to) = goal
            .period
            .utc_range(tz)
            .map_err(|e| Error::invalid("period", e.to_string()))?;
        let now = self.now();
        let until = now.clamp(from, to);
        let members: BTreeSet<StaffId> = match goal.subject {
            GoalSubject::Staff(s) => BTreeSet::from([s]),
            GoalSubject::Department(d) => self
                .store()
                .all::<Staff>(self.ws)
                .await?
                .into_iter()
                .filter(|s| s.department == Some(d))
                .map(|s| s.id)
                .collect(),
        };
        let actual = match &goal.metric {
            GoalMetric::WonValue { .. } | GoalMetric::WonCount => {
                let won = self.closed_between(from, until).await?;
                let mine = won.into_iter().filter(|d| {
                    d.status == DealStatus::Won
                        && match goal.subject {
                            GoalSubject::Staff(s) => d.owner == s,
                            GoalSubject::Department(dep) => d.department == Some(dep),
                        }
                });
                match &goal.metric {
                    GoalMetric::WonValue { currency } => mine
                        .filter(|d| &d.amount.currency == currency)
                        .map(|d| d.amount.amount)
                        .sum(),
                    _ => Decimal::from(mine.count()),
                }
            }
            GoalMetric::QualifiedLeads => {
                let leads = self
                    .collect::<Lead>(
                        Scan::index(LEAD_BY_QUALIFIED)
                            .from(&Key::new().time(from))
                            .until(&Key::new().time(until)),
                    )
                    .await?;
                let count = leads
                    .iter()
                    .filter(|l| {
                        l.qualification.as_ref().is_some_and(
                            |q| matches!(q.by, Actor::Staff(s) if members.contains(&s)),
                        )
                    })
                    .count();
                Decimal::from(count)
            }
            GoalMetric::Activities => {
                // Interactions have no index by staff member: read them all (goals are read
                // rarely; an index is the cure if this grows slow).
                let all = self
                    .collect::<Interaction>(Scan::records(Interaction::KIND))
                    .await?;
                let count = all
                    .iter()
                    .filter(|i| {
                        i.staff.is_some_and(|s| members.contains(&s))
                            && i.occurred_at >= from
                            && i.occurred_at < until
                    })
                    .count();
                Decimal::from(count)
            }
        };
        let span = (to - from).num_seconds().max(1);
        let elapsed = Decimal::from((until - from).num_seconds().max(0)) / Decimal::from(span);
        Ok(GoalProgress {
            expected_so_far: goal.target * elapsed,
            actual,
            elapsed,
            from,
            to,
            goal,
        })
    }
}

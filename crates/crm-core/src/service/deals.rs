//! Deals: creating them, moving them through their pipeline's stages, winning, losing (with a
//! typed reason) and reopening them, every change of stage logged and audited.
//!
//! Who may work a deal: its owner; a manager, when the deal is their department's; an
//! administrator, always. Anyone else is refused and nothing changes.

use super::{RetryOn, Session, retry_on_conflict};
use crate::access::{Permission, Principal};
use crate::audit::AuditAction;
use crate::calendar::WorkCalendar;
use crate::error::{Error, Result};
use crate::id::{CustomerId, DealId, DepartmentId, LeadId, PipelineId, StaffId};
use crate::limits::{self, MAX_NAME};
use crate::record::{Entity, Key, RecordKind, RecordRef};
use crate::sales::{
    DEAL_BY_CUSTOMER, DEAL_OPEN_BY_OWNER, Deal, DealStatus, LeadSource, Line, LostReason, Money,
    OPEN_BY_OWNER_SORT_LEN, OpenDeal, Pipeline, Position, StageChange, StageTime, read_summary,
    time_in_stages,
};
use crate::staff::{Role, Staff};
use crate::store::{Commit, Page, PageRequest, Scan, StoreExt};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Most lines a deal or order may have.
pub const MAX_LINES: usize = 200;

/// A deal to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeal {
    /// What is being sold.
    pub title: String,
    /// To whom.
    pub customer: CustomerId,
    /// The salesperson (default: the acting staff member).
    pub owner: Option<StaffId>,
    /// The pipeline.
    pub pipeline: PipelineId,
    /// The starting stage (default: the pipeline's first).
    pub stage: Option<String>,
    /// The value; with `lines`, their total is used and this must be `None` or equal.
    pub amount: Option<Money>,
    /// The products.
    pub lines: Vec<Line>,
    /// When it is expected to close.
    pub expected_close: Option<NaiveDate>,
    /// A probability set by hand (percent).
    pub probability: Option<u8>,
    /// The next thing to do.
    pub next_step: Option<String>,
    /// Where the business came from.
    pub source: Option<LeadSource>,
}

impl NewDeal {
    /// A deal `title` for `customer` in `pipeline`, worth `amount`, at the first stage,
    /// owned by the acting staff member.
    pub fn new(title: &str, customer: CustomerId, pipeline: PipelineId, amount: Money) -> Self {
        Self {
            title: title.to_owned(),
            customer,
            owner: None,
            pipeline,
            stage: None,
            amount: Some(amount),
            lines: Vec::new(),
            expected_close: None,
            probability: None,
            next_step: None,
            source: None,
        }
    }
}

/// Changes to a deal's details; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealChanges {
    /// A new title.
    pub title: Option<String>,
    /// A new amount (for a deal without lines).
    pub amount: Option<Money>,
    /// New lines (their total becomes the amount).
    pub lines: Option<Vec<Line>>,
    /// A new expected close date (`Some(None)` clears it).
    pub expected_close: Option<Option<NaiveDate>>,
    /// A probability set by hand (`Some(None)`: back to the stage's default).
    pub probability: Option<Option<u8>>,
    /// The next step (`Some(None)` clears it).
    pub next_step: Option<Option<String>>,
}

/// An open deal in a salesperson's pipeline view, with what its stage says.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineItem {
    /// The deal, as the view shows it (fetch it with [`Session::deal`] for the rest).
    pub deal: OpenDeal,
    /// Its stage's position in the pipeline (0 first).
    pub stage_position: usize,
    /// The probability that counts (set by hand or the stage's default).
    pub probability: u8,
    /// The amount weighted by it.
    pub weighted: Decimal,
}

pub(super) fn deal_ref(id: DealId) -> RecordRef {
    RecordRef {
        kind: RecordKind::DEAL,
        id: id.0,
    }
}

/// Checks lines: at most [`MAX_LINES`], positive quantities, one currency; returns their
/// total in `currency` (the first line's, when `None`).
pub(super) fn lines_total(
    lines: &[Line],
    currency: Option<&crate::sales::Currency>,
) -> Result<Money> {
    limits::count("lines", lines.len(), MAX_LINES)?;
    let Some(first) = lines.first() else {
        return Err(Error::invalid("lines", "no lines"));
    };
    let currency = currency.unwrap_or(&first.unit_price.currency).clone();
    let mut total = Money::zero(currency);
    for line in lines {
        if line.quantity <= Decimal::ZERO {
            return Err(Error::invalid("lines.quantity", "must be more than zero"));
        }
        Money::new(line.unit_price.amount, line.unit_price.currency.clone())?;
        total = total.checked_add(&line.total()?)?;
    }
    let units = total.currency.minor_units();
    total.amount = total.amount.round_dp(units);
    Ok(total)
}

fn check_probability(p: Option<u8>) -> Result<()> {
    match p {
        Some(p) if p > 100 => Err(Error::invalid("probability", "a percentage from 0 to 100")),
        _ => Ok(()),
    }
}

impl Session {
    /// The active staff member `id`.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `owner`) for an unknown or deactivated one.
    pub(super) async fn active_staff(&self, id: StaffId) -> Result<Staff> {
        self.store()
            .load::<Staff>(self.ws, id.0)
            .await?
            .filter(|s| s.active)
            .ok_or_else(|| Error::invalid("owner", format!("no active staff member {id}")))
    }

    fn acting_staff(&self) -> Option<&Staff> {
        match &self.principal {
            Principal::Staff(s) => Some(s),
            Principal::System(_) => None,
        }
    }

    /// Whether the actor may work a lead owned by `owner`: its owner, anyone when unowned,
    /// managers and administrators always.
    pub(super) fn may_work_lead(&self, owner: Option<StaffId>) -> Result<()> {
        let allowed = self.acting_staff().is_some_and(|s| {
            s.has_role(Role::Admin) || s.has_role(Role::Manager) || owner.is_none_or(|o| o == s.id)
        });
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(None, "the lead is another salesperson's"))
        }
    }

    /// Whether the actor may work a deal owned by `owner` in `department`: the owner, a
    /// manager of that department, an administrator.
    pub(super) fn may_work_deal(
        &self,
        owner: StaffId,
        department: Option<DepartmentId>,
    ) -> Result<()> {
        let allowed = self.acting_staff().is_some_and(|s| {
            s.has_role(Role::Admin)
                || s.id == owner
                || (s.has_role(Role::Manager) && department.is_some() && s.department == department)
        });
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(None, "the deal is neither yours nor your department's"))
        }
    }

    /// Whether the actor may give a deal to `owner`: themselves; a manager to a member of
    /// their department; an administrator to anyone.
    fn may_assign(&self, owner: &Staff) -> Result<()> {
        let allowed = self.acting_staff().is_some_and(|s| {
            s.has_role(Role::Admin)
                || s.id == owner.id
                || (s.has_role(Role::Manager)
                    && owner.department.is_some()
                    && s.department == owner.department)
        });
        if allowed {
            Ok(())
        } else {
            Err(self.refuse(None, format!("may not give deals to {}", owner.name)))
        }
    }

    /// Builds (without storing) a deal from `new`, checked; `lead` is the lead it comes from.
    pub(super) async fn build_deal(&self, new: NewDeal, lead: Option<LeadId>) -> Result<Deal> {
        self.check(Permission::WorkSales, None)?;
        limits::required("deal.title", &new.title, MAX_NAME)?;
        if let Some(step) = &new.next_step {
            limits::line("deal.next_step", step, MAX_NAME)?;
        }
        check_probability(new.probability)?;
        let owner_id = match new.owner.or_else(|| self.principal.staff_id()) {
            Some(id) => id,
            None => return Err(Error::invalid("owner", "a deal needs an owner")),
        };
        let owner = self.active_staff(owner_id).await?;
        self.may_assign(&owner)?;
        let pipeline = self
            .store()
            .fetch::<Pipeline>(self.ws, new.pipeline.0)
            .await?;
        let stage = match &new.stage {
            Some(key) => pipeline.require_stage(key)?.key.clone(),
            None => pipeline
                .stages
                .first()
                .map(|s| s.key.clone())
                .ok_or_else(|| Error::invalid("stage", "the pipeline has no stage"))?,
        };
        let amount = self.deal_amount(new.amount, &new.lines).await?;
        let now = self.now();
        Ok(Deal {
            id: DealId(self.new_id()),
            version: 1,
            title: new.title.trim().to_owned(),
            customer: new.customer,
            owner: owner.id,
            department: owner.department,
            pipeline: pipeline.id,
            stage: stage.clone(),
            status: DealStatus::Open,
            amount,
            lines: new.lines,
            expected_close: new.expected_close,
            probability: new.probability,
            next_step: new.next_step.filter(|s| !s.trim().is_empty()),
            source: new.source,
            lead,
            lost_reason: None,
            closed_at: None,
            log: vec![StageChange {
                from: None,
                to: Position::Stage(stage),
                by: self.principal.actor(),
                at: now,
                reason: None,
            }],
            created_at: now,
            updated_at: now,
        })
    }

    async fn deal_amount(&self, amount: Option<Money>, lines: &[Line]) -> Result<Money> {
        if lines.is_empty() {
            let amount = amount.ok_or_else(|| Error::invalid("amount", "an amount or lines"))?;
            return Money::new(amount.amount, amount.currency);
        }
        let total = lines_total(lines, amount.as_ref().map(|a| &a.currency))?;
        for line in lines {
            self.store()
                .fetch::<crate::sales::Product>(self.ws, line.product.0)
                .await
                .map_err(|e| match e {
                    Error::NotFound { .. } => {
                        Error::invalid("lines.product", format!("no product {}", line.product))
                    }
                    other => other,
                })?;
        }
        Ok(total)
    }

    /// Creates a deal for a customer (a merged customer's deals go to the survivor).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a blank title, a bad amount, lines, stage or probability, or an
    /// inactive owner; [`Error::NotFound`] for an unknown customer or pipeline;
    /// [`Error::Unauthorized`] to give a deal to someone the actor may not.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_deal", record = tracing::field::Empty))]
    pub async fn create_deal(&self, mut new: NewDeal) -> Result<Deal> {
        new.customer = self.customer(new.customer).await?.id;
        let deal = self.build_deal(new, None).await?;
        let mut commit = Commit::new();
        self.fence_assignment(&mut commit, deal.owner).await?;
        commit.put(deal.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            deal_ref(deal.id),
            &deal.title,
        );
        self.emit(&mut commit, "deal.created", deal_ref(deal.id), &deal);
        self.commit(commit).await?;
        Ok(deal)
    }

    /// The deal with `id` (its owner, their department's manager, administrators).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "deal", record = %id))]
    pub async fn deal(&self, id: DealId) -> Result<Deal> {
        self.check(Permission::WorkSales, None)?;
        let deal = self.store().fetch::<Deal>(self.ws, id.0).await?;
        self.may_work_deal(deal.owner, deal.department)?;
        Ok(deal)
    }

    /// Loads a deal, checks the actor and `expected_version`, applies `apply` and writes the
    /// deal (one version more) with an audit entry, retrying on a stale version when no
    /// version was expected. `apply` returns the audit action and detail, or an error that
    /// changes nothing.
    async fn change_deal<F>(
        &self,
        id: DealId,
        expected_version: Option<u64>,
        apply: F,
    ) -> Result<Deal>
    where
        F: Fn(&Session, &mut Deal, &Pipeline) -> Result<(AuditAction, String)> + Sync,
    {
        self.check(Permission::WorkSales, None)?;
        let apply = &apply;
        retry_on_conflict(
            RetryOn::unless_expected(expected_version),
            move || async move {
                let mut deal = self.store().fetch::<Deal>(self.ws, id.0).await?;
                self.may_work_deal(deal.owner, deal.department)?;
                if let Some(v) = expected_version
                    && v != deal.version
                {
                    return Err(super::leads::stale(Deal::KIND, id.0, v, deal.version));
                }
                let pipeline = self
                    .store()
                    .fetch::<Pipeline>(self.ws, deal.pipeline.0)
                    .await?;
                let owner = deal.owner;
                let was_open = deal.is_open();
                let (action, detail) = apply(self, &mut deal, &pipeline)?;
                let reopened = deal.is_open() && !was_open;
                if reopened && deal.owner == owner {
                    deal.owner = self.owner_on_reopening(owner).await?;
                }
                deal.version += 1;
                deal.updated_at = self.now();
                let mut commit = Commit::new();
                if deal.owner != owner || reopened {
                    self.fence_assignment(&mut commit, deal.owner).await?;
                }
                commit.put(deal.clone());
                self.audit(&mut commit, action, deal_ref(id), &detail);
                let event = format!("deal.{}", action.as_str());
                self.emit(&mut commit, &event, deal_ref(id), &deal);
                self.commit(commit).await?;
                Ok(deal)
            },
        )
        .await
    }

    /// Who owns a deal reopened with `owner`: `owner` while active; for one who left, their
    /// successor from the hand-over, else the staff member reopening it.
    async fn owner_on_reopening(&self, owner: StaffId) -> Result<StaffId> {
        if self
            .store()
            .load::<Staff>(self.ws, owner.0)
            .await?
            .is_some_and(|s| s.active)
        {
            return Ok(owner);
        }
        if let Some(successor) = self.active_successor(owner).await? {
            return Ok(successor);
        }
        self.principal.staff_id().ok_or_else(|| {
            Error::invalid(
                "owner",
                format!("{owner} has left with no successor: reassign the deal"),
            )
        })
    }

    fn log_move(&self, deal: &mut Deal, to: Position, reason: Option<LostReason>) {
        deal.log.push(StageChange {
            from: Some(deal.position()),
            to,
            by: self.principal.actor(),
            at: self.now(),
            reason,
        });
    }

    /// Moves an open deal to another stage of its pipeline (forwards or back).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a closed deal, an unknown stage or the stage it is at;
    /// [`Error::Unauthorized`]; [`Error::NotFound`]; [`Error::Conflict`] for a stale
    /// `expected_version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "move_deal", record = %id))]
    pub async fn move_deal(
        &self,
        id: DealId,
        expected_version: Option<u64>,
        stage: &str,
    ) -> Result<Deal> {
        self.change_deal(id, expected_version, |s, deal, pipeline| {
            require_open(deal)?;
            let to = pipeline.require_stage(stage)?.key.clone();
            if to == deal.stage {
                return Err(Error::invalid(
                    "stage",
                    format!("the deal is at {to} already"),
                ));
            }
            let detail = format!("{} -> {to}", deal.stage);
            s.log_move(deal, Position::Stage(to.clone()), None);
            deal.stage = to;
            Ok((AuditAction::StageChanged, detail))
        })
        .await
    }

    /// Marks an open deal won.
    ///
    /// # Errors
    /// As [`Session::move_deal`], and [`Error::Invalid`] for a deal already closed.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "win_deal", record = %id))]
    pub async fn win_deal(&self, id: DealId, expected_version: Option<u64>) -> Result<Deal> {
        self.change_deal(id, expected_version, |s, deal, _| {
            require_open(deal)?;
            s.log_move(deal, Position::Won, None);
            deal.status = DealStatus::Won;
            deal.closed_at = Some(s.now());
            Ok((AuditAction::Won, deal.amount.to_string()))
        })
        .await
    }

    /// Marks an open deal lost, for `reason` (checked: a competitor needs its name, an unmet
    /// need what was needed, other its text).
    ///
    /// # Errors
    /// As [`Session::win_deal`], and [`Error::Invalid`] for a reason without its detail.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "lose_deal", record = %id))]
    pub async fn lose_deal(
        &self,
        id: DealId,
        expected_version: Option<u64>,
        reason: LostReason,
    ) -> Result<Deal> {
        reason.validate()?;
        let reason = &reason;
        self.change_deal(id, expected_version, move |s, deal, _| {
            require_open(deal)?;
            s.log_move(deal, Position::Lost, Some(reason.clone()));
            deal.status = DealStatus::Lost;
            deal.closed_at = Some(s.now());
            deal.lost_reason = Some(reason.clone());
            Ok((AuditAction::Lost, reason.to_string()))
        })
        .await
    }

    /// Reopens a won or lost deal at `stage` (default: the stage it was closed from). Its
    /// stage log keeps the whole history, the lost reason included.
    ///
    /// # Errors
    /// As [`Session::move_deal`], and [`Error::Invalid`] for a deal that is open.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "reopen_deal", record = %id))]
    pub async fn reopen_deal(
        &self,
        id: DealId,
        expected_version: Option<u64>,
        stage: Option<&str>,
    ) -> Result<Deal> {
        self.change_deal(id, expected_version, |s, deal, pipeline| {
            if deal.is_open() {
                return Err(Error::invalid("deal.status", "the deal is open"));
            }
            let key = stage.unwrap_or(&deal.stage);
            let to = match pipeline.stage(key) {
                Some(stage) => stage.key.clone(),
                None if stage.is_none() => pipeline
                    .stages
                    .first()
                    .map(|s| s.key.clone())
                    .ok_or_else(|| Error::invalid("stage", "the pipeline has no stage"))?,
                None => pipeline.require_stage(key)?.key.clone(),
            };
            let detail = format!("{} -> {to}", deal.status.as_str());
            s.log_move(deal, Position::Stage(to.clone()), None);
            deal.stage = to;
            deal.status = DealStatus::Open;
            deal.closed_at = None;
            deal.lost_reason = None;
            Ok((AuditAction::Reopened, detail))
        })
        .await
    }

    /// Changes a deal's details (title, amount or lines, expected close, probability, next
    /// step).
    ///
    /// # Errors
    /// As [`Session::move_deal`], and [`Error::Invalid`] for bad values or an amount given for
    /// a deal with lines.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "update_deal", record = %id))]
    pub async fn update_deal(
        &self,
        id: DealId,
        expected_version: Option<u64>,
        changes: DealChanges,
    ) -> Result<Deal> {
        if let Some(title) = &changes.title {
            limits::required("deal.title", title, MAX_NAME)?;
        }
        if let Some(Some(step)) = &changes.next_step {
            limits::line("deal.next_step", step, MAX_NAME)?;
        }
        if let Some(p) = changes.probability {
            check_probability(p)?;
        }
        if let Some(lines) = &changes.lines
            && !lines.is_empty()
        {
            self.deal_amount(None, lines).await?;
        }
        let changes = &changes;
        self.change_deal(id, expected_version, move |_, deal, _| {
            let mut what = Vec::new();
            if let Some(title) = &changes.title {
                deal.title = title.trim().to_owned();
                what.push("title");
            }
            if let Some(lines) = &changes.lines {
                if lines.is_empty() {
                    deal.lines.clear();
                } else {
                    deal.amount = lines_total(lines, None)?;
                    deal.lines = lines.clone();
                }
                what.push("lines");
            }
            if let Some(amount) = &changes.amount {
                if !deal.lines.is_empty() {
                    return Err(Error::invalid("amount", "the deal's lines make its amount"));
                }
                deal.amount = Money::new(amount.amount, amount.currency.clone())?;
                what.push("amount");
            }
            if let Some(close) = changes.expected_close {
                deal.expected_close = close;
                what.push("expected_close");
            }
            if let Some(p) = changes.probability {
                deal.probability = p;
                what.push("probability");
            }
            if let Some(step) = &changes.next_step {
                deal.next_step = step.clone().filter(|s| !s.trim().is_empty());
                what.push("next_step");
            }
            Ok((AuditAction::Updated, what.join(", ")))
        })
        .await
    }

    /// Gives a deal to another salesperson (a manager within their department, an
    /// administrator to anyone); the deal's department becomes the new owner's.
    ///
    /// # Errors
    /// As [`Session::move_deal`]; [`Error::Invalid`] for an inactive owner.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "reassign_deal", record = %id))]
    pub async fn reassign_deal(
        &self,
        id: DealId,
        expected_version: Option<u64>,
        owner: StaffId,
    ) -> Result<Deal> {
        let owner = self.active_staff(owner).await?;
        let owner = &owner;
        self.change_deal(id, expected_version, move |s, deal, _| {
            s.may_assign(owner)?;
            let detail = format!("{} -> {}", deal.owner, owner.id);
            deal.owner = owner.id;
            deal.department = owner.department;
            Ok((AuditAction::Updated, detail))
        })
        .await
    }

    /// One salesperson's pipeline: their open deals, by creation time, each with its stage's
    /// position, probability and weighted amount. Their own, or (managers) their
    /// department's members', or (administrators) anyone's.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "pipeline_view", record = %owner))]
    pub async fn pipeline_view(
        &self,
        owner: StaffId,
        page: &PageRequest,
    ) -> Result<Page<PipelineItem>> {
        self.check(Permission::WorkSales, None)?;
        // Administrators may see anyone's: only others need the owner's department.
        let admin = self.acting_staff().is_some_and(|s| s.has_role(Role::Admin));
        if self.principal.staff_id() != Some(owner) && !admin {
            let member = self.active_staff(owner).await.ok();
            self.may_work_deal(owner, member.and_then(|m| m.department))?;
        }
        let scan = Scan::index(DEAL_OPEN_BY_OWNER)
            .prefix(&Key::new().id(owner.0))
            .keys_only()
            .page(page)?;
        let mut hits = self.store().scan(self.ws, &scan).await?;
        let next = if hits.len() > page.limit() {
            hits.truncate(page.limit());
            hits.last().map(|h| h.cursor())
        } else {
            None
        };
        let mut pipelines: Vec<Pipeline> = Vec::new();
        let mut items = Vec::with_capacity(hits.len());
        for hit in hits {
            let deal = match read_summary::<OpenDeal>(&hit.position, OPEN_BY_OWNER_SORT_LEN)? {
                Some(deal) => deal,
                None => {
                    let deal = self.store().fetch::<Deal>(self.ws, hit.id).await?;
                    match OpenDeal::of(&deal) {
                        Some(open) => open,
                        // Closed since the scan: no longer in the pipeline.
                        None => continue,
                    }
                }
            };
            if !pipelines.iter().any(|p| p.id == deal.pipeline) {
                pipelines.push(
                    self.store()
                        .fetch::<Pipeline>(self.ws, deal.pipeline.0)
                        .await?,
                );
            }
            let pipeline = pipelines.iter().find(|p| p.id == deal.pipeline);
            let stage_position = pipeline.and_then(|p| p.position(&deal.stage)).unwrap_or(0);
            let default = pipeline
                .and_then(|p| p.stage(&deal.stage))
                .map_or(0, |s| s.probability);
            let probability = deal.effective_probability(default);
            items.push(PipelineItem {
                weighted: deal.weighted(probability),
                probability,
                stage_position,
                deal,
            });
        }
        Ok(Page { items, next })
    }

    /// The deals of a customer, newest first (every deal: the customer view shows them to
    /// whoever may read customers).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "customer_deals", record = %customer))]
    pub async fn customer_deals(
        &self,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Deal>> {
        self.check(Permission::ReadCustomers, None)?;
        let scan = Scan::index(DEAL_BY_CUSTOMER)
            .prefix(&Key::new().id(customer.0))
            .reverse();
        self.store().page(self.ws, scan, page).await
    }

    /// Time the deal spent in each stage so far, in calendar time and in business hours of
    /// the workspace's work calendar.
    ///
    /// # Errors
    /// As [`Session::deal`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "deal_stage_times", record = %id))]
    pub async fn deal_stage_times(&self, id: DealId) -> Result<Vec<StageTime>> {
        let deal = self.deal(id).await?;
        let calendar = self.work_calendar().await?;
        Ok(time_in_stages(&deal.log, &calendar, self.now()))
    }

    /// The workspace's work calendar (the one service levels use).
    ///
    /// # Errors
    /// [`Error::NotFound`] for a workspace that is gone.
    pub(super) async fn work_calendar(&self) -> Result<WorkCalendar> {
        Ok(self.settings().await?.sla.calendar)
    }
}

fn require_open(deal: &Deal) -> Result<()> {
    if deal.is_open() {
        Ok(())
    } else {
        Err(Error::invalid(
            "deal.status",
            format!("the deal is {}", deal.status.as_str()),
        ))
    }
}

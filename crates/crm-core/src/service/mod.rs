//! The services: the business logic, once, over any [`Store`].
//!
//! [`Crm`] holds the store, the clock and the id generator. A [`Session`] is one actor (a
//! staff member or a named system component) working in one workspace; every operation is a
//! method of it, checks the actor's permission, validates its input, and writes one atomic
//! commit that includes its audit entries and notifications.

mod assignment_fence;
mod attach;
mod audit_trail;
mod cartable;
mod contacts;
mod customers;
mod events;
mod followers;
mod intake;
mod interactions;
mod merge;
mod notifications;
mod outbox;
mod referral;
mod reply;
mod reports;
mod review;
mod routing;
mod service_levels;
mod staff;
mod templates;
mod transition;
mod view;
mod web_form;
// The sales funnel.
mod conversion;
mod deals;
mod forecasts;
mod goals;
mod leads;
mod orders;
mod pipelines;
mod products;
mod sales_reports;
mod summaries;
// Activities.
mod greetings;
mod hand_over;
mod recovery;
mod reminders;
mod tasks;
mod timeline;
// The customer club.
mod club_expiry;
mod club_holds;
mod club_ledger;
mod club_members;
mod club_notices;
mod club_referrals;
mod club_reports;
mod club_rewards;
mod club_tiers;
mod club_view;

pub use club_expiry::ExpiryRun;
pub use club_ledger::MAX_ADJUSTMENT;
pub use club_members::{Balance, NewProgramme};
pub use club_reports::ClubReport;
pub use club_view::{ClubCardView, VIEW_ENTRIES};
pub use contacts::ContactInput;
pub use conversion::{ConversionOutcome, ConvertLead, LeadDeal};
pub use customers::{CustomerChanges, NewCustomer};
pub use deals::{DealChanges, MAX_LINES, NewDeal, PipelineItem};
pub use goals::{GoalProgress, NewGoal};
pub use greetings::{DueGreeting, GreetingRun};
pub use hand_over::{HandOver, Successor};
pub use intake::{InboundMessage, IntakeOutcome, Sender};
pub use interactions::NewInteraction;
pub use leads::{LeadCapture, MAX_LEAD_NOTE, MAX_LEAD_NOTES, NewLead};
pub use orders::NewOrder;
pub use recovery::LOW_RATING;
pub use reminders::REMINDERS_PER_RUN;
pub use reports::{LoadRow, RequestReport, TimeStats};
pub use service_levels::ServiceLevelReport;
pub use staff::{NewStaff, StaffChanges};
pub use tasks::{EditScope, MAX_TASK_FOLLOWERS, NewTask, TaskChanges, TaskDone, TodayTasks};
pub use timeline::{TimelineEntry, TimelineItem, TimelinePage};
pub use view::CustomerView;
pub use web_form::WebForm;

use crate::access::{Permission, Principal};
use crate::audit::{AuditAction, AuditEntry};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::id::{AuditId, IdGenerator, StaffId, WorkspaceId};
use crate::normalize::Region;
use crate::record::{Entity, RecordKind, RecordRef};
use crate::store::{Commit, MAX_PAGE, PageRequest, Scan, Store, StoreExt};
use crate::workspace::Workspace;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// How long an operation that is safe to repeat keeps retrying after conflicts.
const RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// The entry point: a store, a clock and an id generator. Cheap to clone.
#[derive(Clone)]
pub struct Crm {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<IdGenerator>,
}

impl std::fmt::Debug for Crm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm")
            .field("store", &self.store.capabilities())
            .finish_non_exhaustive()
    }
}

impl Crm {
    /// Services over `store` with the system clock and random ids.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(IdGenerator::random()),
        }
    }

    /// Replaces the clock (tests, simulations).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the id generator ([`IdGenerator::seeded`] makes runs reproducible).
    pub fn with_ids(mut self, ids: IdGenerator) -> Self {
        self.ids = Arc::new(ids);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Creates a workspace and its first administrator, in one commit.
    ///
    /// `default_region` (ISO 3166, e.g. `IR`) is how national phone numbers are read.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad name, region or administrator.
    pub async fn create_workspace(
        &self,
        name: &str,
        default_region: &str,
        admin: NewStaff,
    ) -> Result<(Workspace, crate::staff::Staff)> {
        crate::limits::required("workspace.name", name, crate::limits::MAX_NAME)?;
        let region = Region::parse(default_region)
            .ok_or_else(|| Error::invalid("workspace.default_region", "unknown region code"))?;
        let now = self.clock.now();
        let ws = WorkspaceId(self.ids.next(now));
        let workspace = Workspace {
            id: ws,
            version: 1,
            name: name.trim().to_owned(),
            default_region: region.code().to_owned(),
            created_at: now,
            settings: crate::workspace::WorkspaceSettings::default(),
        };
        let admin = staff::build_staff(self, admin, now)?;
        let mut commit = Commit::new();
        commit.put(workspace.clone()).put(admin.clone());
        let system = Principal::System("setup".into());
        self.audit_into(
            &mut commit,
            &system,
            AuditAction::Created,
            workspace_ref(ws),
            "",
        );
        self.audit_into(
            &mut commit,
            &system,
            AuditAction::Created,
            staff_ref(admin.id),
            "",
        );
        self.store.commit(ws, commit).await?;
        Ok((workspace, admin))
    }

    /// A session acting as staff member `staff` in workspace `ws`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown workspace; [`Error::Unauthorized`] for an unknown
    /// or deactivated staff member.
    pub async fn session(&self, ws: WorkspaceId, staff: StaffId) -> Result<Session> {
        let workspace = self.store.fetch::<Workspace>(ws, ws.0).await?;
        let member = self
            .store
            .load::<crate::staff::Staff>(ws, staff.0)
            .await?
            .filter(|s| s.active)
            .ok_or_else(|| Error::unauthorized(format!("no active staff member {staff}")))?;
        Ok(Session::new(
            self.clone(),
            &workspace,
            Principal::Staff(member),
        ))
    }

    /// A session acting as the named system component (a channel adapter, a job) in `ws`.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown workspace; [`Error::Invalid`] for a bad name.
    pub async fn system_session(&self, ws: WorkspaceId, name: &str) -> Result<Session> {
        crate::limits::required("system.name", name, crate::limits::MAX_LABEL)?;
        let workspace = self.store.fetch::<Workspace>(ws, ws.0).await?;
        Ok(Session::new(
            self.clone(),
            &workspace,
            Principal::System(name.to_owned()),
        ))
    }

    fn audit_into(
        &self,
        commit: &mut Commit,
        principal: &Principal,
        action: AuditAction,
        record: RecordRef,
        detail: &str,
    ) {
        let at = self.clock.now();
        commit.put(AuditEntry {
            id: AuditId(self.ids.next(at)),
            version: 1,
            at,
            actor: principal.actor(),
            action,
            record,
            detail: detail.to_owned(),
        });
    }
}

/// One actor working in one workspace. Every operation of crm-rs is a method of a session.
///
/// A session keeps the staff member as loaded when it was opened ([`Crm::session`] checks
/// that they are active): open one per request or unit of work (it is cheap: two reads) so
/// that a change of roles or a deactivation takes effect at once.
#[derive(Debug, Clone)]
pub struct Session {
    crm: Crm,
    ws: WorkspaceId,
    region: Region,
    principal: Principal,
    webhooks: Arc<[crate::workspace::WebhookEndpoint]>,
    workspace_name: Arc<str>,
    language: crate::template::Language,
    tz: chrono_tz::Tz,
}

impl Session {
    /// An [`Error::Unauthorized`] refusing this session's actor (lacking `permission`, when
    /// that is the refusal) with `reason`.
    pub(crate) fn refuse(
        &self,
        permission: Option<Permission>,
        reason: impl Into<String>,
    ) -> Error {
        Error::refused(self.principal.actor(), permission, reason)
    }

    fn new(crm: Crm, workspace: &Workspace, principal: Principal) -> Self {
        let region = Region::parse(&workspace.default_region).unwrap_or_default();
        Self {
            crm,
            ws: workspace.id,
            region,
            principal,
            webhooks: workspace.settings.webhooks.clone().into(),
            workspace_name: workspace.name.as_str().into(),
            language: workspace.settings.language(region),
            tz: workspace.settings.sla.calendar.tz,
        }
    }

    /// The workspace.
    pub fn workspace(&self) -> WorkspaceId {
        self.ws
    }

    /// Who acts.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The region national phone numbers are read in.
    pub fn region(&self) -> Region {
        self.region
    }

    fn store(&self) -> &dyn Store {
        self.crm.store.as_ref()
    }

    fn now(&self) -> DateTime<Utc> {
        self.crm.clock.now()
    }

    fn new_id(&self) -> Uuid {
        self.crm.ids.next(self.crm.clock.now())
    }

    fn check(&self, permission: Permission, owner: Option<StaffId>) -> Result<()> {
        self.principal.check(permission, owner)
    }

    fn audit(&self, commit: &mut Commit, action: AuditAction, record: RecordRef, detail: &str) {
        self.crm
            .audit_into(commit, &self.principal, action, record, detail);
    }

    /// Commits `commit`, with fresh assignment fences if only they moved on meanwhile (see
    /// [`Session::commit_fenced`]).
    async fn commit(&self, commit: Commit) -> Result<()> {
        self.commit_fenced(commit).await
    }

    /// [`Session::commit`] for a change that claims unique keys the user chose (contact
    /// points, a work email): a key another record holds is [`Error::AlreadyExists`], naming
    /// the holder, not a conflict to retry.
    async fn commit_claiming(&self, commit: Commit) -> Result<()> {
        match self.commit(commit).await {
            Err(Error::Conflict(crate::Conflict::KeyTaken { key, holder })) => {
                Err(Error::AlreadyExists {
                    holder_name: self.name_of(holder).await,
                    key,
                    holder,
                })
            }
            other => other,
        }
    }

    /// Every record `scan` lists, page by page.
    async fn collect<T: Entity>(&self, scan: Scan) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let got = self.store().page::<T>(self.ws, scan.clone(), &page).await?;
            out.extend(got.items);
            match got.next {
                Some(next) => page = PageRequest::after(next, MAX_PAGE),
                None => return Ok(out),
            }
        }
    }

    /// The name of a customer or staff member, for messages (`None` when it cannot be read).
    async fn name_of(&self, record: RecordRef) -> Option<String> {
        if record.kind == RecordKind::CUSTOMER {
            let customer = self
                .store()
                .load::<crate::customer::Customer>(self.ws, record.id);
            customer.await.ok().flatten().map(|c| c.display_name())
        } else if record.kind == RecordKind::STAFF {
            let staff = self.store().load::<crate::staff::Staff>(self.ws, record.id);
            staff.await.ok().flatten().map(|s| s.name)
        } else {
            None
        }
    }
}

/// Which conflicts an operation may retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryOn {
    /// None: the caller named the version it expects.
    Nothing,
    /// A stale version: the change re-reads and applies again. A taken key is final.
    StaleVersion,
    /// Any conflict: a racing writer created what this operation looks up (intake).
    AnyConflict,
}

impl RetryOn {
    /// Retry stale versions unless the caller gave an expected version.
    fn unless_expected(expected: Option<u64>) -> Self {
        if expected.is_none() {
            Self::StaleVersion
        } else {
            Self::Nothing
        }
    }

    fn covers(self, e: &crate::Error) -> bool {
        match (self, e) {
            (Self::AnyConflict, crate::Error::Conflict(_)) => true,
            (Self::StaleVersion, crate::Error::Conflict(c)) => {
                matches!(c, crate::Conflict::StaleVersion { .. })
            }
            _ => false,
        }
    }
}

/// Runs `attempt` again while it fails with a conflict `on` covers, for up to [`RETRY_FOR`],
/// pausing a random, growing while (up to about 50 ms) between tries so that racing writers
/// spread out instead of colliding again in lock-step. Many writers of one hot record, each
/// commit costing milliseconds on a loaded server, all get through.
async fn retry_on_conflict<T, F, Fut>(on: RetryOn, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let start = std::time::Instant::now();
    let mut tries = 0u32;
    loop {
        match attempt().await {
            Err(e) if on.covers(&e) && start.elapsed() < RETRY_FOR => {
                tries += 1;
                let ceiling = 200u64 << tries.min(8);
                let pause = rand::random_range(0..ceiling);
                tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
            }
            other => return other,
        }
    }
}

fn workspace_ref(ws: WorkspaceId) -> RecordRef {
    RecordRef {
        kind: RecordKind::WORKSPACE,
        id: ws.0,
    }
}

fn staff_ref(id: StaffId) -> RecordRef {
    RecordRef {
        kind: RecordKind::STAFF,
        id: id.0,
    }
}

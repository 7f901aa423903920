//! Routing of new requests, and its configuration (administrators).

use super::Session;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::channel::Channel;
use crate::customer::Customer;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, RoutingRuleId, StaffId};
use crate::limits::{self, MAX_LABEL, MAX_NAME};
use crate::normalize::normalize_text;
use crate::record::RecordKind;
use crate::record::RecordRef;
use crate::request::routing::{RoutingInput, first_match};
use crate::request::{
    Assignment, Holder, Priority, RequestView, RoutingActions, RoutingConditions, RoutingRule,
    SupportLine,
};
use crate::staff::{Department, Staff};
use crate::store::{Commit, MAX_PAGE, Page, PageRequest, StoreExt};
use crate::workspace::{Workspace, WorkspaceSettings};

/// What routing decided for a new request.
#[derive(Debug, Default)]
pub(super) struct Route {
    pub holder: Option<Holder>,
    pub department: Option<DepartmentId>,
    pub priority: Option<Priority>,
    pub line: Option<SupportLine>,
    pub category: Option<String>,
}

impl Session {
    /// The workspace's cartable settings.
    ///
    /// # Errors
    /// Storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "settings", record = tracing::field::Empty))]
    pub async fn settings(&self) -> Result<WorkspaceSettings> {
        Ok(self
            .store()
            .fetch::<Workspace>(self.ws, self.ws.0)
            .await?
            .settings)
    }

    /// Replaces the workspace's cartable settings (administrators).
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a working week without working time or
    /// a hop limit of 0.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "update_settings", record = tracing::field::Empty))]
    pub async fn update_settings(&self, settings: WorkspaceSettings) -> Result<Workspace> {
        self.check(Permission::ConfigureCartable, None)?;
        if settings.max_hops == 0 {
            return Err(Error::invalid("max_hops", "at least 1"));
        }
        let probe = self.now();
        settings
            .sla
            .calendar
            .add_business_time(probe, chrono::Duration::minutes(1))
            .map_err(|e| Error::invalid("sla.calendar", e.to_string()))?;
        let mut workspace = self.store().fetch::<Workspace>(self.ws, self.ws.0).await?;
        workspace.settings = settings;
        workspace.version += 1;
        let mut commit = Commit::new();
        commit.put(workspace.clone());
        self.audit(
            &mut commit,
            AuditAction::Updated,
            RecordRef {
                kind: RecordKind::WORKSPACE,
                id: self.ws.0,
            },
            "settings",
        );
        self.commit(commit).await?;
        Ok(workspace)
    }

    /// Adds a routing rule (administrators). Categories, keywords and tags are normalised.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad name, an unknown department or staff member.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_routing_rule", record = tracing::field::Empty))]
    pub async fn create_routing_rule(
        &self,
        name: &str,
        position: u32,
        conditions: RoutingConditions,
        actions: RoutingActions,
    ) -> Result<RoutingRule> {
        self.check(Permission::ConfigureCartable, None)?;
        limits::required("rule.name", name, MAX_NAME)?;
        let conditions = conditions.normalised();
        for word in conditions
            .keywords
            .iter()
            .chain(&conditions.categories)
            .chain(&conditions.tags)
        {
            limits::required("rule.conditions", word, MAX_LABEL)?;
        }
        if let Some(d) = actions.department {
            self.store().fetch::<Department>(self.ws, d.0).await?;
        }
        if let Some(s) = actions.holder {
            self.store().fetch::<Staff>(self.ws, s.0).await?;
        }
        let actions = RoutingActions {
            category: actions.category.as_deref().map(normalize_text),
            ..actions
        };
        let now = self.now();
        let rule = RoutingRule {
            id: RoutingRuleId(self.new_id()),
            version: 1,
            name: name.trim().to_owned(),
            position,
            enabled: true,
            conditions,
            actions,
            created_at: now,
            updated_at: now,
        };
        let mut commit = Commit::new();
        commit.put(rule.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            RecordRef {
                kind: RecordKind::ROUTING_RULE,
                id: rule.id.0,
            },
            &rule.name,
        );
        self.commit(commit).await?;
        Ok(rule)
    }

    /// Enables or disables a routing rule (administrators).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Conflict`] when it changed since `version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_routing_rule_enabled", record = %id))]
    pub async fn set_routing_rule_enabled(
        &self,
        id: RoutingRuleId,
        version: u64,
        enabled: bool,
    ) -> Result<RoutingRule> {
        self.check(Permission::ConfigureCartable, None)?;
        let mut rule = self.store().fetch::<RoutingRule>(self.ws, id.0).await?;
        rule.enabled = enabled;
        rule.version = version + 1;
        rule.updated_at = self.now();
        let mut commit = Commit::new();
        commit.put(rule.clone());
        let detail = if enabled { "enabled" } else { "disabled" };
        self.audit(
            &mut commit,
            AuditAction::Updated,
            RecordRef {
                kind: RecordKind::ROUTING_RULE,
                id: id.0,
            },
            detail,
        );
        self.commit(commit).await?;
        Ok(rule)
    }

    /// Routing rules, by id.
    ///
    /// # Errors
    /// Storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "list_routing_rules", record = tracing::field::Empty))]
    pub async fn list_routing_rules(&self, page: &PageRequest) -> Result<Page<RoutingRule>> {
        self.store().list_routing_rules(self.ws, page).await
    }

    /// Sets how a department hands requests to its members (administrators).
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Conflict`] when it changed since `version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_department_assignment", record = %id))]
    pub async fn set_department_assignment(
        &self,
        id: DepartmentId,
        version: u64,
        assignment: Assignment,
    ) -> Result<Department> {
        self.check(Permission::ConfigureCartable, None)?;
        let mut department = self.store().fetch::<Department>(self.ws, id.0).await?;
        department.assignment = assignment;
        department.version = version + 1;
        department.updated_at = self.now();
        let mut commit = Commit::new();
        commit.put(department.clone());
        self.audit(
            &mut commit,
            AuditAction::Updated,
            RecordRef {
                kind: RecordKind::DEPARTMENT,
                id: id.0,
            },
            "assignment",
        );
        self.commit(commit).await?;
        Ok(department)
    }

    /// Applies the routing rules to a new request; a round-robin department's turn is
    /// written into `commit`.
    pub(super) async fn route(
        &self,
        channel: Channel,
        category: Option<&str>,
        text: &str,
        customer: Option<&Customer>,
        commit: &mut Commit,
    ) -> Result<Route> {
        let rules = self.all_routing_rules().await?;
        let input = RoutingInput {
            channel,
            category,
            text,
            customer,
        };
        let Some(rule) = first_match(&rules, &input) else {
            return Ok(Route::default());
        };
        let a = &rule.actions;
        // A rule's person who has left (or leaves meanwhile) is passed over for its
        // department, else the officers.
        let person = match a.holder {
            Some(staff) => match self.fence_assignment(commit, staff).await {
                Ok(()) => Some(staff),
                Err(Error::Invalid { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let holder = match (person, a.department) {
            (Some(staff), _) => Some(Holder::Staff(staff)),
            (None, Some(dept)) => Some(self.assign_in(dept, commit).await?),
            (None, None) => None,
        };
        Ok(Route {
            holder,
            department: a.department,
            priority: a.priority,
            line: a.line,
            category: a.category.clone(),
        })
    }

    async fn all_routing_rules(&self) -> Result<Vec<RoutingRule>> {
        self.store().all::<RoutingRule>(self.ws).await
    }

    /// The holder a request routed to `dept` gets under the department's assignment policy.
    async fn assign_in(&self, dept: DepartmentId, commit: &mut Commit) -> Result<Holder> {
        let Some(mut department) = self.store().load::<Department>(self.ws, dept.0).await? else {
            return Ok(Holder::Officers);
        };
        let members = self.members_of(dept).await?;
        if members.is_empty() || department.assignment == Assignment::Queue {
            return Ok(Holder::Department(dept));
        }
        let chosen = match department.assignment {
            Assignment::RoundRobin => {
                let next = members
                    .iter()
                    .find(|m| department.last_assigned.is_none_or(|l| **m > l));
                let chosen = next.or(members.first()).copied().unwrap_or(members[0]);
                department.last_assigned = Some(chosen);
                department.version += 1;
                commit.put(department);
                chosen
            }
            _ => {
                let mut best: Option<(usize, StaffId)> = None;
                for m in &members {
                    let load = self.active_load(*m).await?;
                    if best.is_none_or(|(b, _)| load < b) {
                        best = Some((load, *m));
                    }
                }
                best.map_or(members[0], |(_, m)| m)
            }
        };
        self.fence_assignment(commit, chosen).await?;
        Ok(Holder::Staff(chosen))
    }

    /// Active members of a department, by id.
    pub(super) async fn members_of(&self, dept: DepartmentId) -> Result<Vec<StaffId>> {
        let staff = self.store().all::<crate::staff::Staff>(self.ws).await?;
        Ok(staff
            .iter()
            .filter(|s| s.active && s.department == Some(dept))
            .map(|s| s.id)
            .collect())
    }

    /// How many active requests a staff member holds.
    async fn active_load(&self, staff: StaffId) -> Result<usize> {
        let view = RequestView::Holder(Holder::Staff(staff));
        let mut n = 0;
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let got = crate::request::view(self.store(), self.ws, &view, &page).await?;
            n += got.items.len();
            match got.next {
                Some(next) => page = PageRequest::after(next, MAX_PAGE),
                None => return Ok(n),
            }
        }
    }
}

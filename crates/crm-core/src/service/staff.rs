//! Staff members and departments (administrators only).

use super::{Crm, Session, staff_ref};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, StaffId};
use crate::limits::{self, MAX_NAME};
use crate::normalize::normalize_email;
use crate::record::RecordKind;
use crate::record::RecordRef;
use crate::staff::{Department, Role, Staff};
use crate::store::{Commit, Page, PageRequest, StoreExt};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// A staff member to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    /// Full name.
    pub name: String,
    /// Work email (unique per workspace).
    pub email: Option<String>,
    /// Roles (at least one).
    pub roles: BTreeSet<Role>,
    /// Department.
    pub department: Option<DepartmentId>,
}

impl NewStaff {
    /// A staff member with one role.
    pub fn new(name: &str, role: Role) -> Self {
        Self {
            name: name.to_owned(),
            email: None,
            roles: [role].into(),
            department: None,
        }
    }

    /// Sets the work email.
    pub fn email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    /// Sets the department.
    pub fn department(mut self, department: DepartmentId) -> Self {
        self.department = Some(department);
        self
    }
}

/// Changes to a staff member; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffChanges {
    /// New name.
    pub name: Option<String>,
    /// New roles (at least one).
    pub roles: Option<BTreeSet<Role>>,
    /// New department (`Some(None)` removes it).
    pub department: Option<Option<DepartmentId>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

pub(super) fn build_staff(crm: &Crm, new: NewStaff, now: DateTime<Utc>) -> Result<Staff> {
    limits::required("staff.name", &new.name, MAX_NAME)?;
    if new.roles.is_empty() {
        return Err(Error::invalid("staff.roles", "at least one role"));
    }
    let email = match &new.email {
        Some(e) => {
            Some(normalize_email(e).map_err(|e| Error::invalid("staff.email", e.to_string()))?)
        }
        None => None,
    };
    Ok(Staff {
        id: StaffId(crm.ids.next(now)),
        version: 1,
        name: new.name.trim().to_owned(),
        email,
        roles: new.roles,
        department: new.department,
        active: true,
        created_at: now,
        updated_at: now,
    })
}

impl Session {
    /// Adds a staff member.
    ///
    /// # Errors
    /// [`Error::Invalid`]; [`Error::Conflict`] when the email belongs to another member.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_staff", record = tracing::field::Empty))]
    pub async fn create_staff(&self, new: NewStaff) -> Result<Staff> {
        self.check(Permission::ManageStaff, None)?;
        if let Some(dept) = new.department {
            self.store().fetch::<Department>(self.ws, dept.0).await?;
        }
        let staff = build_staff(&self.crm, new, self.now())?;
        let mut commit = Commit::new();
        commit.put(staff.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            staff_ref(staff.id),
            &staff.name,
        );
        self.commit_claiming(commit).await?;
        Ok(staff)
    }

    /// Changes a staff member.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Invalid`], [`Error::Conflict`] when it changed since
    /// `version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "update_staff", record = %id))]
    pub async fn update_staff(
        &self,
        id: StaffId,
        version: u64,
        changes: StaffChanges,
    ) -> Result<Staff> {
        self.check(Permission::ManageStaff, None)?;
        let mut staff = self.store().fetch::<Staff>(self.ws, id.0).await?;
        if let Some(name) = changes.name {
            limits::required("staff.name", &name, MAX_NAME)?;
            staff.name = name.trim().to_owned();
        }
        if let Some(roles) = changes.roles {
            if roles.is_empty() {
                return Err(Error::invalid("staff.roles", "at least one role"));
            }
            staff.roles = roles;
        }
        if let Some(department) = changes.department {
            if let Some(dept) = department {
                self.store().fetch::<Department>(self.ws, dept.0).await?;
            }
            staff.department = department;
        }
        if changes.active == Some(false) && self.principal.staff_id() == Some(id) {
            return Err(Error::invalid(
                "staff.active",
                "you cannot deactivate yourself",
            ));
        }
        let mut commit = Commit::new();
        if let Some(active) = changes.active {
            if staff.active && !active {
                // No work may be given to them once this commits (see `hand_over`).
                self.fence_assignment(&mut commit, id).await?;
            }
            staff.active = active;
        }
        staff.version = version + 1;
        staff.updated_at = self.now();
        commit.put(staff.clone());
        self.audit(&mut commit, AuditAction::Updated, staff_ref(id), "");
        self.commit_claiming(commit).await?;
        Ok(staff)
    }

    /// Adds a department.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad name or an unknown manager.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_department", record = tracing::field::Empty))]
    pub async fn create_department(
        &self,
        name: &str,
        manager: Option<StaffId>,
    ) -> Result<Department> {
        self.check(Permission::ManageStaff, None)?;
        limits::required("department.name", name, MAX_NAME)?;
        if let Some(m) = manager {
            self.store().fetch::<Staff>(self.ws, m.0).await?;
        }
        let now = self.now();
        let department = Department {
            id: DepartmentId(self.new_id()),
            version: 1,
            name: name.trim().to_owned(),
            manager,
            assignment: crate::request::Assignment::default(),
            last_assigned: None,
            created_at: now,
            updated_at: now,
        };
        let mut commit = Commit::new();
        commit.put(department.clone());
        let record = RecordRef {
            kind: RecordKind::DEPARTMENT,
            id: department.id.0,
        };
        self.audit(&mut commit, AuditAction::Created, record, name);
        self.commit(commit).await?;
        Ok(department)
    }

    /// Staff members, by id.
    ///
    /// # Errors
    /// Storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "list_staff", record = tracing::field::Empty))]
    pub async fn list_staff(&self, page: &PageRequest) -> Result<Page<Staff>> {
        self.store().list_staff(self.ws, page).await
    }

    /// Departments, by id.
    ///
    /// # Errors
    /// Storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "list_departments", record = tracing::field::Empty))]
    pub async fn list_departments(&self, page: &PageRequest) -> Result<Page<Department>> {
        self.store().list_departments(self.ws, page).await
    }
}

//! Hand-over: deactivating a staff member and moving their work to a successor, in one
//! audited commit, so nothing is left held by an inactive person.

use super::Session;
use crate::access::Permission;
use crate::activity::{AssignmentFence, Succession, TASK_OPEN_BY_ASSIGNEE, Task};
use crate::audit::AuditAction;
use crate::customer::Customer;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, StaffId};
use crate::record::{Entity, Key, RecordRef};
use crate::request::{BY_HOLDER, Holder, Request, holder_key};
use crate::sales::{DEAL_OPEN_BY_OWNER, Deal, LEAD_BY_OWNER, Lead};
use crate::staff::{Department, Staff};
use crate::store::{Commit, Scan, StoreExt};

/// Who takes over a leaver's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Successor {
    /// A person: everything moves to them.
    Staff(StaffId),
    /// A department: held requests go to its queue; tasks, customers, leads and deals to its
    /// manager (a department without one is refused).
    Department(DepartmentId),
}

/// What a hand-over moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOver {
    /// The staff member, now inactive.
    pub leaver: StaffId,
    /// Requests that were in their cartable.
    pub requests: usize,
    /// Their open tasks.
    pub tasks: usize,
    /// Customers they owned.
    pub customers: usize,
    /// Open leads they owned (not yet converted or disqualified).
    pub leads: usize,
    /// Open deals they owned.
    pub deals: usize,
}

impl Session {
    /// Deactivates `leaver` and moves their held requests, open tasks, owned customers, open
    /// leads and open deals to `successor`, in one commit with an audit entry per record. The
    /// commit also writes the leaver's and the successor's assignment fences (see
    /// [`crate::activity::AssignmentFence`]): work given to the leaver by a session that saw
    /// them still active either committed before (and this commit, finding the fence moved
    /// on, looks for the work again and moves it too) or is refused after. So when this
    /// returns nothing is held by the leaver. Administrators only.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for oneself, an inactive leaver, a
    /// successor who is the leaver or inactive, a department without a manager;
    /// [`Error::Conflict`] when records kept changing for longer than the retries last
    /// (nothing is written: try again).
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "hand_over", record = tracing::field::Empty))]
    pub async fn hand_over(&self, leaver: StaffId, successor: Successor) -> Result<HandOver> {
        self.check(Permission::ManageStaff, None)?;
        if self.principal.staff_id() == Some(leaver) {
            return Err(Error::invalid(
                "staff.active",
                "you cannot deactivate yourself",
            ));
        }
        super::retry_on_conflict(super::RetryOn::StaleVersion, || {
            self.hand_over_once(leaver, successor)
        })
        .await
    }

    /// One try of [`Session::hand_over`]: a conflict means something changed meanwhile.
    async fn hand_over_once(&self, leaver: StaffId, successor: Successor) -> Result<HandOver> {
        // The fence first: work given to the leaver after this read moves it on, and this
        // commit fails; work given before it is found by the scans below.
        let fence = self
            .store()
            .load::<AssignmentFence>(self.ws, leaver.0)
            .await?;
        let mut staff = self.store().fetch::<Staff>(self.ws, leaver.0).await?;
        if !staff.active {
            return Err(Error::invalid("leaver", "already inactive"));
        }
        let (holder, person) = match successor {
            Successor::Staff(s) if s == leaver => {
                return Err(Error::invalid(
                    "successor",
                    "the leaver cannot succeed themselves",
                ));
            }
            Successor::Staff(s) => {
                let s = self
                    .active_staff(s)
                    .await
                    .map_err(|_| Error::invalid("successor", "no active staff member"))?;
                (Holder::Staff(s.id), s.id)
            }
            Successor::Department(d) => {
                let dept = self.store().fetch::<Department>(self.ws, d.0).await?;
                let manager = dept
                    .manager
                    .filter(|m| *m != leaver)
                    .ok_or_else(|| Error::invalid("successor", "the department has no manager"))?;
                let manager = self
                    .active_staff(manager)
                    .await
                    .map_err(|_| Error::invalid("successor", "its manager is inactive"))?;
                (Holder::Department(d), manager.id)
            }
        };
        let now = self.now();
        staff.active = false;
        staff.version += 1;
        staff.updated_at = now;
        let mut commit = Commit::new();
        commit.put(staff.clone());
        commit.put(AssignmentFence {
            staff: leaver,
            version: fence.map_or(0, |f| f.version) + 1,
        });
        self.fence_assignment(&mut commit, person)
            .await
            .map_err(|e| match e {
                Error::Invalid { .. } => Error::invalid("successor", "no active staff member"),
                other => other,
            })?;
        let succession = self.store().load::<Succession>(self.ws, leaver.0).await?;
        commit.put(Succession {
            leaver,
            version: succession.map_or(0, |s| s.version) + 1,
            successor: person,
            at: now,
        });
        self.audit(
            &mut commit,
            AuditAction::Updated,
            RecordRef::to::<Staff>(leaver.0),
            &format!("deactivated; work handed over to {}", describe(successor)),
        );
        let mut report = self.move_work(&mut commit, leaver, &holder, person).await?;
        report.leaver = leaver;
        // Straight to the store: a moved fence must make this try again from the scans, not
        // be refreshed in place as an assignment's is.
        self.store().commit(self.ws, commit).await?;
        Ok(report)
    }

    /// Who holds a request coming back to `holder` (a closed request the customer reopened):
    /// `holder` itself when it is a queue or an active person (whose assignment fence joins
    /// `commit`); for a person who has left, their successor from the hand-over when still
    /// active, else `department`'s queue, else the officers' cartable. Closed requests are
    /// not moved at hand-over, so this is where they follow the leaver's work.
    ///
    /// # Errors
    /// A storage error; [`Error::Invalid`] when the person left while this commit was made.
    pub(super) async fn holder_on_return(
        &self,
        commit: &mut Commit,
        holder: Holder,
        department: Option<DepartmentId>,
    ) -> Result<Holder> {
        let Holder::Staff(person) = holder else {
            return Ok(holder);
        };
        if self
            .store()
            .load::<Staff>(self.ws, person.0)
            .await?
            .is_some_and(|s| s.active)
        {
            self.fence_assignment(commit, person).await?;
            return Ok(holder);
        }
        if let Some(successor) = self.active_successor(person).await? {
            self.fence_assignment(commit, successor).await?;
            return Ok(Holder::Staff(successor));
        }
        Ok(department.map_or(Holder::Officers, Holder::Department))
    }

    /// The person who took over `leaver`'s work at hand-over, when there was a hand-over and
    /// they are still active.
    ///
    /// # Errors
    /// A storage error.
    pub(super) async fn active_successor(&self, leaver: StaffId) -> Result<Option<StaffId>> {
        let Some(succession) = self.store().load::<Succession>(self.ws, leaver.0).await? else {
            return Ok(None);
        };
        let active = self
            .store()
            .load::<Staff>(self.ws, succession.successor.0)
            .await?
            .is_some_and(|s| s.active);
        Ok(active.then_some(succession.successor))
    }

    /// Adds to `commit` the moves of everything `leaver` holds to `holder` (requests) and
    /// `person` (the rest).
    async fn move_work(
        &self,
        commit: &mut Commit,
        leaver: StaffId,
        holder: &Holder,
        person: StaffId,
    ) -> Result<HandOver> {
        let now = self.now();
        let mut report = HandOver {
            leaver,
            requests: 0,
            tasks: 0,
            customers: 0,
            leads: 0,
            deals: 0,
        };
        let detail = format!("handed over from {leaver}");
        let requests = Scan::index(BY_HOLDER).prefix(&holder_key(&Holder::Staff(leaver)));
        for mut r in self.collect::<Request>(requests).await? {
            r.holder = *holder;
            r.version += 1;
            r.updated_at = now;
            let id = r.id;
            commit.put(r);
            self.audit(
                commit,
                AuditAction::Referred,
                RecordRef::to::<Request>(id.0),
                &detail,
            );
            report.requests += 1;
        }
        let tasks = Scan::index(TASK_OPEN_BY_ASSIGNEE).prefix(&Key::new().id(leaver.0));
        for mut t in self.collect::<Task>(tasks).await? {
            t.assignee = person;
            t.version += 1;
            t.updated_at = now;
            self.put_handed(commit, t, &detail);
            report.tasks += 1;
        }
        let customers = Scan::index(crate::customer::BY_OWNER).prefix(&Key::new().id(leaver.0));
        for mut c in self.collect::<Customer>(customers).await? {
            c.owner = Some(person);
            c.version += 1;
            c.updated_at = now;
            self.put_handed(commit, c, &detail);
            report.customers += 1;
        }
        let leads = Scan::index(LEAD_BY_OWNER).prefix(&Key::new().id(leaver.0));
        for mut l in self.collect::<Lead>(leads).await? {
            if !l.is_open() {
                continue;
            }
            l.owner = Some(person);
            l.version += 1;
            l.updated_at = now;
            self.put_handed(commit, l, &detail);
            report.leads += 1;
        }
        let deals = Scan::index(DEAL_OPEN_BY_OWNER).prefix(&Key::new().id(leaver.0));
        let department = self
            .store()
            .load::<Staff>(self.ws, person.0)
            .await?
            .and_then(|s| s.department);
        for mut d in self.collect::<Deal>(deals).await? {
            d.owner = person;
            d.department = department;
            d.version += 1;
            d.updated_at = now;
            self.put_handed(commit, d, &detail);
            report.deals += 1;
        }
        Ok(report)
    }

    /// Puts `record`, given to the successor, into `commit` with its audit entry.
    fn put_handed<T: Entity>(&self, commit: &mut Commit, record: T, detail: &str) {
        let handed = RecordRef::to::<T>(Entity::id(&record));
        commit.put(record);
        self.audit(commit, AuditAction::Updated, handed, detail);
    }
}

fn describe(successor: Successor) -> String {
    match successor {
        Successor::Staff(s) => format!("staff {s}"),
        Successor::Department(d) => format!("department {d}"),
    }
}

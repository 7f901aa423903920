//! Who may do what: roles and record ownership.
//!
//! | permission | officer | agent | manager | admin | system |
//! |---|---|---|---|---|---|
//! | read customers | yes | yes | yes | yes | yes |
//! | create customer, record interaction | yes | yes | yes | yes | yes |
//! | edit customer, add/remove contact | yes | owner or unowned | yes | yes | yes |
//! | merge customers | yes | no | yes | yes | no |
//! | delete customer | no | no | yes | yes | no |
//! | manage staff and departments | no | no | no | yes | no |
//! | read the audit trail | no | no | yes | yes | no |
//! | take in messages (intake) | yes | no | yes | no | yes |
//! | work requests (refer, take, resolve) | yes | held by them or their department | yes | yes | no |
//! | review answers, reply, close, settle duplicates | yes | no | yes | no | no |
//! | record a satisfaction rating | yes | no | yes | no | yes |
//! | configure routing, service levels, departments' assignment | no | no | no | yes | no |
//! | read reports | yes | no | yes | yes | no |
//! | set and remove message templates | no | no | no | yes | no |
//! | capture leads (forms, imports) | yes | yes | yes | yes | yes |
//! | work leads and deals | yes | own deals | department's deals | yes | no |
//! | record orders | yes | yes | yes | yes | yes |
//! | configure pipelines, products, price lists | no | no | no | yes | no |
//! | set sales goals | no | no | yes | yes | no |
//! | read sales reports and forecasts | no | no | yes | yes | no |
//! | freeze forecast snapshots | no | no | no | yes | yes |
//! | work tasks (create, change their own, follow) | yes | yes | yes | yes | yes |
//! | hand over a leaver's work | no | no | no | yes | no |

use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::id::StaffId;
use crate::staff::{Role, Staff};

/// Something an actor may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Permission {
    /// See customers, their contacts and history.
    ReadCustomers,
    /// Create a customer.
    CreateCustomer,
    /// Change a customer (subject to ownership for agents).
    EditCustomer,
    /// Merge two customers.
    MergeCustomers,
    /// Delete a customer and its history.
    DeleteCustomer,
    /// Record an interaction.
    RecordInteraction,
    /// Create and change staff and departments.
    ManageStaff,
    /// Read the audit trail.
    ReadAudit,
    /// Take in customer messages.
    Intake,
    /// Refer, take, resolve requests (agents: only those they or their department hold).
    WorkRequests,
    /// Approve or return answers, reply to customers, close requests, settle duplicates.
    ReviewRequests,
    /// Record a customer's satisfaction rating.
    RateRequests,
    /// Configure routing rules, service levels and department assignment.
    ConfigureCartable,
    /// Read reports.
    ReadReports,
    /// See the outbox (what was sent to whom and what became of it) and replay messages.
    ManageDelivery,
    /// Set and remove the workspace's message templates.
    ManageTemplates,
    /// Create leads (web forms, imports, by hand).
    CaptureLeads,
    /// Qualify and convert leads, create and work deals (agents: their own deals; managers:
    /// their department's; the services check ownership).
    WorkSales,
    /// Record orders and refunds.
    RecordOrders,
    /// Configure pipelines, products and price lists.
    ConfigureSales,
    /// Set sales goals.
    ManageGoals,
    /// Read forecasts, goals' attainment and the won/lost report.
    ReadSalesReports,
    /// Freeze forecast snapshots (the scheduled worker).
    FreezeForecasts,
    /// Create tasks, change those one is assigned or created (managers: their department's;
    /// administrators: any), follow tasks; send reminders and greetings (the worker).
    WorkTasks,
}

impl Permission {
    /// The action in words, for messages: `work requests`, `merge customers`.
    pub fn words(self) -> &'static str {
        use Permission::*;
        match self {
            ReadCustomers => "read customers",
            CreateCustomer => "create customers",
            EditCustomer => "edit this customer",
            MergeCustomers => "merge customers",
            DeleteCustomer => "delete customers",
            RecordInteraction => "record interactions",
            ManageStaff => "manage staff and departments",
            ReadAudit => "read the audit trail",
            Intake => "take in customer messages",
            WorkRequests => "work requests",
            ReviewRequests => "review answers, reply to customers or close requests",
            RateRequests => "record satisfaction ratings",
            ConfigureCartable => "configure routing and service levels",
            ReadReports => "read reports",
            ManageDelivery => "manage the outbox",
            ManageTemplates => "manage message templates",
            CaptureLeads => "capture leads",
            WorkSales => "work leads and deals",
            RecordOrders => "record orders",
            ConfigureSales => "configure pipelines, products and price lists",
            ManageGoals => "set sales goals",
            ReadSalesReports => "read sales reports and forecasts",
            FreezeForecasts => "freeze forecast snapshots",
            WorkTasks => "work tasks",
        }
    }
}

/// The acting party of a session: a staff member (with their stored roles) or the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A staff member, as stored.
    Staff(Staff),
    /// A named system component (a channel adapter, a scheduled job).
    System(String),
}

impl Principal {
    /// The actor written to the audit trail.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::Staff(s) => Actor::Staff(s.id),
            Principal::System(name) => Actor::System(name.clone()),
        }
    }

    /// The staff member, if the principal is one.
    pub fn staff_id(&self) -> Option<StaffId> {
        match self {
            Principal::Staff(s) => Some(s.id),
            Principal::System(_) => None,
        }
    }

    /// Checks `permission` on a record owned by `owner` (where ownership matters).
    ///
    /// # Errors
    /// [`Error::Unauthorized`] naming the permission when refused.
    pub fn check(&self, permission: Permission, owner: Option<StaffId>) -> Result<()> {
        if self.allows(permission, owner) {
            Ok(())
        } else {
            Err(Error::refused(
                self.actor(),
                Some(permission),
                format!("{} may not {}", self.describe(), permission.words()),
            ))
        }
    }

    /// The principal in words, for messages: `Sara (admin)` or `the system component
    /// crm-cli intake`; an inactive staff member is said to be inactive.
    pub fn describe(&self) -> String {
        match self {
            Principal::System(name) => format!("the system component {name}"),
            Principal::Staff(s) => {
                let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
                let roles = if roles.is_empty() {
                    "no role".to_owned()
                } else {
                    roles.join(", ")
                };
                let inactive = if s.active { "" } else { ", inactive" };
                format!("{} ({roles}{inactive})", s.name)
            }
        }
    }

    fn allows(&self, permission: Permission, owner: Option<StaffId>) -> bool {
        use Permission::*;
        let staff = match self {
            Principal::System(_) => {
                return matches!(
                    permission,
                    ReadCustomers
                        | CreateCustomer
                        | EditCustomer
                        | RecordInteraction
                        | Intake
                        | RateRequests
                        | CaptureLeads
                        | RecordOrders
                        | FreezeForecasts
                        | WorkTasks
                );
            }
            Principal::Staff(s) => s,
        };
        if !staff.active {
            return false;
        }
        let any = |roles: &[Role]| roles.iter().any(|r| staff.has_role(*r));
        match permission {
            ReadCustomers | CreateCustomer | RecordInteraction => !staff.roles.is_empty(),
            EditCustomer => {
                any(&[Role::Officer, Role::Manager, Role::Admin])
                    || (staff.has_role(Role::Agent) && owner.is_none_or(|o| o == staff.id))
            }
            MergeCustomers => any(&[Role::Officer, Role::Manager, Role::Admin]),
            DeleteCustomer | ReadAudit => any(&[Role::Manager, Role::Admin]),
            ManageStaff | ConfigureCartable | ManageTemplates => staff.has_role(Role::Admin),
            Intake | ReviewRequests | RateRequests => any(&[Role::Officer, Role::Manager]),
            WorkRequests => any(&[Role::Officer, Role::Manager, Role::Agent, Role::Admin]),
            ReadReports => any(&[Role::Officer, Role::Manager, Role::Admin]),
            ManageDelivery => any(&[Role::Officer, Role::Manager, Role::Admin]),
            CaptureLeads | WorkSales | RecordOrders => !staff.roles.is_empty(),
            ConfigureSales | FreezeForecasts => staff.has_role(Role::Admin),
            ManageGoals | ReadSalesReports => any(&[Role::Manager, Role::Admin]),
            WorkTasks => !staff.roles.is_empty(),
        }
    }
}

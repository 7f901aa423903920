//! `crm staff ...` and `crm department ...`.

use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::{safe, table};
use clap::{Args, Subcommand, ValueEnum};
use crm::request::Assignment;
use crm::service::NewStaff;
use crm::staff::Role;
use std::process::ExitCode;

/// `crm staff`.
#[derive(Debug, Subcommand)]
pub(crate) enum StaffCommand {
    /// Add a staff member (administrators).
    Add(StaffAddArgs),
    /// List staff members.
    List(JsonArg),
    /// Deactivate a staff member, handing their work over to a successor (administrators).
    Deactivate(crate::commands::tasks::DeactivateArgs),
}

/// `--json` for a list.
#[derive(Debug, Args)]
pub(crate) struct JsonArg {
    /// Print the records as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `crm staff add`.
#[derive(Debug, Args)]
pub(crate) struct StaffAddArgs {
    /// Full name.
    #[arg(long)]
    name: String,
    /// Work email (how `--as` and referrals name the person).
    #[arg(long)]
    email: String,
    /// Roles (repeat or separate with commas).
    #[arg(long = "role", value_enum, value_delimiter = ',', required = true)]
    roles: Vec<RoleArg>,
    /// The department (name or id).
    #[arg(long)]
    department: Option<String>,
}

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    /// Customer-relations officer: receives, refers, reviews and answers requests.
    Officer,
    /// Works the requests referred to them.
    Agent,
    /// Leads a department; receives escalations.
    Manager,
    /// Sets up the workspace.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Officer => Role::Officer,
            RoleArg::Agent => Role::Agent,
            RoleArg::Manager => Role::Manager,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// `crm department`.
#[derive(Debug, Subcommand)]
pub(crate) enum DepartmentCommand {
    /// Add a department (administrators).
    Add(DepartmentAddArgs),
    /// List departments.
    List(JsonArg),
    /// Set how a department hands requests to its members.
    Assign(AssignArgs),
}

/// `crm department add`.
#[derive(Debug, Args)]
pub(crate) struct DepartmentAddArgs {
    /// Its name.
    name: String,
    /// Its manager (email or id), who receives escalations.
    #[arg(long)]
    manager: Option<String>,
}

/// `crm department assign`.
#[derive(Debug, Args)]
pub(crate) struct AssignArgs {
    /// The department (name or id).
    department: String,
    /// The policy.
    #[arg(value_enum)]
    policy: AssignmentArg,
}

/// How a department hands requests to its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AssignmentArg {
    /// Requests wait in the department's queue until a member takes one.
    Queue,
    /// Members in turn.
    RoundRobin,
    /// The member holding the fewest active requests.
    LeastLoaded,
}

impl From<AssignmentArg> for Assignment {
    fn from(a: AssignmentArg) -> Assignment {
        match a {
            AssignmentArg::Queue => Assignment::Queue,
            AssignmentArg::RoundRobin => Assignment::RoundRobin,
            AssignmentArg::LeastLoaded => Assignment::LeastLoaded,
        }
    }
}

fn assignment_name(a: Assignment) -> &'static str {
    match a {
        Assignment::Queue => "queue",
        Assignment::RoundRobin => "round-robin",
        Assignment::LeastLoaded => "least-loaded",
    }
}

/// Runs a `crm staff` command.
///
/// # Errors
/// As the library's staff operations.
pub(crate) async fn staff(ctx: &Ctx, command: StaffCommand) -> CliResult<ExitCode> {
    match command {
        StaffCommand::Add(args) => {
            let session = ctx.session().await?;
            let mut new = NewStaff::new(&args.name, Role::Officer).email(&args.email);
            new.roles = args.roles.iter().map(|r| Role::from(*r)).collect();
            if let Some(d) = &args.department {
                new.department = Some(ctx.directory().await?.department_by_ref(d)?.id);
            }
            let staff = session.create_staff(new).await?;
            println!(
                "staff member {} <{}> added ({})",
                safe(&staff.name),
                staff.email.as_deref().unwrap_or("-"),
                staff.id
            );
        }
        StaffCommand::List(a) => {
            let dir = ctx.directory().await?;
            if a.json {
                let staff: Vec<_> = dir.staff.values().collect();
                return crate::commands::cartable::print_json(&staff);
            }
            let mut t = table(["name", "email", "roles", "department", "active", "id"]);
            for s in dir.staff.values() {
                let roles: Vec<&str> = s.roles.iter().map(|r| r.as_str()).collect();
                t.add_row([
                    safe(&s.name),
                    safe(s.email.as_deref().unwrap_or("-")),
                    roles.join(","),
                    s.department
                        .map_or("-".to_owned(), |d| safe(&dir.department_name(d))),
                    if s.active { "yes" } else { "no" }.to_owned(),
                    s.id.to_string(),
                ]);
            }
            println!("{t}");
        }
        StaffCommand::Deactivate(args) => {
            return crate::commands::tasks::deactivate(ctx, args).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `crm department` command.
///
/// # Errors
/// As the library's department operations.
pub(crate) async fn department(ctx: &Ctx, command: DepartmentCommand) -> CliResult<ExitCode> {
    match command {
        DepartmentCommand::Add(args) => {
            let session = ctx.session().await?;
            let manager = match &args.manager {
                Some(m) => Some(ctx.staff_by_ref(m).await?.id),
                None => None,
            };
            let d = session.create_department(&args.name, manager).await?;
            println!("department {} added ({})", safe(&d.name), d.id);
        }
        DepartmentCommand::List(a) => {
            let dir = ctx.directory().await?;
            if a.json {
                let departments: Vec<_> = dir.departments.values().collect();
                return crate::commands::cartable::print_json(&departments);
            }
            let mut t = table(["name", "assignment", "manager", "members", "id"]);
            for d in dir.departments.values() {
                let members = dir
                    .staff
                    .values()
                    .filter(|s| s.active && s.department == Some(d.id))
                    .count();
                t.add_row([
                    safe(&d.name),
                    assignment_name(d.assignment).to_owned(),
                    d.manager
                        .map_or("-".to_owned(), |m| safe(&dir.staff_name(m))),
                    members.to_string(),
                    d.id.to_string(),
                ]);
            }
            println!("{t}");
        }
        DepartmentCommand::Assign(args) => {
            let session = ctx.session().await?;
            let dir = ctx.directory().await?;
            let d = dir.department_by_ref(&args.department)?;
            let d = session
                .set_department_assignment(d.id, d.version, args.policy.into())
                .await?;
            println!(
                "department {} now assigns by {}",
                safe(&d.name),
                assignment_name(d.assignment)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

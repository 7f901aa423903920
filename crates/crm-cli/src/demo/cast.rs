//! The demo workspace: its staff, departments, routing rules and customers.

use super::names;
use super::names::Topic;
use super::rng::Rng;
use crate::error::{CliError, CliResult};
use crm::channel::SocialNetwork;
use crm::customer::{ContactKind, Customer, LifecycleStage};
use crm::id::{CustomerId, DepartmentId, StaffId};
use crm::request::{Assignment, Priority, RoutingActions, RoutingConditions};
use crm::service::{NewCustomer, NewStaff};
use crm::staff::{Department, Role, Staff};
use crm::workspace::Workspace;
use crm::{Crm, Session};
use std::collections::BTreeMap;

/// The people and places of the demo workspace.
pub(crate) struct Cast {
    /// The workspace.
    pub(crate) workspace: Workspace,
    /// Maryam and John, the customer-relations officers.
    pub(crate) officers: Vec<Session>,
    /// Dariush, who manages billing and technical support.
    pub(crate) manager: Session,
    /// A session per staff member.
    pub(crate) sessions: BTreeMap<StaffId, Session>,
    /// The staff, as created.
    pub(crate) staff: Vec<Staff>,
    /// مالی (billing), round-robin.
    pub(crate) billing: Department,
    /// فنی (technical), least-loaded.
    pub(crate) technical: Department,
    /// فروش (sales), a queue.
    pub(crate) sales: Department,
    /// The channel adapters.
    pub(crate) channels: Session,
    /// The satisfaction survey.
    pub(crate) survey: Session,
    /// Every seeded customer; the first is علی رضایی.
    pub(crate) customers: Vec<Customer>,
}

impl Cast {
    /// The session of staff member `id`.
    pub(crate) fn session(&self, id: StaffId) -> CliResult<&Session> {
        self.sessions
            .get(&id)
            .ok_or_else(|| CliError::failure(format!("demo: no session for {id}")))
    }

    /// The staff member with this email.
    pub(crate) fn by_email(&self, email: &str) -> CliResult<&Session> {
        let s = self
            .staff
            .iter()
            .find(|s| s.email.as_deref() == Some(email))
            .ok_or_else(|| CliError::failure(format!("demo: no staff {email}")))?;
        self.session(s.id)
    }

    pub(crate) fn members(&self, dept: DepartmentId) -> Vec<StaffId> {
        self.staff
            .iter()
            .filter(|s| s.department == Some(dept) && s.has_role(Role::Agent))
            .map(|s| s.id)
            .collect()
    }

    pub(crate) fn department_of(&self, topic: Topic) -> &Department {
        match topic {
            Topic::Billing => &self.billing,
            Topic::Technical => &self.technical,
            Topic::Sales => &self.sales,
        }
    }
}

/// Creates the workspace, staff, departments and rules.
///
/// # Errors
/// The library's errors.
pub(crate) async fn cast(crm: &Crm) -> CliResult<Cast> {
    let admin = NewStaff::new("Sara Admin", Role::Admin).email("sara@acme.example");
    let (workspace, admin) = crm
        .create_workspace("آکمه ایران (Acme Iran)", "IR", admin)
        .await?;
    let ws = workspace.id;
    let admin_session = crm.session(ws, admin.id).await?;
    let a = &admin_session;
    let manager = a
        .create_staff(NewStaff::new("داریوش مدیری", Role::Manager).email("dariush@acme.example"))
        .await?;
    let billing = a.create_department("مالی", Some(manager.id)).await?;
    let technical = a.create_department("فنی", Some(manager.id)).await?;
    let sales = a.create_department("فروش", None).await?;
    let billing = a
        .set_department_assignment(billing.id, billing.version, Assignment::RoundRobin)
        .await?;
    let technical = a
        .set_department_assignment(technical.id, technical.version, Assignment::LeastLoaded)
        .await?;
    let people = [
        ("مریم احمدی", "maryam@acme.example", Role::Officer, None),
        ("John Carter", "john@acme.example", Role::Officer, None),
        (
            "رضا کریمی",
            "reza@acme.example",
            Role::Agent,
            Some(billing.id),
        ),
        (
            "Neda Hosseini",
            "neda@acme.example",
            Role::Agent,
            Some(billing.id),
        ),
        (
            "علی محمدی",
            "ali.m@acme.example",
            Role::Agent,
            Some(technical.id),
        ),
        (
            "Emma Brown",
            "emma@acme.example",
            Role::Agent,
            Some(technical.id),
        ),
        (
            "سینا رحیمی",
            "sina@acme.example",
            Role::Agent,
            Some(sales.id),
        ),
        (
            "Olivia Green",
            "olivia@acme.example",
            Role::Agent,
            Some(sales.id),
        ),
    ];
    let mut staff = vec![admin.clone(), manager.clone()];
    for (name, email, role, dept) in people {
        let mut new = NewStaff::new(name, role).email(email);
        new.department = dept;
        staff.push(a.create_staff(new).await?);
    }
    let mut sessions = BTreeMap::new();
    for s in &staff {
        sessions.insert(s.id, crm.session(ws, s.id).await?);
    }
    let rule = |keywords: &[&str]| RoutingConditions {
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        ..RoutingConditions::default()
    };
    a.create_routing_rule(
        "billing words",
        10,
        rule(&["صورتحساب", "فاکتور", "بازپرداخت", "invoice", "refund"]),
        RoutingActions {
            department: Some(billing.id),
            priority: Some(Priority::High),
            category: Some("billing".into()),
            ..RoutingActions::default()
        },
    )
    .await?;
    a.create_routing_rule(
        "technical words",
        20,
        rule(&["خطا", "ورود", "رمز", "error", "login"]),
        RoutingActions {
            department: Some(technical.id),
            line: Some(crm::request::SupportLine::Second),
            category: Some("technical".into()),
            ..RoutingActions::default()
        },
    )
    .await?;
    a.create_routing_rule(
        "VIP customers first",
        30,
        RoutingConditions {
            tags: vec!["vip".into()],
            ..RoutingConditions::default()
        },
        RoutingActions {
            priority: Some(Priority::Urgent),
            ..RoutingActions::default()
        },
    )
    .await?;
    let find = |email: &str| {
        staff
            .iter()
            .find(|s| s.email.as_deref() == Some(email))
            .and_then(|s| sessions.get(&s.id))
            .cloned()
            .ok_or_else(|| CliError::failure(format!("demo: no staff {email}")))
    };
    let officers = vec![find("maryam@acme.example")?, find("john@acme.example")?];
    let manager_session = find("dariush@acme.example")?;
    Ok(Cast {
        officers,
        manager: manager_session,
        sessions,
        staff,
        billing,
        technical,
        sales,
        channels: crm.system_session(ws, "channels").await?,
        survey: crm.system_session(ws, "customer survey").await?,
        customers: Vec::new(),
        workspace,
    })
}

/// Creates `count` customers (the first is علی رضایی, 0912 123 4567), about 60% with Persian
/// names.
///
/// # Errors
/// The library's errors.
pub(crate) async fn customers(cast: &mut Cast, rng: &mut Rng, count: usize) -> CliResult<()> {
    let seeder = &cast.channels;
    let ali = NewCustomer::person("علی", "رضایی")
        .contact(ContactKind::Mobile, "09121234567")
        .contact(ContactKind::Email, "ali.rezaei@example.com")
        .stage(LifecycleStage::Customer);
    cast.customers.push(seeder.create_customer(ali).await?);
    for i in 1..count {
        let persian = rng.chance(60);
        let (given, family, latin) = if persian {
            let (g, gl) = *rng.pick(&names::FA_GIVEN).unwrap_or(&("علی", "ali"));
            let (f, fl) = *rng.pick(&names::FA_FAMILY).unwrap_or(&("رضایی", "rezaei"));
            (g.to_owned(), f.to_owned(), format!("{gl}.{fl}"))
        } else {
            let g = *rng.pick(&names::EN_GIVEN).unwrap_or(&"James");
            let f = *rng.pick(&names::EN_FAMILY).unwrap_or(&"Smith");
            (
                g.to_owned(),
                f.to_owned(),
                format!("{}.{}", g, f).to_lowercase(),
            )
        };
        let domain = if persian { "example.ir" } else { "example.com" };
        let mut new = NewCustomer::person(&given, &family)
            .contact(ContactKind::Email, &format!("{latin}{i}@{domain}"))
            .contact(
                ContactKind::Mobile,
                &format!("0935{:07}", 1_000_000 + i * 37),
            );
        if rng.chance(30) {
            new = new.contact(
                ContactKind::Social(SocialNetwork::Telegram),
                &format!("@{}_{i}", latin.replace('.', "_")),
            );
        }
        if rng.chance(8) {
            new = new.tag("vip");
        }
        new.stage = *rng
            .pick(&[
                LifecycleStage::Lead,
                LifecycleStage::Qualified,
                LifecycleStage::Customer,
                LifecycleStage::Customer,
                LifecycleStage::Loyal,
            ])
            .unwrap_or(&LifecycleStage::Customer);
        cast.customers.push(seeder.create_customer(new).await?);
    }
    Ok(())
}

/// The customer id of علی رضایی, the demo's known customer.
pub(crate) fn known_customer(cast: &Cast) -> CliResult<CustomerId> {
    cast.customers
        .first()
        .map(|c| c.id)
        .ok_or_else(|| CliError::failure("demo: no customers"))
}

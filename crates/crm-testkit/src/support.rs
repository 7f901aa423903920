//! Test support: a workspace with staff of every role, on a manual clock.

use chrono::{DateTime, TimeZone, Utc};
use crm_core::clock::ManualClock;
use crm_core::id::IdGenerator;
use crm_core::service::NewStaff;
use crm_core::staff::{Role, Staff};
use crm_core::store::Store;
use crm_core::workspace::Workspace;
use crm_core::{Crm, Session};
use std::sync::Arc;

/// A workspace with an admin, an officer, two agents and a manager.
pub struct Desk {
    /// The services.
    pub crm: Crm,
    /// The clock the services read.
    pub clock: Arc<ManualClock>,
    /// The workspace.
    pub workspace: Workspace,
    /// Administrator.
    pub admin: Session,
    /// Customer-relations officer.
    pub officer: Session,
    /// An agent.
    pub agent: Session,
    /// Another agent.
    pub agent2: Session,
    /// A manager.
    pub manager: Session,
}

/// 2026-03-21 08:00 UTC (Nowruz 1405).
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 21, 8, 0, 0)
        .single()
        .expect("valid date")
}

/// Services over `store` with a manual clock at [`start_time`] and ids seeded by `seed`.
pub fn crm(store: &Arc<dyn Store>, seed: u64) -> (Crm, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start_time()));
    let crm = Crm::new(store.clone())
        .with_clock(clock.clone())
        .with_ids(IdGenerator::seeded(seed));
    (crm, clock)
}

impl Desk {
    /// A new workspace named `name` on `store` (ids seeded from the name: two desks of
    /// different names never collide).
    pub async fn open(store: &Arc<dyn Store>, name: &str) -> Desk {
        let seed = name
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        let (crm, clock) = crm(store, seed);
        Self::open_with(crm, clock, name).await
    }

    /// A new workspace named `name` using `crm`.
    pub async fn open_with(crm: Crm, clock: Arc<ManualClock>, name: &str) -> Desk {
        let (workspace, admin) = crm
            .create_workspace(
                name,
                "IR",
                NewStaff::new("Admin", Role::Admin).email("admin@example.com"),
            )
            .await
            .expect("workspace");
        let admin = crm
            .session(workspace.id, admin.id)
            .await
            .expect("admin session");
        let mut sessions = Vec::new();
        for (name, role) in [
            ("Officer Oskooei", Role::Officer),
            ("Agent Amini", Role::Agent),
            ("Agent Bahrami", Role::Agent),
            ("Manager Moradi", Role::Manager),
        ] {
            let staff: Staff = admin
                .create_staff(NewStaff::new(name, role))
                .await
                .expect("staff");
            sessions.push(crm.session(workspace.id, staff.id).await.expect("session"));
        }
        let mut s = sessions.into_iter();
        let mut next = || s.next().expect("four sessions");
        Desk {
            officer: next(),
            agent: next(),
            agent2: next(),
            manager: next(),
            admin,
            crm,
            clock,
            workspace,
        }
    }

    /// Moves the clock on by `minutes`.
    pub fn tick(&self, minutes: i64) {
        self.clock.advance(chrono::Duration::minutes(minutes));
    }
}

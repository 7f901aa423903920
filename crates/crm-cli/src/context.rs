//! Opening the store and resolving who acts in which workspace (`--db`, `--as`,
//! `--workspace`).

use crate::Global;
use crate::cli_config::CliConfig;
use crate::dates::Dates;
use crate::error::{CliError, CliResult};
use crm::id::{DepartmentId, StaffId, WorkspaceId};
use crm::sled_store::{Durability, SledConfig, SledStore};
use crm::staff::{Department, Staff};
use crm::store::{MAX_PAGE, PageRequest, Store};
use crm::{Crm, Session};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default data directory.
pub(crate) const DEFAULT_DB: &str = "./crm-data";

/// The data directory `--db` names, or the default.
pub(crate) fn data_dir(g: &Global) -> PathBuf {
    g.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
}

/// Opens the sled store at `dir` with `durability`.
///
/// # Errors
/// [`crm::Error::Locked`] (as a clear message) when another process holds it.
pub(crate) async fn open_store(dir: &Path, durability: Durability) -> CliResult<Arc<SledStore>> {
    let config = SledConfig::new(dir).durability(durability);
    let store = tokio::task::spawn_blocking(move || SledStore::open(config))
        .await
        .map_err(|e| CliError::failure(format!("opening the store: {e}")))??;
    Ok(Arc::new(store))
}

/// Everything a command needs: the services, the workspace, how to show dates.
pub(crate) struct Ctx {
    /// The services over the store.
    pub(crate) crm: Crm,
    /// The store itself (to flush on exit).
    pub(crate) sled: Arc<SledStore>,
    /// The workspace acted in.
    pub(crate) ws: WorkspaceId,
    /// How dates are shown.
    pub(crate) dates: Dates,
    /// `--as` (or `CRM_AS`), when given.
    actor: Option<String>,
    /// The administrator recorded by `crm init`: who acts when `--as` is not given.
    default_actor: Option<String>,
}

impl Ctx {
    /// Opens the store of `--db` and picks the workspace of `--workspace` or `crm-cli.json`.
    ///
    /// # Errors
    /// Invalid input when there is no workspace to work in or the id is malformed; failures
    /// when the store cannot be opened.
    pub(crate) async fn open(g: &Global) -> CliResult<Self> {
        let dates = Dates::new(g.calendar, &g.tz)?;
        let dir = data_dir(g);
        if !dir.exists() {
            return Err(CliError::invalid(format!(
                "no data directory {}: run `crm init` (or `crm demo`) first, or pass --db",
                dir.display()
            )));
        }
        let config = CliConfig::load(&dir)?;
        let ws_text = g.workspace.clone().or(config.workspace).ok_or_else(|| {
            CliError::invalid(format!(
                "no workspace: pass --workspace, or run `crm init` to create one in {}",
                dir.display()
            ))
        })?;
        let ws = ws_text
            .trim()
            .parse::<WorkspaceId>()
            .map_err(|_| CliError::invalid(format!("--workspace {ws_text:?} is not an id")))?;
        let sled = open_store(&dir, Durability::Flush).await?;
        let store: Arc<dyn Store> = sled.clone();
        let crm = Crm::new(store);
        // Fails with a clear message when the workspace does not exist.
        crm.system_session(ws, "crm-cli")
            .await
            .map_err(|e| match e {
                crm::Error::NotFound { .. } => {
                    CliError::invalid(format!("no workspace {ws} in {}", dir.display()))
                }
                other => other.into(),
            })?;
        Ok(Self {
            crm,
            sled,
            ws,
            dates,
            actor: g.actor.clone(),
            default_actor: config.default_as,
        })
    }

    /// A context over services already open (the demo).
    pub(crate) fn from_parts(
        crm: Crm,
        sled: Arc<SledStore>,
        ws: WorkspaceId,
        dates: Dates,
        actor: Option<String>,
    ) -> Self {
        Self {
            crm,
            sled,
            ws,
            dates,
            actor,
            default_actor: None,
        }
    }

    /// Writes what is pending to disk (a no-op with durable commits).
    pub(crate) async fn close(&self) {
        if let Err(e) = self.sled.sync().await {
            eprintln!("warning: flushing the store failed: {e}");
        }
    }

    /// A session acting as `--as` (or the default actor).
    ///
    /// # Errors
    /// Invalid input when no actor is given or it names no active staff member.
    pub(crate) async fn session(&self) -> CliResult<Session> {
        let who = self
            .actor
            .as_deref()
            .or(self.default_actor.as_deref())
            .ok_or_else(|| {
                CliError::invalid("who acts? pass --as EMAIL (or set CRM_AS)".to_owned())
            })?;
        let staff = self
            .staff_by_ref(who)
            .await
            .map_err(|e| CliError::invalid(format!("--as {who:?}: {}", e.message)))?;
        if !staff.active {
            return Err(CliError::invalid(format!(
                "--as {who:?}: {} is deactivated",
                staff.name
            )));
        }
        Ok(self.crm.session(self.ws, staff.id).await?)
    }

    /// A session acting as `--as` when it was given, else as the named system component
    /// (intake, surveys): the default administrator is not used here.
    ///
    /// # Errors
    /// As [`Ctx::session`].
    pub(crate) async fn session_or_system(&self, system: &str) -> CliResult<Session> {
        if self.actor.is_some() {
            self.session().await
        } else {
            self.system(system).await
        }
    }

    /// A session of the named system component.
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn system(&self, name: &str) -> CliResult<Session> {
        Ok(self.crm.system_session(self.ws, name).await?)
    }

    /// The staff member named by `reference`: a work email or an id.
    ///
    /// # Errors
    /// Invalid input when there is none.
    pub(crate) async fn staff_by_ref(&self, reference: &str) -> CliResult<Staff> {
        let dir = self.directory().await?;
        dir.staff_by_ref(reference).cloned()
    }

    /// Every staff member and department of the workspace.
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn directory(&self) -> CliResult<Directory> {
        let system = self.system("crm-cli").await?;
        let mut dir = Directory::default();
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let got = system.list_staff(&page).await?;
            dir.staff.extend(got.items.into_iter().map(|s| (s.id, s)));
            match got.next {
                Some(next) => page = PageRequest::after(next, MAX_PAGE),
                None => break,
            }
        }
        let mut page = PageRequest::first(MAX_PAGE);
        loop {
            let got = system.list_departments(&page).await?;
            dir.departments
                .extend(got.items.into_iter().map(|d| (d.id, d)));
            match got.next {
                Some(next) => page = PageRequest::after(next, MAX_PAGE),
                None => break,
            }
        }
        Ok(dir)
    }
}

/// The staff and departments of a workspace, for resolving references and showing names.
#[derive(Debug, Default, Clone)]
pub(crate) struct Directory {
    /// Staff by id.
    pub(crate) staff: BTreeMap<StaffId, Staff>,
    /// Departments by id.
    pub(crate) departments: BTreeMap<DepartmentId, Department>,
}

impl Directory {
    /// The staff member with this work email (any spelling) or id.
    ///
    /// # Errors
    /// Invalid input when there is none.
    pub(crate) fn staff_by_ref(&self, reference: &str) -> CliResult<&Staff> {
        let reference = reference.trim();
        if let Ok(id) = reference.parse::<StaffId>() {
            return self
                .staff
                .get(&id)
                .ok_or_else(|| CliError::invalid(format!("no staff member with id {id}")));
        }
        let email = crm::normalize::normalize_email(reference).map_err(|_| {
            CliError::invalid(format!(
                "{reference:?} is neither a staff member's email nor an id"
            ))
        })?;
        self.staff
            .values()
            .find(|s| s.email.as_deref() == Some(email.as_str()))
            .ok_or_else(|| CliError::invalid(format!("no staff member with email {email}")))
    }

    /// The department with this name (case-insensitive, any Persian spelling) or id.
    ///
    /// # Errors
    /// Invalid input when there is none.
    pub(crate) fn department_by_ref(&self, reference: &str) -> CliResult<&Department> {
        let reference = reference.trim();
        if let Ok(id) = reference.parse::<DepartmentId>() {
            return self
                .departments
                .get(&id)
                .ok_or_else(|| CliError::invalid(format!("no department with id {id}")));
        }
        let wanted = crm::normalize::normalize_text(reference);
        self.departments
            .values()
            .find(|d| crm::normalize::normalize_text(&d.name) == wanted)
            .ok_or_else(|| CliError::invalid(format!("no department named {reference:?}")))
    }

    /// A staff member's name, or the id when unknown.
    pub(crate) fn staff_name(&self, id: StaffId) -> String {
        self.staff
            .get(&id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    }

    /// A department's name, or the id when unknown.
    pub(crate) fn department_name(&self, id: DepartmentId) -> String {
        self.departments
            .get(&id)
            .map_or_else(|| id.to_string(), |d| d.name.clone())
    }

    /// Whose cartable: `officers`, `dept <name>`, or the person's name.
    pub(crate) fn holder(&self, holder: crm::request::Holder) -> String {
        use crm::request::Holder;
        match holder {
            Holder::Officers => "officers".to_owned(),
            Holder::Department(d) => format!("dept {}", self.department_name(d)),
            Holder::Staff(s) => self.staff_name(s),
        }
    }

    /// Who acted: a person's name or `system:<name>`.
    pub(crate) fn actor(&self, actor: &crm::audit::Actor) -> String {
        match actor {
            crm::audit::Actor::Staff(s) => self.staff_name(*s),
            crm::audit::Actor::System(name) => format!("system:{name}"),
        }
    }
}

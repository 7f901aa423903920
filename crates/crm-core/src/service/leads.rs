//! Leads: capturing them (by hand, from an import, from a web lead form), finding them again
//! by contact, and qualifying or disqualifying them.

use super::contacts::{ContactInput, parse_contacts};
use super::web_form::WebForm;
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::customer::ContactKind;
use crate::error::{Error, Result};
use crate::id::{CustomerId, LeadId, StaffId};
use crate::limits::{self, MAX_LABEL, MAX_NAME};
use crate::record::Key;
use crate::record::{RecordKind, RecordRef};
use crate::sales::{
    LEAD_BY_STATUS, Lead, LeadSource, LeadStatus, Qualification, QualificationLevel,
};
use crate::store::{Commit, Page, PageRequest, Scan, StoreExt};

/// Longest note on a lead, in characters.
pub const MAX_LEAD_NOTE: usize = 4000;
/// Most notes a lead keeps (the oldest go first).
pub const MAX_LEAD_NOTES: usize = 50;

/// A lead to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLead {
    /// The person's name.
    pub name: String,
    /// The company, if any.
    pub company: Option<String>,
    /// Contact points (at least one).
    pub contacts: Vec<ContactInput>,
    /// Where it came from.
    pub source: LeadSource,
    /// Who works it.
    pub owner: Option<StaffId>,
    /// A first note.
    pub note: Option<String>,
}

impl NewLead {
    /// A lead named `name` from `source`, with nothing else.
    pub fn new(name: &str, source: LeadSource) -> Self {
        Self {
            name: name.to_owned(),
            company: None,
            contacts: Vec::new(),
            source,
            owner: None,
            note: None,
        }
    }

    /// Adds a contact point.
    pub fn contact(mut self, kind: ContactKind, value: &str) -> Self {
        self.contacts.push(ContactInput::new(kind, value));
        self
    }

    /// Sets the owner.
    pub fn owner(mut self, owner: StaffId) -> Self {
        self.owner = Some(owner);
        self
    }
}

/// What taking in a lead form did.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadCapture {
    /// The lead created or updated.
    pub lead: Lead,
    /// True when a new lead was created; false when an open lead with the same contact was
    /// updated or the submission had been taken in before.
    pub created: bool,
}

pub(super) fn lead_ref(id: LeadId) -> RecordRef {
    RecordRef {
        kind: RecordKind::LEAD,
        id: id.0,
    }
}

fn validate_source(source: &LeadSource) -> Result<()> {
    for (field, value) in [
        ("source.campaign", &source.campaign),
        ("source.medium", &source.medium),
    ] {
        if let Some(v) = value {
            limits::line(field, v, MAX_LABEL)?;
        }
    }
    if let Some(detail) = &source.detail {
        limits::line("source.detail", detail, MAX_NAME)?;
    }
    Ok(())
}

impl Session {
    /// Creates a lead. A contact point an open lead already has is [`Error::AlreadyExists`]
    /// naming that lead; one a customer has is recorded as the lead's `known_customer`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a blank name, no contact point, a bad contact or source;
    /// [`Error::Unauthorized`]; [`Error::AlreadyExists`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_lead", record = tracing::field::Empty))]
    pub async fn create_lead(&self, new: NewLead) -> Result<Lead> {
        self.check(Permission::CaptureLeads, None)?;
        let lead = self.build_lead(new, None).await?;
        let mut commit = Commit::new();
        if let Some(owner) = lead.owner {
            // A hand-over of the owner either sees this lead or refuses it.
            self.fence_assignment(&mut commit, owner).await?;
        }
        commit.put(lead.clone());
        self.audit(&mut commit, AuditAction::Created, lead_ref(lead.id), "");
        self.commit_claiming(commit).await?;
        Ok(lead)
    }

    async fn build_lead(&self, new: NewLead, submission: Option<&str>) -> Result<Lead> {
        limits::required("lead.name", &new.name, MAX_NAME)?;
        if let Some(company) = &new.company {
            limits::line("lead.company", company, MAX_NAME)?;
        }
        if let Some(note) = &new.note {
            limits::text("lead.note", note, MAX_LEAD_NOTE)?;
        }
        validate_source(&new.source)?;
        let contacts = parse_contacts(&new.contacts, self.region)?;
        if !contacts.iter().any(|c| c.kind.is_identifying()) {
            return Err(Error::invalid(
                "lead.contacts",
                "an email, a phone number or a handle is needed",
            ));
        }
        if let Some(owner) = new.owner {
            self.active_staff(owner).await?;
        }
        let known_customer = self
            .customer_of_contacts(contacts.iter().map(|c| c.key.as_str()))
            .await?;
        let now = self.now();
        Ok(Lead {
            id: LeadId(self.new_id()),
            version: 1,
            name: new.name.trim().to_owned(),
            company: new
                .company
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty()),
            contacts,
            source: new.source,
            owner: new.owner,
            status: LeadStatus::New,
            qualification: None,
            notes: new
                .note
                .into_iter()
                .filter(|n| !n.trim().is_empty())
                .collect(),
            known_customer,
            conversion: None,
            submissions: submission.map(str::to_owned).into_iter().collect(),
            created_at: now,
            updated_at: now,
        })
    }

    /// The live customer holding any of the canonical contact `keys`.
    pub(super) async fn customer_of_contacts<'a>(
        &self,
        keys: impl Iterator<Item = &'a str>,
    ) -> Result<Option<CustomerId>> {
        for key in keys {
            if let Some(c) = self.store().customer_by_contact(self.ws, key).await?
                && !c.is_merged()
            {
                return Ok(Some(c.id));
            }
        }
        Ok(None)
    }

    /// Takes in a web form as a lead form: creates a lead from it, or adds it to the open lead
    /// with the same email or phone (identity resolution), without opening a request in the
    /// cartable. The same submission id twice is one submission (the second returns the lead
    /// unchanged). Concurrent submissions from one person end in one lead.
    ///
    /// # Errors
    /// [`Error::Invalid`] without an email or phone, or for bad contacts or source;
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "capture_lead_form", record = tracing::field::Empty))]
    pub async fn capture_lead_form(
        &self,
        form: WebForm,
        source: LeadSource,
    ) -> Result<LeadCapture> {
        self.check(Permission::CaptureLeads, None)?;
        limits::required(
            "submission_id",
            &form.submission_id,
            limits::MAX_EXTERNAL_ID,
        )?;
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&form.email) && blank(&form.phone) {
            return Err(Error::invalid(
                "sender",
                "an email or a phone number is needed to answer",
            ));
        }
        limits::text("message", &form.message, MAX_LEAD_NOTE)?;
        let mut contacts = Vec::new();
        if let Some(email) = form.email.as_deref().filter(|s| !s.trim().is_empty()) {
            contacts.push(ContactInput::new(ContactKind::Email, email));
        }
        if let Some(phone) = form.phone.as_deref().filter(|s| !s.trim().is_empty()) {
            contacts.push(ContactInput::new(ContactKind::Mobile, phone));
        }
        let parsed = parse_contacts(&contacts, self.region)?;
        let name = form
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| parsed.first().map(|c| c.value.clone()).unwrap_or_default());
        let note = match &form.subject {
            Some(subject) if !subject.trim().is_empty() => {
                format!("{}\n{}", subject.trim(), form.message.trim())
            }
            _ => form.message.trim().to_owned(),
        };
        let (form, contacts, parsed, note, name, source) =
            (&form, &contacts, &parsed, &note, &name, &source);
        retry_on_conflict(RetryOn::AnyConflict, move || async move {
            let submission_key = Lead::submission_key(&form.submission_id);
            if let Some(lead) = self
                .store()
                .holder_of::<Lead>(self.ws, &submission_key)
                .await?
            {
                return Ok(LeadCapture {
                    lead,
                    created: false,
                });
            }
            let mut existing = None;
            for c in parsed.iter().filter(|c| c.kind.is_identifying()) {
                if let Some(lead) = self
                    .store()
                    .holder_of::<Lead>(self.ws, &Lead::contact_key(&c.key))
                    .await?
                {
                    existing = Some(lead);
                    break;
                }
            }
            let mut commit = Commit::new();
            let capture = match existing {
                Some(mut lead) => {
                    for c in parsed {
                        let taken = self
                            .store()
                            .holder(self.ws, &Lead::contact_key(&c.key))
                            .await?;
                        if taken.is_none() && !lead.contacts.iter().any(|k| k.key == c.key) {
                            lead.contacts.push(c.clone());
                        }
                    }
                    push_note(&mut lead, note);
                    lead.submissions.push(form.submission_id.clone());
                    lead.version += 1;
                    lead.updated_at = self.now();
                    commit.put(lead.clone());
                    self.audit(
                        &mut commit,
                        AuditAction::Updated,
                        lead_ref(lead.id),
                        "web form",
                    );
                    LeadCapture {
                        lead,
                        created: false,
                    }
                }
                None => {
                    let mut new = NewLead::new(name, source.clone());
                    new.contacts = contacts.clone();
                    new.note = Some(note.clone());
                    let lead = self.build_lead(new, Some(&form.submission_id)).await?;
                    commit.put(lead.clone());
                    self.audit(
                        &mut commit,
                        AuditAction::Created,
                        lead_ref(lead.id),
                        "web form",
                    );
                    LeadCapture {
                        lead,
                        created: true,
                    }
                }
            };
            self.commit(commit).await?;
            Ok(capture)
        })
        .await
    }

    /// The lead with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "lead", record = %id))]
    pub async fn lead(&self, id: LeadId) -> Result<Lead> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Lead>(self.ws, id.0).await
    }

    /// Leads with `status`, oldest first.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of another list; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "leads", record = tracing::field::Empty))]
    pub async fn leads(&self, status: LeadStatus, page: &PageRequest) -> Result<Page<Lead>> {
        self.check(Permission::ReadCustomers, None)?;
        let scan = Scan::index(LEAD_BY_STATUS).prefix(&Key::new().u8(status.rank()));
        self.store().page(self.ws, scan, page).await
    }

    /// Qualifies a lead (marketing- or sales-qualified) or disqualifies it (a reason is
    /// required). Agents may decide on leads they own or nobody owns (and become the owner
    /// of an unowned lead they qualify); managers and administrators on any.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a converted or disqualified lead, or a disqualification without
    /// a reason; [`Error::Unauthorized`]; [`Error::NotFound`]; [`Error::Conflict`] when
    /// `expected_version` is stale.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "qualify_lead", record = %id))]
    pub async fn qualify_lead(
        &self,
        id: LeadId,
        expected_version: Option<u64>,
        level: QualificationLevel,
        reason: Option<&str>,
    ) -> Result<Lead> {
        self.check(Permission::WorkSales, None)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason {
            limits::line("reason", r, MAX_NAME)?;
        }
        if level == QualificationLevel::Disqualified && reason.is_none() {
            return Err(Error::invalid(
                "reason",
                "a lead is disqualified with a reason",
            ));
        }
        retry_on_conflict(
            RetryOn::unless_expected(expected_version),
            move || async move {
                let mut lead = self.store().fetch::<Lead>(self.ws, id.0).await?;
                if let Some(v) = expected_version
                    && v != lead.version
                {
                    return Err(stale(RecordKind::LEAD, id.0, v, lead.version));
                }
                self.may_work_lead(lead.owner)?;
                if !lead.is_open() {
                    return Err(Error::invalid(
                        "lead.status",
                        format!("the lead is {}", lead.status.as_str()),
                    ));
                }
                let now = self.now();
                lead.qualification = Some(Qualification {
                    level,
                    by: self.principal.actor(),
                    at: now,
                    reason: reason.map(str::to_owned),
                });
                lead.status = match level {
                    QualificationLevel::MarketingQualified => LeadStatus::MarketingQualified,
                    QualificationLevel::SalesQualified => LeadStatus::SalesQualified,
                    QualificationLevel::Disqualified => LeadStatus::Disqualified,
                };
                let mut commit = Commit::new();
                if lead.owner.is_none() && level != QualificationLevel::Disqualified {
                    lead.owner = self.principal.staff_id();
                    if let Some(owner) = lead.owner {
                        self.fence_assignment(&mut commit, owner).await?;
                    }
                }
                lead.version += 1;
                lead.updated_at = now;
                let action = if level == QualificationLevel::Disqualified {
                    AuditAction::Disqualified
                } else {
                    AuditAction::Qualified
                };
                commit.put(lead.clone());
                let detail = match reason {
                    Some(r) => format!("{}: {r}", level.as_str()),
                    None => level.as_str().to_owned(),
                };
                self.audit(&mut commit, action, lead_ref(id), &detail);
                self.commit(commit).await?;
                Ok(lead)
            },
        )
        .await
    }
}

/// Adds `note` to a lead, keeping at most [`MAX_LEAD_NOTES`].
fn push_note(lead: &mut Lead, note: &str) {
    if note.trim().is_empty() {
        return;
    }
    lead.notes.push(note.to_owned());
    if lead.notes.len() > MAX_LEAD_NOTES {
        let extra = lead.notes.len() - MAX_LEAD_NOTES;
        lead.notes.drain(..extra);
    }
}

/// The conflict of a change based on version `expected` of a record now at `found`.
pub(super) fn stale(kind: RecordKind, id: uuid::Uuid, expected: u64, found: u64) -> Error {
    Error::Conflict(crate::Conflict::StaleVersion {
        kind,
        id,
        expected,
        found,
    })
}

//! Creating, changing, deleting and finding customers.

use super::contacts::{ContactInput, parse_contacts};
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::channel::Channel;
use crate::customer::CustomerFilter;
use crate::customer::{
    Consent, ContactKind, Customer, FieldValue, LifecycleStage, Occasion, Party,
};
use crate::error::{Conflict, Error, Result};
use crate::id::{CustomerId, StaffId};
use crate::limits::{self, MAX_FIELD_NAME, MAX_FIELD_TEXT, MAX_FIELDS, MAX_LABEL, MAX_NAME};
use crate::normalize::normalize_text;
use crate::record::RecordKind;
use crate::record::RecordRef;
use crate::store::{Commit, Page, PageRequest, StoreExt};
use std::collections::{BTreeMap, BTreeSet};

/// How far a merged customer's redirects are followed.
const MAX_REDIRECTS: usize = 8;

/// A customer to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomer {
    /// Person or organisation, with names.
    pub party: Party,
    /// Starting stage (default: lead).
    pub stage: LifecycleStage,
    /// Owning staff member.
    pub owner: Option<StaffId>,
    /// Tags (normalised on the way in).
    pub tags: Vec<String>,
    /// Custom fields.
    pub fields: BTreeMap<String, FieldValue>,
    /// Personal occasions.
    pub occasions: Vec<Occasion>,
    /// Consent answers per channel.
    pub consent: Vec<(Channel, bool)>,
    /// Contact points.
    pub contacts: Vec<ContactInput>,
}

impl NewCustomer {
    /// A person, at stage lead, with nothing else.
    pub fn person(given_name: &str, family_name: &str) -> Self {
        Self::with_party(Party::Person {
            given_name: given_name.to_owned(),
            family_name: family_name.to_owned(),
            organisation: None,
        })
    }

    /// An organisation, at stage lead, with nothing else.
    pub fn organisation(name: &str) -> Self {
        Self::with_party(Party::Organisation {
            name: name.to_owned(),
        })
    }

    fn with_party(party: Party) -> Self {
        Self {
            party,
            stage: LifecycleStage::Lead,
            owner: None,
            tags: Vec::new(),
            fields: BTreeMap::new(),
            occasions: Vec::new(),
            consent: Vec::new(),
            contacts: Vec::new(),
        }
    }

    /// Adds a contact point.
    pub fn contact(mut self, kind: ContactKind, value: &str) -> Self {
        self.contacts.push(ContactInput::new(kind, value));
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_owned());
        self
    }

    /// Sets the stage.
    pub fn stage(mut self, stage: LifecycleStage) -> Self {
        self.stage = stage;
        self
    }
}

/// Changes to a customer; fields left `None` or empty stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomerChanges {
    /// New names (and organisation link).
    pub party: Option<Party>,
    /// New stage.
    pub stage: Option<LifecycleStage>,
    /// New owner (`Some(None)` removes the owner).
    pub owner: Option<Option<StaffId>>,
    /// Tags to add.
    pub add_tags: Vec<String>,
    /// Tags to remove.
    pub remove_tags: Vec<String>,
    /// Custom fields to set.
    pub set_fields: BTreeMap<String, FieldValue>,
    /// Custom fields to remove.
    pub remove_fields: Vec<String>,
    /// Replacement list of occasions.
    pub occasions: Option<Vec<Occasion>>,
    /// Consent answers to record.
    pub consent: Vec<(Channel, bool)>,
    /// Contact points to add, in any spelling; those the customer already has (by canonical
    /// key) are left as they are. One held by another customer refuses the whole change
    /// ([`Error::AlreadyExists`]), so a change never lands half-applied.
    pub add_contacts: Vec<ContactInput>,
}

impl Session {
    /// Creates a customer with its contact points.
    ///
    /// # Errors
    /// [`Error::Invalid`] for bad input (nothing stored); [`Error::Conflict`] with
    /// [`Error::AlreadyExists`] when a contact point belongs to another customer.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_customer", record = tracing::field::Empty))]
    pub async fn create_customer(&self, new: NewCustomer) -> Result<Customer> {
        self.check(Permission::CreateCustomer, None)?;
        let now = self.now();
        let mut customer = Customer {
            id: CustomerId(self.new_id()),
            version: 1,
            party: new.party,
            stage: new.stage,
            owner: new.owner,
            tags: BTreeSet::new(),
            fields: BTreeMap::new(),
            occasions: Vec::new(),
            consent: BTreeMap::new(),
            contacts: parse_contacts(&new.contacts, self.region)?,
            merged_into: None,
            created_at: now,
            updated_at: now,
        };
        let changes = CustomerChanges {
            add_tags: new.tags,
            set_fields: new.fields,
            occasions: Some(new.occasions),
            consent: new.consent,
            ..CustomerChanges::default()
        };
        apply_changes(&mut customer, changes, now)?;
        self.validate(&customer, None).await?;
        let mut commit = Commit::new();
        if let Some(owner) = customer.owner {
            self.fence_assignment(&mut commit, owner).await?;
        }
        commit.put(customer.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            customer_ref(customer.id),
            "",
        );
        self.emit(
            &mut commit,
            "customer.created",
            customer_ref(customer.id),
            &customer,
        );
        self.commit_claiming(commit).await?;
        Ok(customer)
    }

    /// Changes a customer.
    ///
    /// With `expected_version`, the change applies only to that version (else
    /// [`Error::Conflict`]); without, it applies to the latest version, re-reading and retrying
    /// if another change commits in between, so no concurrent change is lost.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Invalid`], [`Error::Unauthorized`], [`Error::Conflict`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "update_customer", record = %id))]
    pub async fn update_customer(
        &self,
        id: CustomerId,
        expected_version: Option<u64>,
        changes: CustomerChanges,
    ) -> Result<Customer> {
        let added = &parse_contacts(&changes.add_contacts, self.region)?;
        let changes = &changes;
        retry_on_conflict(
            RetryOn::unless_expected(expected_version),
            move || async move {
                let before = self.live_customer(id, expected_version).await?;
                self.check(Permission::EditCustomer, before.owner)?;
                let detail = changes.describe();
                let mut customer = before.clone();
                apply_changes(&mut customer, changes.clone(), self.now())?;
                let new_points: Vec<_> = added
                    .iter()
                    .filter(|p| !before.contacts.iter().any(|c| c.key == p.key))
                    .cloned()
                    .collect();
                customer.contacts.extend(new_points.iter().cloned());
                limits::count("contacts", customer.contacts.len(), limits::MAX_CONTACTS)?;
                customer.version += 1;
                self.validate(&customer, Some(&before)).await?;
                let mut commit = Commit::new();
                if let Some(owner) = customer.owner.filter(|o| before.owner != Some(*o)) {
                    self.fence_assignment(&mut commit, owner).await?;
                }
                commit.put(customer.clone());
                self.audit(&mut commit, AuditAction::Updated, customer_ref(id), &detail);
                for point in &new_points {
                    self.audit(
                        &mut commit,
                        AuditAction::ContactAdded,
                        customer_ref(id),
                        &point.key,
                    );
                }
                self.commit_claiming(commit).await?;
                Ok(customer)
            },
        )
        .await
    }

    /// Deletes a customer with its interactions.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Unauthorized`], [`Error::Conflict`] when the customer is
    /// no longer at `version`.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "delete_customer", record = %id))]
    pub async fn delete_customer(&self, id: CustomerId, version: u64) -> Result<()> {
        let customer = self.store().fetch::<Customer>(self.ws, id.0).await?;
        self.check(Permission::DeleteCustomer, customer.owner)?;
        let mut commit = Commit::new();
        commit.delete(RecordKind::CUSTOMER, id.0, version);
        let mut page = PageRequest::first(crate::store::MAX_PAGE);
        loop {
            let interactions =
                crate::interaction::history(self.store(), self.ws, id, &page).await?;
            for i in &interactions.items {
                commit.delete(RecordKind::INTERACTION, i.id.0, i.version);
            }
            match interactions.next {
                Some(next) => page = PageRequest::after(next, crate::store::MAX_PAGE),
                None => break,
            }
        }
        let interactions = commit.writes.len() - 1;
        for request in self
            .all_in(&crate::request::RequestView::Customer(id))
            .await?
        {
            commit.delete(RecordKind::REQUEST, request.id.0, request.version);
        }
        let detail = format!("{} ({interactions} interactions)", customer.display_name());
        self.audit(&mut commit, AuditAction::Deleted, customer_ref(id), &detail);
        self.commit(commit).await
    }

    /// The customer with `id`; for a merged customer, the one it was merged into.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "customer", record = %id))]
    pub async fn customer(&self, id: CustomerId) -> Result<Customer> {
        self.check(Permission::ReadCustomers, None)?;
        let mut customer = self.store().fetch::<Customer>(self.ws, id.0).await?;
        for _ in 0..MAX_REDIRECTS {
            match customer.merged_into {
                Some(into) => customer = self.store().fetch::<Customer>(self.ws, into.0).await?,
                None => return Ok(customer),
            }
        }
        Err(Error::NotFound {
            kind: RecordKind::CUSTOMER,
            id: id.0,
        })
    }

    /// The customer holding the contact point `value` of `kind`, in any spelling.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `value` is not a valid contact point of that kind.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "find_by_contact", record = tracing::field::Empty))]
    pub async fn find_by_contact(
        &self,
        kind: ContactKind,
        value: &str,
    ) -> Result<Option<Customer>> {
        self.check(Permission::ReadCustomers, None)?;
        limits::line("contact", value, limits::MAX_CONTACT_VALUE)?;
        let key = crate::customer::canonical_key(kind, value, self.region)?;
        self.store()
            .holder_of::<crate::customer::Customer>(self.ws, &key)
            .await
    }

    /// Customers found by `query`: the customer holding it as an email address or a phone
    /// number, in any spelling (`۰۹۱۲ ۱۲۳ ۴۵۶۷`, `+98 912 123 4567`, ` Ali@Example.COM `);
    /// else those whose name (or Latin name, see [`crate::customer::LATIN_NAME_FIELD`]) has,
    /// for every word of `query`, a word starting with it, in any spelling
    /// [`normalize_text`] folds and with or without the space or ZWNJ inside a name
    /// (`محمدرضا` finds `محمد رضا`). Ordered by id.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a query with no searchable word or over the length limit.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "search_customers", record = tracing::field::Empty))]
    pub async fn search_customers(
        &self,
        query: &str,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        self.check(Permission::ReadCustomers, None)?;
        limits::line("query", query, limits::MAX_QUERY)?;
        if page.cursor().is_none()
            && let Some(found) = self.find_by_contact_text(query).await?
        {
            return Ok(Page {
                items: vec![found],
                next: None,
            });
        }
        let tokens = crate::normalize::query_tokens(query);
        if tokens.is_empty() {
            return Err(Error::invalid("query", "no word to search for"));
        }
        crate::customer::search(self.store(), self.ws, &tokens, page).await
    }

    /// The customer holding `query` read as an email address (when it has an `@`) or a
    /// phone number (when it is digits, in any script, with `+ - ( ) .` and spaces); `None`
    /// when it reads as neither or nobody holds it.
    async fn find_by_contact_text(&self, query: &str) -> Result<Option<Customer>> {
        let q = query.trim();
        let kind = if q.contains('@') {
            ContactKind::Email
        } else if q.chars().filter(|c| c.is_numeric()).count() >= 5
            && q.chars()
                .all(|c| c.is_numeric() || c.is_whitespace() || "+-().".contains(c))
        {
            ContactKind::Mobile
        } else {
            return Ok(None);
        };
        let Ok(key) = crate::customer::canonical_key(kind, q, self.region) else {
            return Ok(None);
        };
        self.store()
            .holder_of::<crate::customer::Customer>(self.ws, &key)
            .await
    }

    /// Live customers passing `filter`, ordered by id. The tag is normalised first.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; storage errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "list_customers", record = tracing::field::Empty))]
    pub async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        self.check(Permission::ReadCustomers, None)?;
        let mut filter = filter.clone();
        filter.tag = filter.tag.map(|t| normalize_text(&t));
        crate::customer::list(self.store(), self.ws, &filter, page).await
    }

    /// Loads a customer that has not been merged away, checking `expected_version`.
    pub(super) async fn live_customer(
        &self,
        id: CustomerId,
        expected: Option<u64>,
    ) -> Result<Customer> {
        let customer = self.store().fetch::<Customer>(self.ws, id.0).await?;
        if let Some(into) = customer.merged_into {
            return Err(Error::invalid(
                "customer",
                format!("{id} was merged into {into}; change that customer instead"),
            ));
        }
        if let Some(expected) = expected.filter(|v| *v != customer.version) {
            let conflict = Conflict::StaleVersion {
                kind: RecordKind::CUSTOMER,
                id: id.0,
                expected,
                found: customer.version,
            };
            return Err(Error::Conflict(conflict));
        }
        Ok(customer)
    }

    /// Checks what the customer refers to, where the change sets it (`before`: the customer
    /// as stored, for a change): the owner is active staff, the organisation is a live
    /// organisation. A reference the change leaves as it was is not checked again: a customer
    /// whose owner has left can still be edited (and given a new owner).
    pub(super) async fn validate(
        &self,
        customer: &Customer,
        before: Option<&Customer>,
    ) -> Result<()> {
        let owner_set = before.is_none_or(|b| b.owner != customer.owner);
        if let Some(owner) = customer.owner.filter(|_| owner_set) {
            let staff = self
                .store()
                .load::<crate::staff::Staff>(self.ws, owner.0)
                .await?;
            if !staff.is_some_and(|s| s.active) {
                return Err(Error::invalid(
                    "owner",
                    format!("no active staff member {owner}"),
                ));
            }
        }
        let organisation_set =
            before.is_none_or(|b| b.party.organisation() != customer.party.organisation());
        if let Some(org) = customer.party.organisation().filter(|_| organisation_set) {
            let found = self.store().load::<Customer>(self.ws, org.0).await?;
            let ok = found.is_some_and(|o| {
                o.merged_into.is_none() && matches!(o.party, Party::Organisation { .. })
            });
            if !ok || org == customer.id {
                return Err(Error::invalid(
                    "organisation",
                    format!("{org} is not an organisation"),
                ));
            }
        }
        Ok(())
    }
}

impl CustomerChanges {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut note = |set: bool, what: &str| {
            if set {
                parts.push(what.to_owned());
            }
        };
        note(self.party.is_some(), "name");
        note(self.stage.is_some(), "stage");
        note(self.owner.is_some(), "owner");
        note(
            !self.add_tags.is_empty() || !self.remove_tags.is_empty(),
            "tags",
        );
        note(
            !self.set_fields.is_empty() || !self.remove_fields.is_empty(),
            "fields",
        );
        note(self.occasions.is_some(), "occasions");
        note(!self.consent.is_empty(), "consent");
        note(!self.add_contacts.is_empty(), "contacts");
        parts.join(", ")
    }
}

/// Applies `changes` to `customer` and checks every limit; `customer` is unusable on error.
fn apply_changes(
    customer: &mut Customer,
    changes: CustomerChanges,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if let Some(party) = changes.party {
        customer.party = party;
    }
    check_party(&customer.party)?;
    if let Some(stage) = changes.stage {
        customer.stage = stage;
    }
    if let Some(owner) = changes.owner {
        customer.owner = owner;
    }
    for tag in &changes.remove_tags {
        customer.tags.remove(&normalize_text(tag));
    }
    for tag in &changes.add_tags {
        limits::required("tag", tag, MAX_LABEL)?;
        customer.tags.insert(normalize_text(tag));
    }
    limits::count("tags", customer.tags.len(), limits::MAX_TAGS)?;
    for name in &changes.remove_fields {
        customer.fields.remove(name);
    }
    for (name, value) in changes.set_fields {
        check_field(&name, &value)?;
        customer.fields.insert(name, value);
    }
    limits::count("fields", customer.fields.len(), MAX_FIELDS)?;
    if let Some(occasions) = changes.occasions {
        limits::count("occasions", occasions.len(), limits::MAX_OCCASIONS)?;
        for o in &occasions {
            if let crate::customer::OccasionKind::Other(label) = &o.kind {
                limits::required("occasion.label", label, MAX_LABEL)?;
            }
            if !o.is_valid() {
                return Err(Error::invalid("occasion", "no such month and day"));
            }
        }
        customer.occasions = occasions;
    }
    for (channel, granted) in changes.consent {
        customer
            .consent
            .insert(channel, Consent { granted, at: now });
    }
    customer.updated_at = now;
    Ok(())
}

fn check_party(party: &Party) -> Result<()> {
    match party {
        Party::Person {
            given_name,
            family_name,
            ..
        } => {
            limits::line("given_name", given_name, MAX_NAME)?;
            limits::line("family_name", family_name, MAX_NAME)?;
            if given_name.trim().is_empty() && family_name.trim().is_empty() {
                return Err(Error::invalid(
                    "name",
                    "a person needs a given or family name",
                ));
            }
            Ok(())
        }
        Party::Organisation { name } => limits::required("name", name, MAX_NAME),
    }
}

fn check_field(name: &str, value: &FieldValue) -> Result<()> {
    limits::required("field.name", name, MAX_FIELD_NAME)?;
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(Error::invalid(
            "field.name",
            "letters, digits, '_', '-' and '.' only",
        ));
    }
    if let FieldValue::Text(text) = value {
        limits::text(&format!("field.{name}"), text, MAX_FIELD_TEXT)?;
    }
    let language = match value {
        FieldValue::Text(tag) => crate::template::Language::from_tag(tag),
        _ => None,
    };
    if name == crate::activity::LANGUAGE_FIELD && language.is_none() {
        return Err(Error::invalid(
            "field.language",
            "a language crm-rs has templates for: fa or en",
        ));
    }
    Ok(())
}

pub(super) fn customer_ref(id: CustomerId) -> RecordRef {
    RecordRef {
        kind: RecordKind::CUSTOMER,
        id: id.0,
    }
}

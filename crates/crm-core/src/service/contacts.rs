//! Adding and removing contact points.

use super::customers::customer_ref;
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::customer::{ContactKind, ContactPoint, Customer};
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::limits::{self, MAX_CONTACT_VALUE, MAX_CONTACTS, MAX_LABEL};
use crate::normalize::Region;
use crate::store::Commit;
use std::collections::BTreeSet;

/// A contact point as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInput {
    /// Its kind.
    pub kind: ContactKind,
    /// The value in any spelling (normalised on the way in).
    pub value: String,
    /// An optional label ("work", "home").
    pub label: Option<String>,
}

impl ContactInput {
    /// A contact point without a label.
    pub fn new(kind: ContactKind, value: &str) -> Self {
        Self {
            kind,
            value: value.to_owned(),
            label: None,
        }
    }
}

/// Validates and normalises contact points; refuses two with the same canonical key.
pub(super) fn parse_contacts(inputs: &[ContactInput], region: Region) -> Result<Vec<ContactPoint>> {
    limits::count("contacts", inputs.len(), MAX_CONTACTS)?;
    let mut keys = BTreeSet::new();
    let mut points = Vec::with_capacity(inputs.len());
    for input in inputs {
        let point = parse_contact(input, region)?;
        if !keys.insert(point.key.clone()) {
            return Err(Error::invalid(
                "contacts",
                format!("{} given twice", point.key),
            ));
        }
        points.push(point);
    }
    Ok(points)
}

fn parse_contact(input: &ContactInput, region: Region) -> Result<ContactPoint> {
    limits::required(
        &format!("contact.{}", input.kind),
        &input.value,
        MAX_CONTACT_VALUE,
    )?;
    if let Some(label) = &input.label {
        limits::line("contact.label", label, MAX_LABEL)?;
    }
    ContactPoint::parse(input.kind, &input.value, input.label.clone(), region)
}

impl Session {
    /// Adds a contact point to a customer (see
    /// [`Session::update_customer`] for `expected_version`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad value, one the customer already has, or one too many;
    /// [`Error::AlreadyExists`] when another customer holds it.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "add_contact", record = %id))]
    pub async fn add_contact(
        &self,
        id: CustomerId,
        expected_version: Option<u64>,
        input: ContactInput,
    ) -> Result<Customer> {
        let point = parse_contact(&input, self.region)?;
        let point = &point;
        retry_on_conflict(
            RetryOn::unless_expected(expected_version),
            move || async move {
                let mut customer = self.live_customer(id, expected_version).await?;
                self.check(Permission::EditCustomer, customer.owner)?;
                if customer.contacts.iter().any(|c| c.key == point.key) {
                    return Err(Error::invalid(
                        "contact",
                        format!("already has {}", point.key),
                    ));
                }
                customer.contacts.push(point.clone());
                limits::count("contacts", customer.contacts.len(), MAX_CONTACTS)?;
                customer.version += 1;
                customer.updated_at = self.now();
                let mut commit = Commit::new();
                commit.put(customer.clone());
                self.audit(
                    &mut commit,
                    AuditAction::ContactAdded,
                    customer_ref(id),
                    &point.key,
                );
                self.commit_claiming(commit).await?;
                Ok(customer)
            },
        )
        .await
    }

    /// Removes the contact point with canonical `key` (e.g. `email:ali@example.com`).
    ///
    /// # Errors
    /// [`Error::Invalid`] when the customer has no such contact point.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "remove_contact", record = %id))]
    pub async fn remove_contact(
        &self,
        id: CustomerId,
        expected_version: Option<u64>,
        key: &str,
    ) -> Result<Customer> {
        retry_on_conflict(
            RetryOn::unless_expected(expected_version),
            move || async move {
                let mut customer = self.live_customer(id, expected_version).await?;
                self.check(Permission::EditCustomer, customer.owner)?;
                let before = customer.contacts.len();
                customer.contacts.retain(|c| c.key != key);
                if customer.contacts.len() == before {
                    return Err(Error::invalid("contact", format!("customer has no {key}")));
                }
                customer.version += 1;
                customer.updated_at = self.now();
                let mut commit = Commit::new();
                commit.put(customer.clone());
                self.audit(
                    &mut commit,
                    AuditAction::ContactRemoved,
                    customer_ref(id),
                    key,
                );
                self.commit(commit).await?;
                Ok(customer)
            },
        )
        .await
    }
}

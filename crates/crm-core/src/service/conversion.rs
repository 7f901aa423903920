//! Converting a lead into a customer and, optionally, a deal: one atomic commit, duplicates
//! found first, idempotent under concurrency.

use super::deals::{NewDeal, deal_ref};
use super::leads::lead_ref;
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::customer::{Customer, FieldValue, LifecycleStage, Party};
use crate::error::{Error, Result};
use crate::id::{CustomerId, LeadId, PipelineId, StaffId};
use crate::record::{RecordKind, RecordRef};
use crate::sales::{Conversion, Deal, Lead, LeadStatus, Money};
use crate::store::{Commit, StoreExt};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// How to convert a lead.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConvertLead {
    /// Open a deal too: its title, pipeline and amount (the rest as [`NewDeal`] defaults).
    pub deal: Option<LeadDeal>,
    /// Who owns the new customer and deal (default: the lead's owner, else the actor).
    pub owner: Option<StaffId>,
}

/// The deal a conversion opens.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadDeal {
    /// What is being sold.
    pub title: String,
    /// The pipeline.
    pub pipeline: PipelineId,
    /// The value.
    pub amount: Money,
    /// The starting stage (default: the pipeline's first).
    pub stage: Option<String>,
    /// When it is expected to close.
    pub expected_close: Option<NaiveDate>,
}

/// What a conversion did.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversionOutcome {
    /// The lead, converted.
    pub lead: Lead,
    /// The customer it became or joined.
    pub customer: Customer,
    /// The deal opened, if one was asked for.
    pub deal: Option<Deal>,
    /// True when the customer existed already (same contact keys).
    pub joined_existing: bool,
    /// True when the lead had been converted before (by this call's twin, say): nothing was
    /// written and the earlier outcome is returned.
    pub already_converted: bool,
}

fn customer_ref(id: CustomerId) -> RecordRef {
    RecordRef {
        kind: RecordKind::CUSTOMER,
        id: id.0,
    }
}

/// "Sara Mohammadi" as given name "Sara", family name "Mohammadi".
fn party_of(name: &str) -> Party {
    let name = name.trim();
    match name.rsplit_once(' ') {
        Some((given, family)) => Party::Person {
            given_name: given.trim().to_owned(),
            family_name: family.trim().to_owned(),
            organisation: None,
        },
        None => Party::Person {
            given_name: name.to_owned(),
            family_name: String::new(),
            organisation: None,
        },
    }
}

impl Session {
    /// Converts a lead into a customer and, when `how.deal` says so, a deal, in one atomic
    /// commit with the lead's conversion.
    ///
    /// The customer is found before anything is created: the customer the lead was known as
    /// when taken in, or the one holding any of its contact keys, is joined; only when there
    /// is none is a customer created with the lead's contact points. Converting a converted
    /// lead returns the earlier outcome and writes nothing, so two concurrent conversions end
    /// with one customer and one deal (the deal claims `lead-conversion:` plus the lead's id).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a disqualified lead or a bad deal; [`Error::Unauthorized`];
    /// [`Error::NotFound`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "convert_lead", record = %id))]
    pub async fn convert_lead(&self, id: LeadId, how: ConvertLead) -> Result<ConversionOutcome> {
        self.check(Permission::WorkSales, None)?;
        self.check(Permission::CreateCustomer, None)?;
        let how = &how;
        retry_on_conflict(RetryOn::AnyConflict, move || async move {
            let mut lead = self.store().fetch::<Lead>(self.ws, id.0).await?;
            if let Some(done) = lead.conversion.clone() {
                let customer = self.customer(done.customer).await?;
                let deal = match done.deal {
                    Some(d) => self.store().load::<Deal>(self.ws, d.0).await?,
                    None => None,
                };
                return Ok(ConversionOutcome {
                    lead,
                    customer,
                    deal,
                    joined_existing: done.joined_existing,
                    already_converted: true,
                });
            }
            self.may_work_lead(lead.owner)?;
            if lead.status == LeadStatus::Disqualified {
                return Err(Error::invalid("lead.status", "the lead is disqualified"));
            }
            let owner = how
                .owner
                .or(lead.owner)
                .or_else(|| self.principal.staff_id());
            let mut commit = Commit::new();
            if let Some(owner) = owner {
                self.fence_assignment(&mut commit, owner).await?;
            }
            let known = match lead.known_customer {
                Some(c) => self.customer(c).await.ok().map(|c| c.id),
                None => None,
            };
            let found = match known {
                Some(c) => Some(c),
                None => {
                    self.customer_of_contacts(lead.contacts.iter().map(|c| c.key.as_str()))
                        .await?
                }
            };
            let now = self.now();
            let (customer, joined) = match found {
                Some(c) => (self.customer(c).await?, true),
                None => {
                    let mut fields = BTreeMap::new();
                    if let Some(company) = &lead.company {
                        fields.insert("company".to_owned(), FieldValue::Text(company.clone()));
                    }
                    let customer = Customer {
                        id: CustomerId(self.new_id()),
                        version: 1,
                        party: party_of(&lead.name),
                        stage: LifecycleStage::Qualified,
                        owner,
                        tags: BTreeSet::new(),
                        fields,
                        occasions: Vec::new(),
                        consent: BTreeMap::new(),
                        contacts: lead.contacts.clone(),
                        merged_into: None,
                        created_at: now,
                        updated_at: now,
                    };
                    commit.put(customer.clone());
                    self.audit(
                        &mut commit,
                        AuditAction::Created,
                        customer_ref(customer.id),
                        &format!("from lead {}", lead.id),
                    );
                    (customer, false)
                }
            };
            let deal = match &how.deal {
                Some(d) => {
                    let mut new = NewDeal::new(&d.title, customer.id, d.pipeline, d.amount.clone());
                    new.owner = owner;
                    new.stage = d.stage.clone();
                    new.expected_close = d.expected_close;
                    new.source = Some(lead.source.clone());
                    let deal = self.build_deal(new, Some(lead.id)).await?;
                    commit.put(deal.clone());
                    self.audit(
                        &mut commit,
                        AuditAction::Created,
                        deal_ref(deal.id),
                        &format!("from lead {}", lead.id),
                    );
                    Some(deal)
                }
                None => None,
            };
            lead.status = LeadStatus::Converted;
            lead.conversion = Some(Conversion {
                customer: customer.id,
                joined_existing: joined,
                deal: deal.as_ref().map(|d| d.id),
                by: self.principal.actor(),
                at: now,
            });
            lead.version += 1;
            lead.updated_at = now;
            commit.put(lead.clone());
            let detail = format!(
                "{} customer {}{}",
                if joined { "joined" } else { "created" },
                customer.id,
                deal.as_ref()
                    .map(|d| format!(", deal {}", d.id))
                    .unwrap_or_default()
            );
            self.audit(&mut commit, AuditAction::Converted, lead_ref(id), &detail);
            self.commit(commit).await?;
            Ok(ConversionOutcome {
                lead,
                customer,
                deal,
                joined_existing: joined,
                already_converted: false,
            })
        })
        .await
    }
}

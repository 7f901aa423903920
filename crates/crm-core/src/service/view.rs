//! The 360° view of a customer.

use super::Session;
use crate::customer::Customer;
use crate::error::Result;
use crate::id::CustomerId;
use crate::interaction::Interaction;
use crate::store::{PageRequest, StoreExt};

/// How many recent interactions the view shows.
pub const RECENT_INTERACTIONS: usize = 20;

/// Everything known about one customer at a glance.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CustomerView {
    /// The customer (the survivor, when a merged id was asked for).
    pub customer: Customer,
    /// The organisation a person belongs to.
    pub organisation: Option<Customer>,
    /// The latest interactions, newest first.
    pub recent_interactions: Vec<Interaction>,
    /// Whether older interactions exist beyond `recent_interactions`.
    pub more_interactions: bool,
    /// The latest requests, newest first.
    pub recent_requests: Vec<crate::request::Request>,
    /// The latest deals (open and closed), newest first.
    pub recent_deals: Vec<crate::sales::Deal>,
    /// The latest orders (the purchase history), newest first.
    pub recent_orders: Vec<crate::sales::Order>,
    /// The first page of the timeline (interactions, requests, tasks, deals), newest first;
    /// older pages: [`Session::customer_timeline`] from `timeline.next_before`.
    pub timeline: super::TimelinePage,
    /// Their club cards: each with its programme, balance, tier and last ledger entries.
    pub club: Vec<super::ClubCardView>,
}

impl Session {
    /// The 360° view: the customer, their organisation, their recent interactions,
    /// requests, deals and orders, their timeline and their club cards.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] for an unknown customer.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "customer_view", record = %id))]
    pub async fn customer_view(&self, id: CustomerId) -> Result<CustomerView> {
        let customer = self.customer(id).await?;
        let organisation = match customer.party.organisation() {
            Some(org) => self.store().load::<Customer>(self.ws, org.0).await?,
            None => None,
        };
        let page = PageRequest::first(RECENT_INTERACTIONS);
        let recent = crate::interaction::history(self.store(), self.ws, customer.id, &page).await?;
        let view = crate::request::RequestView::Customer(customer.id);
        let requests = crate::request::view(self.store(), self.ws, &view, &page).await?;
        let deals = self.customer_deals(customer.id, &page).await?;
        let orders = self.customer_orders(customer.id, &page).await?;
        let timeline = self
            .customer_timeline(customer.id, None, RECENT_INTERACTIONS)
            .await?;
        let club = self.club_view(customer.id).await?;
        Ok(CustomerView {
            club,
            recent_deals: deals.items,
            recent_orders: orders.items,
            timeline,
            recent_requests: requests.items,
            customer,
            organisation,
            more_interactions: recent.next.is_some(),
            recent_interactions: recent.items,
        })
    }
}

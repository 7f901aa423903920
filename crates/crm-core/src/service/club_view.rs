//! The club's part of the customer 360 view: each card with its balance, tier and last
//! ledger entries.

use super::Session;
use crate::club::{Card, LedgerEntry};
use crate::error::Result;
use crate::id::CustomerId;
use crate::store::PageRequest;

/// Ledger entries the 360 view shows per card.
pub const VIEW_ENTRIES: usize = 5;

/// One card of a customer, as the 360 view shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClubCardView {
    /// The card (number, status, tier, balance, held points, debt).
    pub card: Card,
    /// The programme's name.
    pub programme: String,
    /// The last [`VIEW_ENTRIES`] entries, newest first.
    pub last_entries: Vec<LedgerEntry>,
}

impl Session {
    /// The club part of `customer`'s 360 view: every card with its balance, tier and last
    /// entries (reads each card and a few entries: no scan of a ledger).
    ///
    /// # Errors
    /// [`crate::Error::Unauthorized`]; store errors.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "club_view"))]
    pub async fn club_view(&self, customer: CustomerId) -> Result<Vec<ClubCardView>> {
        let mut views = Vec::new();
        for card in self.customer_cards(customer).await? {
            let programme = self.programme(card.programme).await?.name;
            let last_entries = self
                .club_ledger(card.id, true, &PageRequest::first(VIEW_ENTRIES))
                .await?
                .items;
            views.push(ClubCardView {
                card,
                programme,
                last_entries,
            });
        }
        Ok(views)
    }
}

//! Orders: purchases recorded directly or from a won deal, and refunds. They are a customer's
//! purchase history.

use super::deals::lines_total;
use super::{RetryOn, Session, retry_on_conflict};
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::{CustomerId, DealId, OrderId};
use crate::record::{Key, RecordKind, RecordRef};
use crate::sales::{Deal, DealStatus, Line, Money, ORDER_BY_CUSTOMER, Order, OrderStatus};
use crate::store::{Commit, Page, PageRequest, Scan, StoreExt};
use chrono::{DateTime, Utc};

/// An order to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// Who bought.
    pub customer: CustomerId,
    /// What (may be empty when only the total is known).
    pub lines: Vec<Line>,
    /// The total; with lines, their sum is used and this must be `None`.
    pub total: Option<Money>,
    /// When it was bought (default: now).
    pub ordered_at: Option<DateTime<Utc>>,
}

fn order_ref(id: OrderId) -> RecordRef {
    RecordRef {
        kind: RecordKind::ORDER,
        id: id.0,
    }
}

impl Session {
    /// Records a paid order.
    ///
    /// # Errors
    /// [`Error::Invalid`] without lines or total, with both, or bad lines;
    /// [`Error::NotFound`] for an unknown customer; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "record_order", record = tracing::field::Empty))]
    pub async fn record_order(&self, new: NewOrder) -> Result<Order> {
        self.check(Permission::RecordOrders, None)?;
        let total = match (&new.total, new.lines.is_empty()) {
            (Some(total), true) => Money::new(total.amount, total.currency.clone())?,
            (None, false) => lines_total(&new.lines, None)?,
            (None, true) => return Err(Error::invalid("total", "an order needs lines or a total")),
            (Some(_), false) => {
                return Err(Error::invalid("total", "the lines make the total"));
            }
        };
        let customer = self.customer(new.customer).await?;
        let now = self.now();
        let order = Order {
            id: OrderId(self.new_id()),
            version: 1,
            customer: customer.id,
            deal: None,
            lines: new.lines,
            total,
            status: OrderStatus::Paid,
            ordered_at: new.ordered_at.unwrap_or(now),
            created_at: now,
            updated_at: now,
        };
        // The points it earns go in the order's own commit: an order is never paid without
        // them. A card changed meanwhile (a hold, another order) is read again.
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut commit = Commit::new();
            commit.put(order.clone());
            self.audit(
                &mut commit,
                AuditAction::Created,
                order_ref(order.id),
                &order.total.to_string(),
            );
            self.order_earnings(&order, &mut commit).await?;
            self.commit(commit).await
        })
        .await?;
        Ok(order)
    }

    /// Records the order of a won deal: its customer, lines and amount, at the time it was
    /// won. A deal has at most one order: asking again returns it.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a deal that is not won; as [`Session::deal`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "order_from_deal", record = %id))]
    pub async fn order_from_deal(&self, id: DealId) -> Result<Order> {
        self.check(Permission::RecordOrders, None)?;
        let deal: Deal = self.deal(id).await?;
        if deal.status != DealStatus::Won {
            return Err(Error::invalid(
                "deal.status",
                format!("the deal is {}", deal.status.as_str()),
            ));
        }
        if let Some(order) = self
            .store()
            .holder_of::<Order>(self.ws, &Order::deal_key(id))
            .await?
        {
            return Ok(order);
        }
        let now = self.now();
        let order = Order {
            id: OrderId(self.new_id()),
            version: 1,
            customer: self.customer(deal.customer).await?.id,
            deal: Some(id),
            lines: deal.lines.clone(),
            total: deal.amount.clone(),
            status: OrderStatus::Paid,
            ordered_at: deal.closed_at.unwrap_or(now),
            created_at: now,
            updated_at: now,
        };
        let made = retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut commit = Commit::new();
            commit.put(order.clone());
            self.audit(
                &mut commit,
                AuditAction::Created,
                order_ref(order.id),
                &format!("from deal {id}"),
            );
            self.order_earnings(&order, &mut commit).await?;
            self.commit(commit).await
        })
        .await;
        match made {
            Err(Error::Conflict(crate::Conflict::KeyTaken { .. })) => self
                .store()
                .holder_of::<Order>(self.ws, &Order::deal_key(id))
                .await?
                .ok_or(Error::NotFound {
                    kind: RecordKind::ORDER,
                    id: id.0,
                }),
            Err(e) => Err(e),
            Ok(()) => Ok(order),
        }
    }

    /// Marks a paid order refunded.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an order refunded already; [`Error::Conflict`] when it is no
    /// longer at `version`; [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "refund_order", record = %id))]
    pub async fn refund_order(&self, id: OrderId, version: u64) -> Result<Order> {
        self.check(Permission::RecordOrders, None)?;
        retry_on_conflict(RetryOn::StaleVersion, || async {
            let mut order = self.store().fetch::<Order>(self.ws, id.0).await?;
            if order.version != version {
                return Err(super::leads::stale(
                    RecordKind::ORDER,
                    id.0,
                    version,
                    order.version,
                ));
            }
            if order.status == OrderStatus::Refunded {
                return Err(Error::invalid("order.status", "refunded already"));
            }
            order.status = OrderStatus::Refunded;
            order.version += 1;
            order.updated_at = self.now();
            let mut commit = Commit::new();
            commit.put(order.clone());
            self.audit(
                &mut commit,
                AuditAction::Refunded,
                order_ref(id),
                &order.total.to_string(),
            );
            // The points it earned are reversed in the same commit.
            self.order_reversal(&order, order.total.amount, &mut commit)
                .await?;
            self.commit(commit).await?;
            Ok(order)
        })
        .await
    }

    /// The order with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "order", record = %id))]
    pub async fn order(&self, id: OrderId) -> Result<Order> {
        self.check(Permission::ReadCustomers, None)?;
        self.store().fetch::<Order>(self.ws, id.0).await
    }

    /// A customer's orders, newest first: their purchase history.
    ///
    /// # Errors
    /// [`Error::Unauthorized`]; [`Error::Invalid`] for a cursor of another list.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "customer_orders", record = %customer))]
    pub async fn customer_orders(
        &self,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Order>> {
        self.check(Permission::ReadCustomers, None)?;
        let scan = Scan::index(ORDER_BY_CUSTOMER)
            .prefix(&Key::new().id(customer.0))
            .reverse();
        self.store().page(self.ws, scan, page).await
    }
}

//! Products and price lists.

use super::Session;
use crate::access::Permission;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::id::{PriceListId, ProductId};
use crate::limits::{self, MAX_LABEL, MAX_NAME};
use crate::record::{RecordKind, RecordRef};
use crate::sales::{Currency, Money, PriceList, Product};
use crate::store::{Commit, StoreExt};
use std::collections::BTreeMap;

fn product_ref(id: ProductId) -> RecordRef {
    RecordRef {
        kind: RecordKind::PRODUCT,
        id: id.0,
    }
}

fn price_list_ref(id: PriceListId) -> RecordRef {
    RecordRef {
        kind: RecordKind::PRICE_LIST,
        id: id.0,
    }
}

impl Session {
    /// Creates a product (administrators).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a blank SKU or name; [`Error::AlreadyExists`] for a SKU in use;
    /// [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_product", record = tracing::field::Empty))]
    pub async fn create_product(&self, sku: &str, name: &str) -> Result<Product> {
        self.check(Permission::ConfigureSales, None)?;
        limits::required("product.sku", sku, MAX_LABEL)?;
        limits::required("product.name", name, MAX_NAME)?;
        let now = self.now();
        let product = Product {
            id: ProductId(self.new_id()),
            version: 1,
            sku: sku.trim().to_owned(),
            name: name.trim().to_owned(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        let mut commit = Commit::new();
        commit.put(product.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            product_ref(product.id),
            &product.sku,
        );
        self.commit_claiming(commit).await?;
        Ok(product)
    }

    /// The product with this SKU (any case).
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the record does not decode.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "product_by_sku", record = tracing::field::Empty))]
    pub async fn product_by_sku(&self, sku: &str) -> Result<Option<Product>> {
        self.store()
            .holder_of::<Product>(self.ws, &Product::sku_key(sku))
            .await
    }

    /// Every product, by id.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when a record does not decode.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "products", record = tracing::field::Empty))]
    pub async fn products(&self) -> Result<Vec<Product>> {
        self.store().all::<Product>(self.ws).await
    }

    /// Creates a price list in `currency` (administrators).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a blank name or bad currency; [`Error::AlreadyExists`] for a
    /// name in use; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "create_price_list", record = tracing::field::Empty))]
    pub async fn create_price_list(&self, name: &str, currency: &str) -> Result<PriceList> {
        self.check(Permission::ConfigureSales, None)?;
        limits::required("price_list.name", name, MAX_NAME)?;
        let currency = Currency::parse(currency)?;
        let now = self.now();
        let list = PriceList {
            id: PriceListId(self.new_id()),
            version: 1,
            name: name.trim().to_owned(),
            currency,
            prices: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        };
        let mut commit = Commit::new();
        commit.put(list.clone());
        self.audit(
            &mut commit,
            AuditAction::Created,
            price_list_ref(list.id),
            &list.name,
        );
        self.commit_claiming(commit).await?;
        Ok(list)
    }

    /// Sets the unit price of `product` in a price list (administrators); the price is in
    /// the list's currency.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a price in another currency or with too many decimals;
    /// [`Error::NotFound`] for an unknown list or product; [`Error::Conflict`] when the list is
    /// no longer at `version`; [`Error::Unauthorized`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "set_price", record = %list))]
    pub async fn set_price(
        &self,
        list: PriceListId,
        version: u64,
        product: ProductId,
        price: Money,
    ) -> Result<PriceList> {
        self.check(Permission::ConfigureSales, None)?;
        let mut prices = self.store().fetch::<PriceList>(self.ws, list.0).await?;
        if prices.version != version {
            return Err(super::leads::stale(
                RecordKind::PRICE_LIST,
                list.0,
                version,
                prices.version,
            ));
        }
        if price.currency != prices.currency {
            return Err(Error::invalid(
                "price",
                format!("the list is in {}, not {}", prices.currency, price.currency),
            ));
        }
        let price = Money::new(price.amount, price.currency)?;
        self.store().fetch::<Product>(self.ws, product.0).await?;
        prices.prices.insert(product, price.amount);
        prices.version += 1;
        prices.updated_at = self.now();
        let mut commit = Commit::new();
        commit.put(prices.clone());
        self.audit(
            &mut commit,
            AuditAction::Updated,
            price_list_ref(list),
            &format!("{product}: {price}"),
        );
        self.commit(commit).await?;
        Ok(prices)
    }

    /// The price list named `name` (any case).
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the record does not decode.
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "price_list_named", record = tracing::field::Empty))]
    pub async fn price_list_named(&self, name: &str) -> Result<Option<PriceList>> {
        self.store()
            .holder_of::<PriceList>(self.ws, &PriceList::name_key(name))
            .await
    }
}

//! Typed reads and pages over any [`Store`] or [`Snapshot`], and the lists of crm-rs as
//! methods of a store.

use super::page::{Page, PageRequest};
use super::scan::{Hit, Scan};
use super::{Snapshot, Store};
use crate::audit::AuditEntry;
use crate::customer::{Customer, CustomerFilter};
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::id::WorkspaceId;
use crate::interaction::Interaction;
use crate::outbox::{OutboxMessage, OutboxStatus};
use crate::record::Entity;
use crate::request::{Request, RequestView, RoutingRule};
use crate::staff::{Department, Staff};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How many positions a filtered page reads at a time, at least.
const FILTER_CHUNK: usize = 64;

/// Typed reads over any [`Store`], each in a snapshot of its own.
#[async_trait]
pub trait StoreExt: Store {
    /// The record of type `T` with `id`, if stored.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the stored record does not decode as a `T`.
    async fn load<T: Entity>(&self, ws: WorkspaceId, id: Uuid) -> Result<Option<T>> {
        self.get(ws, T::KIND, id)
            .await?
            .map(|s| s.decode())
            .transpose()
    }

    /// The record of type `T` with `id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    async fn fetch<T: Entity>(&self, ws: WorkspaceId, id: Uuid) -> Result<T> {
        self.load(ws, id)
            .await?
            .ok_or(Error::NotFound { kind: T::KIND, id })
    }

    /// The record of type `T` holding unique key `key`, if it is one.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the holder does not decode.
    async fn holder_of<T: Entity>(&self, ws: WorkspaceId, key: &str) -> Result<Option<T>> {
        match self.holder(ws, key).await? {
            Some(stored) if stored.kind == T::KIND => stored.decode().map(Some),
            _ => Ok(None),
        }
    }

    /// One page of the records `scan` lists (one scan: no filter).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of another list; [`Error::Corrupted`] for records that
    /// do not decode.
    async fn page<T: Entity>(
        &self,
        ws: WorkspaceId,
        scan: Scan,
        page: &PageRequest,
    ) -> Result<Page<T>> {
        let hits = self.scan(ws, &scan.page(page)?).await?;
        page_of(hits, page.limit())
    }

    /// Every record of type `T` in `ws`, by id, read page by page (for kinds a workspace
    /// has few of: staff, departments, routing rules).
    ///
    /// # Errors
    /// [`Error::Corrupted`] for records that do not decode.
    async fn all<T: Entity>(&self, ws: WorkspaceId) -> Result<Vec<T>> {
        let mut all = Vec::new();
        let mut page = PageRequest::first(super::MAX_PAGE);
        loop {
            let got = self.page::<T>(ws, Scan::records(T::KIND), &page).await?;
            all.extend(got.items);
            match got.next {
                Some(next) => page = PageRequest::after(next, super::MAX_PAGE),
                None => return Ok(all),
            }
        }
    }

    /// The customer holding the canonical contact `key` (e.g. `tel:+989121234567`).
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the holder does not decode.
    async fn customer_by_contact(&self, ws: WorkspaceId, key: &str) -> Result<Option<Customer>> {
        self.holder_of(ws, key).await
    }

    /// The staff member with this normalised work email.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the holder does not decode.
    async fn staff_by_email(&self, ws: WorkspaceId, email: &str) -> Result<Option<Staff>> {
        self.holder_of(ws, &crate::staff::email_key(email)).await
    }

    /// The request holding unique `key` (a number, a message, a thread).
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the holder does not decode.
    async fn request_by_key(&self, ws: WorkspaceId, key: &str) -> Result<Option<Request>> {
        self.holder_of(ws, key).await
    }

    /// [`crate::customer::search`].
    ///
    /// # Errors
    /// As [`crate::customer::search`].
    async fn search_customers(
        &self,
        ws: WorkspaceId,
        tokens: &[String],
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        crate::customer::search(self, ws, tokens, page).await
    }

    /// [`crate::customer::list`].
    ///
    /// # Errors
    /// As [`crate::customer::list`].
    async fn list_customers(
        &self,
        ws: WorkspaceId,
        filter: &CustomerFilter,
        page: &PageRequest,
    ) -> Result<Page<Customer>> {
        crate::customer::list(self, ws, filter, page).await
    }

    /// [`crate::interaction::history`].
    ///
    /// # Errors
    /// As [`crate::interaction::history`].
    async fn interactions(
        &self,
        ws: WorkspaceId,
        customer: CustomerId,
        page: &PageRequest,
    ) -> Result<Page<Interaction>> {
        crate::interaction::history(self, ws, customer, page).await
    }

    /// [`crate::request::view`].
    ///
    /// # Errors
    /// As [`crate::request::view`].
    async fn requests(
        &self,
        ws: WorkspaceId,
        view: &RequestView,
        page: &PageRequest,
    ) -> Result<Page<Request>> {
        crate::request::view(self, ws, view, page).await
    }

    /// [`crate::outbox::due`].
    ///
    /// # Errors
    /// As [`crate::outbox::due`].
    async fn outbox_due(
        &self,
        ws: WorkspaceId,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        crate::outbox::due(self, ws, now, limit).await
    }

    /// [`crate::outbox::by_status`].
    ///
    /// # Errors
    /// As [`crate::outbox::by_status`].
    async fn list_outbox(
        &self,
        ws: WorkspaceId,
        status: OutboxStatus,
        page: &PageRequest,
    ) -> Result<Page<OutboxMessage>> {
        crate::outbox::by_status(self, ws, status, page).await
    }

    /// [`crate::audit::trail`].
    ///
    /// # Errors
    /// As [`crate::audit::trail`].
    async fn audit(
        &self,
        ws: WorkspaceId,
        record: Option<Uuid>,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        crate::audit::trail(self, ws, record, page).await
    }

    /// Staff members, by id.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of another list.
    async fn list_staff(&self, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>> {
        self.page(ws, Scan::records(Staff::KIND), page).await
    }

    /// Departments, by id.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of another list.
    async fn list_departments(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<Department>> {
        self.page(ws, Scan::records(Department::KIND), page).await
    }

    /// Routing rules, by id.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of another list.
    async fn list_routing_rules(
        &self,
        ws: WorkspaceId,
        page: &PageRequest,
    ) -> Result<Page<RoutingRule>> {
        self.page(ws, Scan::records(RoutingRule::KIND), page).await
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

/// Typed reads and filtered pages over a [`Snapshot`].
#[async_trait]
pub trait SnapshotExt: Snapshot {
    /// The record of type `T` with `id`, if stored.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the stored record does not decode as a `T`.
    async fn load<T: Entity>(&mut self, id: Uuid) -> Result<Option<T>> {
        self.get(T::KIND, id).await?.map(|s| s.decode()).transpose()
    }

    /// The record of type `T` holding unique key `key`, if it is one.
    ///
    /// # Errors
    /// [`Error::Corrupted`] when the holder does not decode.
    async fn holder_of<T: Entity>(&mut self, key: &str) -> Result<Option<T>> {
        match self.holder(key).await? {
            Some(stored) if stored.kind == T::KIND => stored.decode().map(Some),
            _ => Ok(None),
        }
    }

    /// One page of the records `scan` lists that pass `keep`, reading as many positions as it
    /// takes, all in this snapshot.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of another list; [`Error::Corrupted`] for records that
    /// do not decode.
    async fn page_where<T, F>(&mut self, scan: Scan, page: &PageRequest, keep: F) -> Result<Page<T>>
    where
        T: Entity,
        F: Fn(&T) -> bool + Send + Sync,
    {
        let chunk = (page.limit() + 1).max(FILTER_CHUNK);
        let mut scan = scan.page(page)?.limit(chunk);
        let mut kept: Vec<(T, Hit)> = Vec::new();
        loop {
            let hits = self.scan(&scan).await?;
            let exhausted = hits.len() < chunk;
            let last = hits.last().map(|h| h.position.clone());
            for hit in hits {
                let item: T = decode_hit(&hit)?;
                if keep(&item) {
                    kept.push((item, hit));
                    if kept.len() > page.limit() {
                        return Ok(finish(kept, page.limit()));
                    }
                }
            }
            match last {
                Some(last) if !exhausted => scan = scan.after(&last)?,
                _ => return Ok(finish(kept, page.limit())),
            }
        }
    }

    /// One page of the records that `scans`, one after another, list: ranges of one target
    /// in ascending order that do not overlap (the overdue requests of each priority, say).
    /// A cursor continues in the range that holds it.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a cursor of none of the ranges; [`Error::Corrupted`] for records
    /// that do not decode.
    async fn page_across<T: Entity>(
        &mut self,
        scans: Vec<Scan>,
        page: &PageRequest,
    ) -> Result<Page<T>> {
        let after = page.cursor().map(|c| c.position()).transpose()?;
        let mut started = after.is_none();
        let mut kept: Vec<(T, Hit)> = Vec::new();
        for scan in scans {
            let scan = match &after {
                Some(position) if !started => {
                    let inside = position.as_slice() >= scan.start()
                        && scan.end().is_none_or(|end| position.as_slice() < end);
                    if !inside {
                        continue;
                    }
                    started = true;
                    scan.after(position)?
                }
                _ => scan,
            };
            let hits = self
                .scan(&scan.limit(page.limit() + 1 - kept.len()))
                .await?;
            for hit in hits {
                kept.push((decode_hit(&hit)?, hit));
            }
            if kept.len() > page.limit() {
                break;
            }
        }
        if !started {
            return Err(super::Cursor::invalid());
        }
        Ok(finish(kept, page.limit()))
    }
}

impl<S: Snapshot + ?Sized> SnapshotExt for S {}

/// The page of up to `limit + 1` hits, in order.
pub(crate) fn page_of<T: Entity>(hits: Vec<Hit>, limit: usize) -> Result<Page<T>> {
    let mut kept = Vec::with_capacity(hits.len());
    for hit in hits {
        kept.push((decode_hit(&hit)?, hit));
    }
    Ok(finish(kept, limit))
}

fn finish<T>(mut kept: Vec<(T, Hit)>, limit: usize) -> Page<T> {
    let next = if kept.len() > limit {
        kept.truncate(limit);
        kept.last().map(|(_, hit)| hit.cursor())
    } else {
        None
    };
    Page {
        items: kept.into_iter().map(|(item, _)| item).collect(),
        next,
    }
}

/// The record of a hit of a scan with bodies.
pub(crate) fn decode_hit<T: Entity>(hit: &Hit) -> Result<T> {
    match &hit.record {
        Some(stored) => stored.decode(),
        None => Err(Error::Corrupted {
            key: format!("{}/{}", T::KIND, hit.id),
            source: "a scan with bodies returned a position without its record".into(),
        }),
    }
}

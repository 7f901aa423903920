//! The store logic for ordered key-value engines, written once.
//!
//! A key-value backend (the in-memory and sled stores) implements [`KvRead`] over a snapshot or
//! its live trees and [`KvWrite`] over one transaction; [`apply_commit`] and the query
//! functions here then give it the whole [`super::Store`] contract. The byte layout of keys
//! is defined here too, so every key-value backend orders and pages identically.
//!
//! Layout (every key starts with the 16 bytes of the workspace id):
//! - records: `ws | kind tag | id`
//! - unique keys: `ws | key text` → owner id
//! - index entries (no value), each ending in the id of the record it points to:
//!   - live customers `ws | 1 | id`; name tokens `ws | 2 | token | 0 | id`;
//!     stage `ws | 3 | stage | id`; owner `ws | 4 | owner | id`; tags `ws | 5 | tag | 0 | id`
//!   - interactions `ws | 6 | customer | occurred_at | id`
//!   - audit by record `ws | 7 | record | id`
//!   - outbox by status `ws | 8 | status | id`; pending by due time `ws | 9 | due | id`
//!   - active requests, each as `… | priority rank | due | id`: by holder
//!     `ws | 10 | holder | …`, resolved for review `ws | 11 | …`, by follower
//!     `ws | 12 | staff | …`, by deadline `ws | 13 | …`, possible duplicates `ws | 14 | …`;
//!     every request by customer `ws | 15 | customer | created | id` and by creation
//!     `ws | 16 | created | id`
//!
//! Times are microseconds since the epoch, big-endian with the sign bit flipped, so byte
//! order is time order.

use super::{
    Commit, Cursor, CustomerFilter, Page, PageRequest, Record, RecordKind, RequestView, Write,
};
use crate::audit::AuditEntry;
use crate::customer::{Customer, LifecycleStage};
use crate::error::{Conflict, Error, Result};
use crate::id::{CustomerId, WorkspaceId};
use crate::interaction::Interaction;
use crate::outbox::{OutboxMessage, OutboxStatus};
use crate::request::{Holder, Request, RequestStatus, RoutingRule};
use crate::staff::{Department, Staff};
use crate::store::Entity;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use uuid::Uuid;

const CUSTOMER_LIVE: u8 = 1;
const CUSTOMER_TOKEN: u8 = 2;
const CUSTOMER_STAGE: u8 = 3;
const CUSTOMER_OWNER: u8 = 4;
const CUSTOMER_TAG: u8 = 5;
const INTERACTION: u8 = 6;
const AUDIT_RECORD: u8 = 7;
const OUTBOX_STATUS: u8 = 8;
const OUTBOX_DUE: u8 = 9;
const REQUEST_HOLDER: u8 = 10;
const REQUEST_REVIEW: u8 = 11;
const REQUEST_FOLLOWER: u8 = 12;
const REQUEST_DUE: u8 = 13;
const REQUEST_DUPLICATE: u8 = 14;
const REQUEST_CUSTOMER: u8 = 15;
const REQUEST_CREATED: u8 = 16;

/// A half-open range of keys: `start` included, `end` excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// First key included.
    pub start: Vec<u8>,
    /// First key excluded.
    pub end: Vec<u8>,
}

/// Reads of a key-value engine (a consistent view is best; a live one is acceptable).
pub trait KvRead {
    /// The record `kind`/`id` of `ws`.
    fn record(&self, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>>;
    /// The owner of a unique key (as made by [`unique_key`]).
    fn unique_owner(&self, key: &[u8]) -> Result<Option<Uuid>>;
    /// Index keys within `range`, ascending, or descending when `reverse`.
    fn index_scan(
        &self,
        range: KeyRange,
        reverse: bool,
    ) -> Box<dyn Iterator<Item = Result<Vec<u8>>> + '_>;
    /// Ids of the records of `kind` in `ws`, ascending, starting after `after` when given.
    fn record_ids(
        &self,
        ws: WorkspaceId,
        kind: RecordKind,
        after: Option<Uuid>,
    ) -> Box<dyn Iterator<Item = Result<Uuid>> + '_>;
}

/// Reads and writes of one transaction of a key-value engine.
pub trait KvWrite {
    /// The transaction's error; [`apply_commit`] aborts with [`Error`]s converted into it.
    type Error: From<Error>;
    /// The record `kind`/`id` of `ws`, as this transaction sees it.
    fn record(
        &mut self,
        ws: WorkspaceId,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<Option<Record>, Self::Error>;
    /// Stores `record` in `ws`.
    fn put_record(&mut self, ws: WorkspaceId, record: &Record) -> Result<(), Self::Error>;
    /// Removes the record `kind`/`id` of `ws`.
    fn remove_record(
        &mut self,
        ws: WorkspaceId,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<(), Self::Error>;
    /// The owner of a unique key.
    fn unique_owner(&mut self, key: &[u8]) -> Result<Option<Uuid>, Self::Error>;
    /// Gives a unique key to `owner`.
    fn put_unique(&mut self, key: &[u8], owner: Uuid) -> Result<(), Self::Error>;
    /// Frees a unique key.
    fn remove_unique(&mut self, key: &[u8]) -> Result<(), Self::Error>;
    /// Adds an index entry.
    fn put_index(&mut self, key: &[u8]) -> Result<(), Self::Error>;
    /// Removes an index entry.
    fn remove_index(&mut self, key: &[u8]) -> Result<(), Self::Error>;
}

/// The key of record `kind`/`id` in `ws`.
pub fn record_key(ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Vec<u8> {
    let mut key = Vec::with_capacity(33);
    key.extend_from_slice(ws.0.as_bytes());
    key.push(kind.tag());
    key.extend_from_slice(id.as_bytes());
    key
}

/// Reads `ws`, kind and id back from a [`record_key`].
pub fn parse_record_key(key: &[u8]) -> Option<(WorkspaceId, RecordKind, Uuid)> {
    if key.len() != 33 {
        return None;
    }
    let ws = Uuid::from_slice(&key[..16]).ok()?;
    let kind = RecordKind::from_tag(key[16])?;
    let id = Uuid::from_slice(&key[17..]).ok()?;
    Some((WorkspaceId(ws), kind, id))
}

/// The range of every record of `kind` in `ws`, starting after `after` when given.
pub fn record_range(ws: WorkspaceId, kind: RecordKind, after: Option<Uuid>) -> KeyRange {
    let mut prefix = ws.0.as_bytes().to_vec();
    prefix.push(kind.tag());
    let start = match after {
        Some(id) => successor(&[prefix.as_slice(), id.as_bytes()].concat()),
        None => prefix.clone(),
    };
    KeyRange {
        start,
        end: prefix_end(&prefix),
    }
}

/// The stored form of a unique key of `ws`.
pub fn unique_key(ws: WorkspaceId, key: &str) -> Vec<u8> {
    let mut k = ws.0.as_bytes().to_vec();
    k.extend_from_slice(key.as_bytes());
    k
}

/// The id an index entry points to (its last 16 bytes).
pub fn index_target(key: &[u8]) -> Option<Uuid> {
    let start = key.len().checked_sub(16)?;
    Uuid::from_slice(&key[start..]).ok()
}

/// Every index entry `record` has in `ws`.
pub fn index_keys(ws: WorkspaceId, record: &Record) -> BTreeSet<Vec<u8>> {
    let mut keys = BTreeSet::new();
    let id = record.id();
    match record {
        Record::Customer(c) if c.merged_into.is_none() => {
            keys.insert(entry(ws, CUSTOMER_LIVE, &[], id));
            for token in c.search_tokens() {
                keys.insert(entry(ws, CUSTOMER_TOKEN, &text_part(&token), id));
            }
            keys.insert(entry(ws, CUSTOMER_STAGE, &[stage_byte(c.stage)], id));
            if let Some(owner) = c.owner {
                keys.insert(entry(ws, CUSTOMER_OWNER, owner.0.as_bytes(), id));
            }
            for tag in &c.tags {
                keys.insert(entry(ws, CUSTOMER_TAG, &text_part(tag), id));
            }
        }
        Record::Interaction(i) => {
            let part = [
                i.customer.0.as_bytes().as_slice(),
                &time_bytes(i.occurred_at),
            ]
            .concat();
            keys.insert(entry(ws, INTERACTION, &part, id));
        }
        Record::Audit(a) => {
            keys.insert(entry(ws, AUDIT_RECORD, a.record.id.as_bytes(), id));
        }
        Record::Request(r) => request_index_keys(ws, r, &mut keys),
        Record::Outbox(m) => {
            keys.insert(entry(ws, OUTBOX_STATUS, &[status_byte(m.status)], id));
            if m.status == OutboxStatus::Pending {
                keys.insert(entry(ws, OUTBOX_DUE, &time_bytes(m.next_attempt_at), id));
            }
        }
        _ => {}
    }
    keys
}

fn request_index_keys(ws: WorkspaceId, r: &Request, keys: &mut BTreeSet<Vec<u8>>) {
    let id = r.id.0;
    if r.is_active() {
        let rank = [[r.priority.rank()].as_slice(), &time_bytes(r.sort_due())].concat();
        keys.insert(entry(
            ws,
            REQUEST_HOLDER,
            &[holder_part(&r.holder), rank.clone()].concat(),
            id,
        ));
        if r.status == RequestStatus::Resolved {
            keys.insert(entry(ws, REQUEST_REVIEW, &rank, id));
        }
        for f in &r.followers {
            keys.insert(entry(
                ws,
                REQUEST_FOLLOWER,
                &[f.0.as_bytes().as_slice(), &rank].concat(),
                id,
            ));
        }
        keys.insert(entry(ws, REQUEST_DUE, &rank, id));
        if r.is_possible_duplicate() {
            keys.insert(entry(ws, REQUEST_DUPLICATE, &rank, id));
        }
    }
    let created = time_bytes(r.created_at);
    if let Some(c) = r.customer {
        keys.insert(entry(
            ws,
            REQUEST_CUSTOMER,
            &[c.0.as_bytes().as_slice(), &created].concat(),
            id,
        ));
    }
    keys.insert(entry(ws, REQUEST_CREATED, &created, id));
}

fn holder_part(holder: &Holder) -> Vec<u8> {
    match holder {
        Holder::Officers => vec![0],
        Holder::Department(d) => [[1u8].as_slice(), d.0.as_bytes()].concat(),
        Holder::Staff(s) => [[2u8].as_slice(), s.0.as_bytes()].concat(),
    }
}

/// Applies `commit` to `ws` through one transaction (the contract of
/// [`super::Store::commit`]). The transaction must be dropped, not committed, on error.
pub fn apply_commit<T: KvWrite>(
    txn: &mut T,
    ws: WorkspaceId,
    commit: &Commit,
) -> Result<(), T::Error> {
    for write in &commit.writes {
        match write {
            Write::Put(record) => put(txn, ws, record)?,
            Write::Delete { kind, id, version } => delete(txn, ws, *kind, *id, *version)?,
        }
    }
    Ok(())
}

fn put<T: KvWrite>(txn: &mut T, ws: WorkspaceId, record: &Record) -> Result<(), T::Error> {
    let (kind, id, version) = (record.kind(), record.id(), record.version());
    if version == 0 {
        return Err(Error::invalid("version", "a stored record's version starts at 1").into());
    }
    let old = txn.record(ws, kind, id)?;
    let found = old.as_ref().map_or(0, Record::version);
    if found != version - 1 {
        let conflict = Conflict::StaleVersion {
            kind,
            id,
            expected: version - 1,
            found,
        };
        return Err(Error::Conflict(conflict).into());
    }
    let old_unique: BTreeSet<String> = old
        .as_ref()
        .map(|r| r.unique_keys().into_iter().collect())
        .unwrap_or_default();
    let new_unique: BTreeSet<String> = record.unique_keys().into_iter().collect();
    for key in old_unique.difference(&new_unique) {
        txn.remove_unique(&unique_key(ws, key))?;
    }
    for key in new_unique.difference(&old_unique) {
        let stored = unique_key(ws, key);
        match txn.unique_owner(&stored)? {
            Some(owner) if owner != id => {
                let conflict = Conflict::KeyTaken {
                    key: key.clone(),
                    owner,
                };
                return Err(Error::Conflict(conflict).into());
            }
            _ => txn.put_unique(&stored, id)?,
        }
    }
    let old_index = old.as_ref().map(|r| index_keys(ws, r)).unwrap_or_default();
    let new_index = index_keys(ws, record);
    for key in old_index.difference(&new_index) {
        txn.remove_index(key)?;
    }
    for key in new_index.difference(&old_index) {
        txn.put_index(key)?;
    }
    txn.put_record(ws, record)
}

fn delete<T: KvWrite>(
    txn: &mut T,
    ws: WorkspaceId,
    kind: RecordKind,
    id: Uuid,
    version: u64,
) -> Result<(), T::Error> {
    let old = txn.record(ws, kind, id)?;
    let found = old.as_ref().map_or(0, Record::version);
    let Some(old) = old.filter(|_| found == version && version > 0) else {
        let conflict = Conflict::StaleVersion {
            kind,
            id,
            expected: version,
            found,
        };
        return Err(Error::Conflict(conflict).into());
    };
    for key in old.unique_keys() {
        txn.remove_unique(&unique_key(ws, &key))?;
    }
    for key in index_keys(ws, &old) {
        txn.remove_index(&key)?;
    }
    txn.remove_record(ws, kind, id)
}

/// [`super::Store::get`].
pub fn get(r: &impl KvRead, ws: WorkspaceId, kind: RecordKind, id: Uuid) -> Result<Option<Record>> {
    r.record(ws, kind, id)
}

fn load<T: Entity>(r: &impl KvRead, ws: WorkspaceId, id: Uuid) -> Result<Option<T>> {
    Ok(r.record(ws, T::KIND, id)?.and_then(T::from_record))
}

/// [`super::Store::customer_by_contact`].
pub fn customer_by_contact(
    r: &impl KvRead,
    ws: WorkspaceId,
    key: &str,
) -> Result<Option<Customer>> {
    match r.unique_owner(&unique_key(ws, key))? {
        Some(owner) => load(r, ws, owner),
        None => Ok(None),
    }
}

/// [`super::Store::staff_by_email`].
pub fn staff_by_email(r: &impl KvRead, ws: WorkspaceId, email: &str) -> Result<Option<Staff>> {
    match r.unique_owner(&unique_key(ws, &super::staff_email_key(email)))? {
        Some(owner) => load(r, ws, owner),
        None => Ok(None),
    }
}

/// [`super::Store::search_customers`].
pub fn search_customers(
    r: &impl KvRead,
    ws: WorkspaceId,
    tokens: &[String],
    page: &PageRequest,
) -> Result<Page<Customer>> {
    let Some(longest) = tokens.iter().max_by_key(|t| t.len()) else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let after = page.cursor().map(Cursor::id).transpose()?;
    let prefix = [
        ws.0.as_bytes().as_slice(),
        &[CUSTOMER_TOKEN],
        longest.as_bytes(),
    ]
    .concat();
    let mut candidates = BTreeSet::new();
    for key in r.index_scan(
        KeyRange {
            end: prefix_end(&prefix),
            start: prefix,
        },
        false,
    ) {
        if let Some(id) = index_target(&key?)
            && after.is_none_or(|a| id > a)
        {
            candidates.insert(id);
        }
    }
    let mut items = Vec::new();
    for id in candidates {
        let Some(customer) = load::<Customer>(r, ws, id)? else {
            continue;
        };
        let own = customer.search_tokens();
        if tokens
            .iter()
            .all(|t| own.iter().any(|o| o.starts_with(t.as_str())))
        {
            items.push(customer);
            if items.len() > page.limit() {
                break;
            }
        }
    }
    Ok(Page::from_overfetch(items, page.limit(), |c| {
        Cursor::from_id(c.id.0)
    }))
}

/// [`super::Store::list_customers`].
pub fn list_customers(
    r: &impl KvRead,
    ws: WorkspaceId,
    filter: &CustomerFilter,
    page: &PageRequest,
) -> Result<Page<Customer>> {
    let part: (u8, Vec<u8>) = if let Some(tag) = &filter.tag {
        (CUSTOMER_TAG, text_part(tag))
    } else if let Some(owner) = filter.owner {
        (CUSTOMER_OWNER, owner.0.as_bytes().to_vec())
    } else if let Some(stage) = filter.stage {
        (CUSTOMER_STAGE, vec![stage_byte(stage)])
    } else {
        (CUSTOMER_LIVE, Vec::new())
    };
    let prefix = [ws.0.as_bytes().as_slice(), &[part.0], &part.1].concat();
    let range = after_cursor(&prefix, page)?;
    let mut items = Vec::new();
    for key in r.index_scan(range, false) {
        let Some(id) = index_target(&key?) else {
            continue;
        };
        if let Some(c) = load::<Customer>(r, ws, id)?
            && filter.matches(&c)
        {
            items.push(c);
            if items.len() > page.limit() {
                break;
            }
        }
    }
    Ok(Page::from_overfetch(items, page.limit(), |c| {
        Cursor::from_id(c.id.0)
    }))
}

/// [`super::Store::interactions`].
pub fn interactions(
    r: &impl KvRead,
    ws: WorkspaceId,
    customer: CustomerId,
    page: &PageRequest,
) -> Result<Page<Interaction>> {
    let prefix = [
        ws.0.as_bytes().as_slice(),
        &[INTERACTION],
        customer.0.as_bytes(),
    ]
    .concat();
    let end = match page.cursor() {
        Some(c) => {
            let (at, id) = c.time_id()?;
            [prefix.as_slice(), &time_bytes(at), id.as_bytes()].concat()
        }
        None => prefix_end(&prefix),
    };
    let ids = r.index_scan(KeyRange { start: prefix, end }, true);
    let items = load_targets::<Interaction>(r, ws, ids, page.limit() + 1)?;
    Ok(Page::from_overfetch(items, page.limit(), |i| {
        Cursor::from_time_id(i.occurred_at, i.id.0)
    }))
}

/// [`super::Store::list_staff`].
pub fn list_staff(r: &impl KvRead, ws: WorkspaceId, page: &PageRequest) -> Result<Page<Staff>> {
    list_records(r, ws, page, |s: &Staff| s.id.0)
}

/// [`super::Store::list_departments`].
pub fn list_departments(
    r: &impl KvRead,
    ws: WorkspaceId,
    page: &PageRequest,
) -> Result<Page<Department>> {
    list_records(r, ws, page, |d: &Department| d.id.0)
}

/// [`super::Store::outbox_due`].
pub fn outbox_due(
    r: &impl KvRead,
    ws: WorkspaceId,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<OutboxMessage>> {
    let prefix = [ws.0.as_bytes().as_slice(), &[OUTBOX_DUE]].concat();
    let end = prefix_end(&[prefix.as_slice(), &time_bytes(now)].concat());
    load_targets(
        r,
        ws,
        r.index_scan(KeyRange { start: prefix, end }, false),
        limit,
    )
}

/// [`super::Store::list_outbox`].
pub fn list_outbox(
    r: &impl KvRead,
    ws: WorkspaceId,
    status: OutboxStatus,
    page: &PageRequest,
) -> Result<Page<OutboxMessage>> {
    let prefix = [
        ws.0.as_bytes().as_slice(),
        &[OUTBOX_STATUS, status_byte(status)],
    ]
    .concat();
    let keys = r.index_scan(after_cursor(&prefix, page)?, false);
    let items = load_targets::<OutboxMessage>(r, ws, keys, page.limit() + 1)?;
    Ok(Page::from_overfetch(items, page.limit(), |m| {
        Cursor::from_id(m.id.0)
    }))
}

/// [`super::Store::request_by_key`].
pub fn request_by_key(r: &impl KvRead, ws: WorkspaceId, key: &str) -> Result<Option<Request>> {
    match r.unique_owner(&unique_key(ws, key))? {
        Some(owner) => load(r, ws, owner),
        None => Ok(None),
    }
}

/// [`super::Store::list_routing_rules`].
pub fn list_routing_rules(
    r: &impl KvRead,
    ws: WorkspaceId,
    page: &PageRequest,
) -> Result<Page<RoutingRule>> {
    list_records(r, ws, page, |rule: &RoutingRule| rule.id.0)
}

/// [`super::Store::requests`].
pub fn requests(
    r: &impl KvRead,
    ws: WorkspaceId,
    view: &RequestView,
    page: &PageRequest,
) -> Result<Page<Request>> {
    let prefix = |index: u8, part: &[u8]| [ws.0.as_bytes().as_slice(), &[index], part].concat();
    let limit = page.limit();
    let ranked_cursor =
        |i: &Request| Cursor::from_rank_time_id(i.priority.rank(), i.sort_due(), i.id.0);
    let items = match view {
        RequestView::Holder(h) => ranked(
            r,
            ws,
            &prefix(REQUEST_HOLDER, &holder_part(h)),
            page,
            |_| true,
        )?,
        RequestView::AwaitingReview(staff) => {
            ranked(r, ws, &prefix(REQUEST_REVIEW, &[]), page, |q| {
                q.officer.is_none_or(|o| o == *staff)
            })?
        }
        RequestView::FollowedBy(staff) => ranked(
            r,
            ws,
            &prefix(REQUEST_FOLLOWER, staff.0.as_bytes()),
            page,
            |_| true,
        )?,
        RequestView::PossibleDuplicates => {
            ranked(r, ws, &prefix(REQUEST_DUPLICATE, &[]), page, |_| true)?
        }
        RequestView::Overdue(now) => {
            let (first_rank, start_after) = match page.cursor() {
                Some(c) => {
                    let (rank, at, id) = c.rank_time_id()?;
                    (rank, Some((rank, at, id)))
                }
                None => (0, None),
            };
            let mut items = Vec::new();
            for rank in first_rank..=3 {
                let base = prefix(REQUEST_DUE, &[rank]);
                let start = match start_after {
                    Some((r0, at, id)) if r0 == rank => {
                        successor(&[base.as_slice(), &time_bytes(at), id.as_bytes()].concat())
                    }
                    _ => base.clone(),
                };
                let end = [base.as_slice(), &time_bytes(*now)].concat();
                let keys = r.index_scan(KeyRange { start, end }, false);
                items.extend(load_targets::<Request>(
                    r,
                    ws,
                    keys,
                    limit + 1 - items.len(),
                )?);
                if items.len() > limit {
                    break;
                }
            }
            items
        }
        RequestView::Customer(customer) => {
            let base = prefix(REQUEST_CUSTOMER, customer.0.as_bytes());
            let end = match page.cursor() {
                Some(c) => {
                    let (at, id) = c.time_id()?;
                    [base.as_slice(), &time_bytes(at), id.as_bytes()].concat()
                }
                None => prefix_end(&base),
            };
            let items = load_targets::<Request>(
                r,
                ws,
                r.index_scan(KeyRange { start: base, end }, true),
                limit + 1,
            )?;
            return Ok(Page::from_overfetch(items, limit, |q| {
                Cursor::from_time_id(q.created_at, q.id.0)
            }));
        }
        RequestView::Created { from, to } => {
            let base = prefix(REQUEST_CREATED, &[]);
            let start = match page.cursor() {
                Some(c) => {
                    let (at, id) = c.time_id()?;
                    successor(&[base.as_slice(), &time_bytes(at), id.as_bytes()].concat())
                }
                None => [base.as_slice(), &time_bytes(*from)].concat(),
            };
            let end = [base.as_slice(), &time_bytes(*to)].concat();
            let keys = r.index_scan(KeyRange { start, end }, false);
            let items = load_targets::<Request>(r, ws, keys, limit + 1)?;
            return Ok(Page::from_overfetch(items, limit, |q| {
                Cursor::from_time_id(q.created_at, q.id.0)
            }));
        }
    };
    Ok(Page::from_overfetch(items, limit, ranked_cursor))
}

/// Requests under `prefix` (keys `prefix | rank | due | id`) after the page's cursor, that
/// pass `keep`, up to one more than the page.
fn ranked(
    r: &impl KvRead,
    ws: WorkspaceId,
    prefix: &[u8],
    page: &PageRequest,
    keep: impl Fn(&Request) -> bool,
) -> Result<Vec<Request>> {
    let start = match page.cursor() {
        Some(c) => {
            let (rank, at, id) = c.rank_time_id()?;
            successor(&[prefix, &[rank], &time_bytes(at), id.as_bytes()].concat())
        }
        None => prefix.to_vec(),
    };
    let mut items = Vec::new();
    for key in r.index_scan(
        KeyRange {
            start,
            end: prefix_end(prefix),
        },
        false,
    ) {
        let key = key?;
        let id = index_target(&key).ok_or_else(|| corrupt_index(&key))?;
        let request = load::<Request>(r, ws, id)?.ok_or_else(|| corrupt_index(&key))?;
        if keep(&request) {
            items.push(request);
            if items.len() > page.limit() {
                break;
            }
        }
    }
    Ok(items)
}

/// [`super::Store::audit`].
pub fn audit(
    r: &impl KvRead,
    ws: WorkspaceId,
    record: Option<Uuid>,
    page: &PageRequest,
) -> Result<Page<AuditEntry>> {
    let Some(record) = record else {
        return list_records(r, ws, page, |a: &AuditEntry| a.id.0);
    };
    let prefix = [
        ws.0.as_bytes().as_slice(),
        &[AUDIT_RECORD],
        record.as_bytes(),
    ]
    .concat();
    let keys = r.index_scan(after_cursor(&prefix, page)?, false);
    let items = load_targets::<AuditEntry>(r, ws, keys, page.limit() + 1)?;
    Ok(Page::from_overfetch(items, page.limit(), |a| {
        Cursor::from_id(a.id.0)
    }))
}

fn list_records<T: Entity>(
    r: &impl KvRead,
    ws: WorkspaceId,
    page: &PageRequest,
    id_of: impl Fn(&T) -> Uuid,
) -> Result<Page<T>> {
    let after = page.cursor().map(Cursor::id).transpose()?;
    let mut items = Vec::new();
    for id in r.record_ids(ws, T::KIND, after) {
        if let Some(item) = load::<T>(r, ws, id?)? {
            items.push(item);
            if items.len() > page.limit() {
                break;
            }
        }
    }
    Ok(Page::from_overfetch(items, page.limit(), |t| {
        Cursor::from_id(id_of(t))
    }))
}

fn load_targets<T: Entity>(
    r: &impl KvRead,
    ws: WorkspaceId,
    keys: impl Iterator<Item = Result<Vec<u8>>>,
    limit: usize,
) -> Result<Vec<T>> {
    let mut items = Vec::new();
    for key in keys {
        if items.len() >= limit {
            break;
        }
        let key = key?;
        let id = index_target(&key).ok_or_else(|| corrupt_index(&key))?;
        // An index entry always has its record (same commit); a miss means damage.
        let item = load::<T>(r, ws, id)?.ok_or_else(|| corrupt_index(&key))?;
        items.push(item);
    }
    Ok(items)
}

fn corrupt_index(key: &[u8]) -> Error {
    Error::Corrupted {
        key: format!("index {key:02x?}"),
        source: "index entry without its record".into(),
    }
}

/// The range of keys under `prefix` ending in an id greater than the page's cursor.
fn after_cursor(prefix: &[u8], page: &PageRequest) -> Result<KeyRange> {
    let start = match page.cursor() {
        Some(c) => successor(&[prefix, c.id()?.as_bytes()].concat()),
        None => prefix.to_vec(),
    };
    Ok(KeyRange {
        start,
        end: prefix_end(prefix),
    })
}

fn entry(ws: WorkspaceId, index: u8, part: &[u8], id: Uuid) -> Vec<u8> {
    let mut key = Vec::with_capacity(16 + 1 + part.len() + 16);
    key.extend_from_slice(ws.0.as_bytes());
    key.push(index);
    key.extend_from_slice(part);
    key.extend_from_slice(id.as_bytes());
    key
}

/// Text in a key, terminated by a 0 byte so that one text is never a prefix of another's key.
/// Normalised text never contains a NUL (control characters are rejected on input).
fn text_part(text: &str) -> Vec<u8> {
    let mut part = text.as_bytes().to_vec();
    part.push(0);
    part
}

fn stage_byte(stage: LifecycleStage) -> u8 {
    LifecycleStage::ALL
        .iter()
        .position(|s| *s == stage)
        .map_or(u8::MAX, |p| p as u8)
}

fn status_byte(status: OutboxStatus) -> u8 {
    match status {
        OutboxStatus::Pending => 0,
        OutboxStatus::Delivered => 1,
        OutboxStatus::Failed => 2,
    }
}

/// Order-preserving bytes of a time (microseconds, sign bit flipped, big-endian).
pub fn time_bytes(at: DateTime<Utc>) -> [u8; 8] {
    ((at.timestamp_micros() as u64) ^ (1 << 63)).to_be_bytes()
}

/// The smallest key greater than `key` and every key it prefixes... of equal length: `key | 0`.
fn successor(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

/// The first key after every key that starts with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return end;
        }
    }
    // All 0xff: no finite end; 17 0xff bytes sort after every key of a 16-byte workspace.
    vec![u8::MAX; prefix.len() + 17]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_is_past_every_extension() {
        assert_eq!(prefix_end(&[1, 2]), vec![1, 3]);
        assert_eq!(prefix_end(&[1, 0xff]), vec![2]);
        assert!(prefix_end(&[1, 2]).as_slice() > [1, 2, 0xff, 0xff].as_slice());
    }

    #[test]
    fn time_bytes_sort_like_times() {
        let t = |s| DateTime::from_timestamp(s, 0).unwrap();
        assert!(time_bytes(t(-5)) < time_bytes(t(0)));
        assert!(time_bytes(t(0)) < time_bytes(t(7)));
    }

    #[test]
    fn record_keys_round_trip() {
        let ws = WorkspaceId(Uuid::from_u128(7));
        let id = Uuid::from_u128(9);
        let key = record_key(ws, RecordKind::Customer, id);
        assert_eq!(parse_record_key(&key), Some((ws, RecordKind::Customer, id)));
    }
}

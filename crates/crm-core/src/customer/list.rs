//! Lists of customers: by filter, and by search tokens.

use super::indexes::{BY_OWNER, BY_STAGE, BY_TAG, BY_TOKEN, stage_rank};
use super::{Customer, LifecycleStage};
use crate::activity::Celebrant;
use crate::error::Result;
use crate::id::{StaffId, WorkspaceId};
use crate::record::{Entity, Key};
use crate::store::{Cursor, Page, PageRequest, Scan, SnapshotExt, Store};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Which customers [`list`] returns. Empty filter: every live (not merged) customer. Each set
/// field narrows the list.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CustomerFilter {
    /// Only customers at this stage.
    pub stage: Option<LifecycleStage>,
    /// Only customers owned by this staff member.
    pub owner: Option<StaffId>,
    /// Only customers with this tag (normalised form).
    pub tag: Option<String>,
}

impl CustomerFilter {
    /// True when `customer` passes the filter (merged customers never do).
    pub fn matches(&self, customer: &Customer) -> bool {
        customer.merged_into.is_none()
            && self.admits(customer.stage, customer.owner, |t| {
                customer.tags.contains(t)
            })
    }

    /// True when the customer summarised by `celebrant` passes the filter, by the same rules
    /// as [`CustomerFilter::matches`] (a celebrant is never a merged customer: merged
    /// customers have no occasion entries).
    pub fn matches_celebrant(&self, celebrant: &Celebrant) -> bool {
        self.admits(celebrant.stage, celebrant.owner, |t| celebrant.has_tag(t))
    }

    /// The rules of the filter, on a live customer's stage, owner and tags.
    fn admits(
        &self,
        stage: LifecycleStage,
        owner: Option<StaffId>,
        has_tag: impl Fn(&str) -> bool,
    ) -> bool {
        self.stage.is_none_or(|s| stage == s)
            && self.owner.is_none_or(|o| owner == Some(o))
            && self.tag.as_deref().is_none_or(has_tag)
    }
}

/// Customers of `ws` passing `filter`, ordered by id, read in one snapshot: the most narrowing
/// index of the filter (tag, then owner, then stage; none: every customer), the rest checked
/// on each record.
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another list.
pub async fn list<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    filter: &CustomerFilter,
    page: &PageRequest,
) -> Result<Page<Customer>> {
    let scan = if let Some(tag) = &filter.tag {
        Scan::index(BY_TAG).prefix(&Key::new().text(tag))
    } else if let Some(owner) = filter.owner {
        Scan::index(BY_OWNER).prefix(&Key::new().id(owner.0))
    } else if let Some(stage) = filter.stage {
        Scan::index(BY_STAGE).prefix(&Key::new().u8(stage_rank(stage)))
    } else {
        Scan::records(Customer::KIND)
    };
    let mut snapshot = store.snapshot(ws).await?;
    snapshot
        .page_where(scan, page, |c: &Customer| filter.matches(c))
        .await
}

/// Live customers whose [`Customer::search_tokens`] match `tokens` (normalised, non-empty)
/// by [`crate::normalize::tokens_match`]: each token, or each run of adjacent tokens joined,
/// starts one of them. Ordered by id; an empty `tokens` matches nothing.
/// Read in one snapshot: the customers under the first token's prefix, then each checked
/// against the others.
///
/// # Errors
/// [`crate::Error::Invalid`] for a cursor of another list.
pub async fn search<S: Store + ?Sized>(
    store: &S,
    ws: WorkspaceId,
    tokens: &[String],
    page: &PageRequest,
) -> Result<Page<Customer>> {
    // Every way of matching (see `tokens_match`) puts the first query token at the start of
    // one of the customer's tokens, so the customers under its prefix are all candidates.
    let Some(first) = tokens.first() else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let after = match page.cursor() {
        Some(cursor) => {
            let position = cursor.position()?;
            Some(Uuid::from_slice(&position).map_err(|_| Cursor::invalid())?)
        }
        None => None,
    };
    let mut snapshot = store.snapshot(ws).await?;
    let mut candidates = BTreeSet::new();
    let mut scan = Scan::index(BY_TOKEN)
        .prefix(&Key::new().text_prefix(first))
        .keys_only();
    loop {
        let hits = snapshot.scan(&scan).await?;
        let full = hits.len() == scan.max();
        candidates.extend(
            hits.iter()
                .map(|h| h.id)
                .filter(|id| after.is_none_or(|a| *id > a)),
        );
        match hits.last() {
            Some(last) if full => scan = scan.after(&last.position)?,
            _ => break,
        }
    }
    let mut items = Vec::new();
    let candidates: Vec<Uuid> = candidates.into_iter().collect();
    for chunk in candidates.chunks(page.limit() + 1) {
        for stored in snapshot
            .get_many(Customer::KIND, chunk)
            .await?
            .into_iter()
            .flatten()
        {
            let customer: Customer = stored.decode()?;
            let own = customer.search_tokens();
            if crate::normalize::tokens_match(tokens, &own) {
                items.push(customer);
            }
        }
        if items.len() > page.limit() {
            break;
        }
    }
    let next = if items.len() > page.limit() {
        items.truncate(page.limit());
        items
            .last()
            .map(|c| Cursor::from_position(c.id.0.as_bytes()))
    } else {
        None
    };
    Ok(Page { items, next })
}

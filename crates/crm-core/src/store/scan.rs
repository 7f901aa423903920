//! Range scans: the one way to list records, over an index or over a kind's records by id.

use super::page::{Cursor, PageRequest};
use super::record::Stored;
use crate::error::Result;
use crate::record::{Index, Key, RecordKind};
use uuid::Uuid;

/// What a scan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The entries of an index, by key then id. A position is the entry's key followed by
    /// the record's 16-byte id.
    Index(Index),
    /// Every record of a kind, by id. A position is the record's 16-byte id.
    Records(RecordKind),
}

impl Target {
    /// The kind of the records listed.
    pub fn kind(self) -> RecordKind {
        match self {
            Target::Index(index) => index.kind(),
            Target::Records(kind) => kind,
        }
    }
}

/// A range of positions of one [`Target`], read forwards or backwards, up to a limit.
///
/// Positions are bytes ([`Key`] encodings, then the id); `start` is included and `end`
/// excluded. Built with [`Scan::index`] or [`Scan::records`] and narrowed by the other
/// methods, e.g. the newest interactions of a customer:
///
/// ```
/// # use crm_core::record::{Index, Key, RecordKind};
/// # use crm_core::store::Scan;
/// # use uuid::Uuid;
/// # fn by_customer() -> Index { crm_core::interaction::BY_CUSTOMER }
/// # let customer = Uuid::nil();
/// let scan = Scan::index(by_customer())
///     .prefix(&Key::new().id(customer))
///     .reverse()
///     .limit(50);
/// assert!(scan.is_reverse());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    target: Target,
    start: Vec<u8>,
    end: Option<Vec<u8>>,
    reverse: bool,
    limit: usize,
    bodies: bool,
}

impl Scan {
    /// Every entry of `index`, forwards, with the records, up to [`super::MAX_PAGE`].
    pub fn index(index: Index) -> Self {
        Self::of(Target::Index(index))
    }

    /// Every record of `kind` by id, forwards, up to [`super::MAX_PAGE`].
    pub fn records(kind: RecordKind) -> Self {
        Self::of(Target::Records(kind))
    }

    fn of(target: Target) -> Self {
        Self {
            target,
            start: Vec::new(),
            end: None,
            reverse: false,
            limit: super::MAX_PAGE,
            bodies: true,
        }
    }

    /// Only positions that start with `prefix`.
    pub fn prefix(mut self, prefix: &Key) -> Self {
        self.start = prefix.as_bytes().to_vec();
        self.end = prefix.prefix_end().map(Key::into_bytes);
        self
    }

    /// Only positions at or after `start`.
    pub fn from(mut self, start: &Key) -> Self {
        self.start = start.as_bytes().to_vec();
        self
    }

    /// Only positions before `end`.
    pub fn until(mut self, end: &Key) -> Self {
        self.end = Some(end.as_bytes().to_vec());
        self
    }

    /// Reads from the end of the range backwards.
    pub fn reverse(mut self) -> Self {
        self.reverse = true;
        self
    }

    /// Reads at most `limit` positions (at least 1).
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// Reads only the positions and ids, not the records.
    pub fn keys_only(mut self) -> Self {
        self.bodies = false;
        self
    }

    /// Continues after the position `after` (in the scan's direction), which must lie in the
    /// range.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] (field `cursor`) when it does not.
    pub fn after(mut self, after: &[u8]) -> Result<Self> {
        let inside =
            after >= self.start.as_slice() && self.end.as_deref().is_none_or(|end| after < end);
        if !inside {
            return Err(Cursor::invalid());
        }
        if self.reverse {
            self.end = Some(after.to_vec());
        } else {
            let mut next = after.to_vec();
            next.push(0);
            self.start = next;
        }
        Ok(self)
    }

    /// Continues after the cursor of `page`, if it has one, and reads one more than the page
    /// (so that the caller knows whether more follow).
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] (field `cursor`) for a cursor of another range.
    pub fn page(self, page: &PageRequest) -> Result<Self> {
        let scan = self.limit(page.limit() + 1);
        match page.cursor() {
            Some(cursor) => scan.after(&cursor.position()?),
            None => Ok(scan),
        }
    }

    /// What it reads.
    pub fn target(&self) -> Target {
        self.target
    }

    /// The first position included.
    pub fn start(&self) -> &[u8] {
        &self.start
    }

    /// The first position excluded; `None`: to the end of the target.
    pub fn end(&self) -> Option<&[u8]> {
        self.end.as_deref()
    }

    /// True when it reads backwards.
    pub fn is_reverse(&self) -> bool {
        self.reverse
    }

    /// The most positions it reads.
    pub fn max(&self) -> usize {
        self.limit
    }

    /// True when it reads the records, not only their positions.
    pub fn with_bodies(&self) -> bool {
        self.bodies
    }

    /// True when the range holds no position.
    pub fn is_empty(&self) -> bool {
        self.end
            .as_deref()
            .is_some_and(|end| end <= self.start.as_slice())
    }
}

/// One position a scan read: its bytes, the record's id, and the record unless the scan was
/// [`Scan::keys_only`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The position (for an index: the entry's key and the id; for records: the id).
    pub position: Vec<u8>,
    /// The record's id.
    pub id: Uuid,
    /// The record.
    pub record: Option<Stored>,
}

impl Hit {
    /// The cursor that continues after this hit.
    pub fn cursor(&self) -> Cursor {
        Cursor::from_position(&self.position)
    }
}

//! Paging: a limit and an opaque cursor.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The largest page a store returns.
pub const MAX_PAGE: usize = 1000;

/// Where a page starts (after which item) and how long it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    after: Option<Cursor>,
    limit: usize,
}

impl PageRequest {
    /// The first page of at most `limit` items (clamped to 1..=[`MAX_PAGE`]).
    pub fn first(limit: usize) -> Self {
        Self {
            after: None,
            limit: limit.clamp(1, MAX_PAGE),
        }
    }

    /// The page after `cursor` (from [`Page::next`]), of at most `limit` items.
    pub fn after(cursor: Cursor, limit: usize) -> Self {
        Self {
            after: Some(cursor),
            limit: limit.clamp(1, MAX_PAGE),
        }
    }

    /// The cursor to continue after, if any.
    pub fn cursor(&self) -> Option<&Cursor> {
        self.after.as_ref()
    }

    /// The page length, 1..=[`MAX_PAGE`].
    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// A page of items in the order the query defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Set when more items follow: pass it to [`PageRequest::after`].
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` items in query order: when there are more than
    /// `limit`, the extra one is dropped and `next` is the cursor of the last kept item.
    pub fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(cursor_of)
        } else {
            None
        };
        Self { items, next }
    }

    /// Maps the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// An opaque position in a query's order. Every store makes the same cursor for the same item
/// of the same query, so a cursor stays valid when a workspace moves between backends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor for queries ordered by id.
    pub fn from_id(id: Uuid) -> Self {
        Self(id.simple().to_string())
    }

    /// A cursor for queries ordered by a time, then id.
    pub fn from_time_id(at: DateTime<Utc>, id: Uuid) -> Self {
        Self(format!("{}.{}", at.timestamp_micros(), id.simple()))
    }

    /// A cursor for queries ordered by a rank, then a time, then id.
    pub fn from_rank_time_id(rank: u8, at: DateTime<Utc>, id: Uuid) -> Self {
        Self(format!("{rank}.{}.{}", at.timestamp_micros(), id.simple()))
    }

    /// Reads a cursor made by [`Cursor::from_rank_time_id`].
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `cursor`) for anything else.
    pub fn rank_time_id(&self) -> Result<(u8, DateTime<Utc>, Uuid)> {
        let (rank, rest) = self.0.split_once('.').ok_or_else(bad_cursor)?;
        let rank: u8 = rank.parse().map_err(|_| bad_cursor())?;
        let (at, id) = Cursor(rest.to_owned()).time_id()?;
        Ok((rank, at, id))
    }

    /// Reads a cursor made by [`Cursor::from_id`].
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `cursor`) for anything else.
    pub fn id(&self) -> Result<Uuid> {
        Uuid::try_parse(&self.0).map_err(|_| bad_cursor())
    }

    /// Reads a cursor made by [`Cursor::from_time_id`].
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `cursor`) for anything else.
    pub fn time_id(&self) -> Result<(DateTime<Utc>, Uuid)> {
        let (micros, id) = self.0.split_once('.').ok_or_else(bad_cursor)?;
        let micros: i64 = micros.parse().map_err(|_| bad_cursor())?;
        let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad_cursor)?;
        Ok((at, Uuid::try_parse(id).map_err(|_| bad_cursor())?))
    }

    /// The cursor as text, to hand to a client.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor from text a client handed back (checked when used).
    pub fn from_string(s: impl Into<String>) -> Self {
        Self(s.into())
    }
}

fn bad_cursor() -> Error {
    Error::invalid("cursor", "not a cursor of this query")
}

//! Paging: a limit and an opaque cursor.

use crate::error::{Error, Result};

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

/// An opaque position in a list: where the next page starts. Every store makes the same cursor
/// for the same item of the same list (it is the item's position in the index, which every
/// store encodes alike), so a cursor stays valid when a workspace moves between stores.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// The cursor of a scan position (see [`super::Hit::position`]).
    pub fn from_position(position: &[u8]) -> Self {
        let mut text = String::with_capacity(position.len() * 2);
        for b in position {
            text.push(char::from(HEX[usize::from(b >> 4)]));
            text.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        Self(text)
    }

    /// The scan position the cursor names.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `cursor`) when it is not a cursor.
    pub fn position(&self) -> Result<Vec<u8>> {
        let digits = self.0.as_bytes();
        if !digits.len().is_multiple_of(2) {
            return Err(Self::invalid());
        }
        digits
            .chunks(2)
            .map(|pair| Ok(hex_value(pair[0])? << 4 | hex_value(pair[1])?))
            .collect()
    }

    /// The cursor as text, to hand to a client.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor from text a client handed back (checked when used).
    pub fn from_string(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The error of a cursor that is not one of the list it was given to.
    pub fn invalid() -> Error {
        Error::invalid("cursor", "not a cursor of this list")
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_value(digit: u8) -> Result<u8> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        _ => Err(Cursor::invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_invalid() {
        let position = vec![0, 1, 0xab, 0xff];
        let cursor = Cursor::from_position(&position);
        assert_eq!(cursor.as_str(), "0001abff");
        assert_eq!(cursor.position().unwrap(), position);
        for bad in ["abc", "zz", "ABCD", "0g"] {
            assert!(Cursor::from_string(bad).position().is_err(), "{bad}");
        }
    }
}

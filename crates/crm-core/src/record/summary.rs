//! Summaries in index keys: a few fields of a record carried at the end of an index entry's
//! key, so that a list reads the keys of its index and never fetches and decodes the records
//! (deals in the pipeline view and the won/lost report, customers in the greetings of a day).
//!
//! An entry with a summary has the key: its sort parts, the record's id (so entries sort as
//! they would without a summary), then the summary (MessagePack, as [`Body::binary`] writes
//! it). The store appends the record's id once more, as to every entry. A summary larger than
//! [`MAX_SUMMARY`] bytes is left out (the key ends after the id): readers then fetch the
//! record. A summary is made from the record in the commit that writes it, so it never
//! disagrees with the record's body.
//!
//! A summary type is stored in keys: never insert, remove or reorder its fields, and raise
//! its kind's index version ([`super::KindSpec::of`]) whenever what it holds changes.

use super::body::Body;
use super::key::Key;
use crate::error::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Largest summary kept in an index key, in bytes (PostgreSQL's btree holds keys up to about
/// 2,700 bytes).
pub const MAX_SUMMARY: usize = 1500;

/// `key` (the entry's sort parts), the record's `id`, then `summary` when it encodes within
/// [`MAX_SUMMARY`] bytes (when it does not, or `summary` is `None`, the key ends after the
/// id).
pub fn with_summary<T: Serialize>(key: Key, id: Uuid, summary: Option<&T>) -> Key {
    let key = key.id(id);
    let encoded = summary.and_then(|s| match Body::binary(s) {
        Ok(Body::Binary(bytes)) if bytes.len() <= MAX_SUMMARY => Some(bytes),
        _ => None,
    });
    match encoded {
        Some(bytes) => key.concat(&Key::from_bytes(bytes)),
        None => key,
    }
}

/// The summary in a scanned `position` of an entry written by [`with_summary`] whose sort
/// parts take `sort_len` bytes: after them the record's id, the summary, and the id the store
/// appends. `None` when the summary was left out (over [`MAX_SUMMARY`] bytes): fetch the
/// record.
///
/// # Errors
/// [`Error::Corrupted`] for a position too short or a summary that does not decode as `T`.
pub fn read_summary<T: DeserializeOwned>(position: &[u8], sort_len: usize) -> Result<Option<T>> {
    // The sort parts, the record's id, the summary, then the id the store appends.
    let start = sort_len + 16;
    let summary = position
        .len()
        .checked_sub(16)
        .and_then(|end| position.get(start..end))
        .ok_or_else(|| Error::Corrupted {
            key: "index entry".to_owned(),
            source: "position too short for an entry with a summary".into(),
        })?;
    if summary.is_empty() {
        return Ok(None);
    }
    Body::Binary(summary.to_vec())
        .decode_at(|| "summary in an index entry".to_owned())
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Row {
        title: String,
        count: u32,
    }

    fn position(key: Key, id: Uuid) -> Vec<u8> {
        [key.as_bytes(), id.as_bytes()].concat()
    }

    #[test]
    fn a_summary_reads_back_and_an_oversized_one_is_left_out() {
        let id = Uuid::from_u128(7);
        let sort = Key::new().u8(1).u64(42);
        let row = Row {
            title: "میز".into(),
            count: 3,
        };
        let key = with_summary(sort.clone(), id, Some(&row));
        assert!(key.starts_with(&sort.clone().id(id)));
        let read: Option<Row> = read_summary(&position(key, id), 9).unwrap();
        assert_eq!(read, Some(row.clone()));
        let big = Row {
            title: "ی".repeat(MAX_SUMMARY),
            ..row
        };
        let key = with_summary(sort.clone(), id, Some(&big));
        assert_eq!(key, sort.clone().id(id));
        assert_eq!(read_summary::<Row>(&position(key, id), 9).unwrap(), None);
        let key = with_summary::<Row>(sort, id, None);
        assert_eq!(read_summary::<Row>(&position(key, id), 9).unwrap(), None);
    }

    #[test]
    fn a_bad_position_is_corrupted_not_a_panic() {
        assert!(read_summary::<Row>(&[1, 2, 3], 24).is_err());
        let mut junk = vec![0u8; 24 + 16];
        junk.extend_from_slice(&[2, 0xc1, 0xc1]);
        junk.extend_from_slice(&[0u8; 16]);
        assert!(read_summary::<Row>(&junk, 24).is_err());
    }
}

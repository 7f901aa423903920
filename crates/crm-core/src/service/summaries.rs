//! Reading the summaries at the end of index keys ([`crate::record::with_summary`]): a
//! keys-only scan, batch after batch, and the record itself for an entry whose summary was
//! left out.

use super::Session;
use crate::error::Result;
use crate::record::read_summary;
use crate::store::Scan;
use serde::de::DeserializeOwned;
use std::future::Future;
use uuid::Uuid;

/// Entries read per scan by lists that read a whole range: a day's greetings or tasks, a
/// year's closed deals, in one or a few reads.
pub(super) const SUMMARY_BATCH: usize = 10_000;

impl Session {
    /// The summaries in the keys `scan` (keys only) reads, whose sort parts take `sort_len`
    /// bytes; with `all`, batch after batch (each `scan.max()` entries) to the end of its
    /// range. For an entry whose summary was left out, `record` is called with the record's
    /// id and gives the summary (or `None` to skip it: gone or changed since the scan).
    ///
    /// # Errors
    /// [`crate::Error::Corrupted`] for a summary that does not decode; `record`'s errors;
    /// store errors.
    pub(super) async fn summaries<T, F, Fut>(
        &self,
        scan: Scan,
        sort_len: usize,
        all: bool,
        mut record: F,
    ) -> Result<Vec<T>>
    where
        T: DeserializeOwned,
        F: FnMut(Uuid) -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let mut out = Vec::new();
        let mut next = scan.clone();
        loop {
            let hits = self.store().scan(self.ws, &next).await?;
            for hit in &hits {
                match read_summary::<T>(&hit.position, sort_len)? {
                    Some(summary) => out.push(summary),
                    None => out.extend(record(hit.id).await?),
                }
            }
            match hits.last() {
                Some(last) if all && hits.len() == scan.max() => {
                    next = scan.clone().after(&last.position)?;
                }
                _ => return Ok(out),
            }
        }
    }
}

//! A range of keys as sled and the pending commits see them together.

use crm_core::Result;

/// A key and its value.
pub(crate) type Entry = (Vec<u8>, Vec<u8>);

/// A key and its pending value (`None`: removed).
pub(crate) type PendingEntry = (Vec<u8>, Option<Vec<u8>>);
use std::cmp::Ordering;
use std::iter::Peekable;

/// Merges sled's entries of a range with the memtable's pending ones of the same range (sorted
/// ascending; a value of `None` is a removal): a pending put adds or replaces its entry, a
/// pending removal hides it. Entries come ascending, or descending when `reverse`. An error
/// from sled is passed on where it occurs.
pub(crate) fn merge<'a, S>(
    sled: S,
    pending: Vec<PendingEntry>,
    reverse: bool,
) -> impl Iterator<Item = Result<Entry>> + 'a
where
    S: Iterator<Item = Result<Entry>> + 'a,
{
    let pending: Box<dyn Iterator<Item = PendingEntry>> = if reverse {
        Box::new(pending.into_iter().rev())
    } else {
        Box::new(pending.into_iter())
    };
    Merge {
        sled: sled.peekable(),
        pending: pending.peekable(),
        reverse,
    }
}

struct Merge<'a, S: Iterator<Item = Result<Entry>>> {
    sled: Peekable<S>,
    pending: Peekable<Box<dyn Iterator<Item = PendingEntry> + 'a>>,
    reverse: bool,
}

/// Which side the next key comes from.
enum Next {
    Sled,
    Pending,
    /// The same key on both sides: the pending state decides.
    Both,
}

impl<S: Iterator<Item = Result<Entry>>> Iterator for Merge<'_, S> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = match (self.sled.peek(), self.pending.peek()) {
                (None, None) => return None,
                (Some(Err(_)) | Some(Ok(_)), None) => Next::Sled,
                (Some(Err(_)), Some(_)) => Next::Sled,
                (None, Some(_)) => Next::Pending,
                (Some(Ok((stored, _))), Some((pending, _))) => {
                    let order = if self.reverse {
                        pending.cmp(stored)
                    } else {
                        stored.cmp(pending)
                    };
                    match order {
                        Ordering::Less => Next::Sled,
                        Ordering::Greater => Next::Pending,
                        Ordering::Equal => Next::Both,
                    }
                }
            };
            if let Next::Sled = next {
                return self.sled.next();
            }
            if let Next::Both = next {
                self.sled.next();
            }
            match self.pending.next() {
                Some((key, Some(value))) => return Some(Ok((key, value))),
                Some((_, None)) => continue,
                None => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        /// The merge equals applying the pending states to sled's entries.
        #[test]
        fn merge_is_sled_with_the_pending_states_applied(
            stored in prop::collection::btree_map(prop::collection::vec(0u8..4, 0..4), any::<u8>(), 0..30),
            pending in prop::collection::btree_map(prop::collection::vec(0u8..4, 0..4), prop::option::of(any::<u8>()), 0..30),
            reverse in any::<bool>(),
        ) {
            let mut expected: BTreeMap<Vec<u8>, Vec<u8>> =
                stored.iter().map(|(k, v)| (k.clone(), vec![*v])).collect();
            for (key, value) in &pending {
                match value {
                    Some(v) => expected.insert(key.clone(), vec![*v]),
                    None => expected.remove(key),
                };
            }
            let mut expected: Vec<Entry> = expected.into_iter().collect();
            let mut sled: Vec<Entry> = stored.into_iter().map(|(k, v)| (k, vec![v])).collect();
            if reverse {
                expected.reverse();
                sled.reverse();
            }
            let pending: Vec<PendingEntry> =
                pending.into_iter().map(|(k, v)| (k, v.map(|v| vec![v]))).collect();
            let merged: Vec<Entry> = merge(sled.into_iter().map(Ok), pending, reverse)
                .collect::<Result<_>>()
                .unwrap();
            prop_assert_eq!(merged, expected);
        }
    }

    #[test]
    fn a_sled_error_is_passed_on() {
        let sled = vec![
            Ok((b"a".to_vec(), vec![])),
            Err(crm_core::Error::storage("disk")),
            Ok((b"c".to_vec(), vec![])),
        ];
        let merged: Vec<_> =
            merge(sled.into_iter(), vec![(b"b".to_vec(), Some(vec![]))], false).collect();
        assert_eq!(merged.len(), 4);
        assert!(merged[1].is_err());
    }
}

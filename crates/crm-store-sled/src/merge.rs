//! A range of keys as sled and the pending commits see them together.

use crm_core::Result;
use std::cmp::Ordering;
use std::iter::Peekable;

/// Merges sled's keys of a range with the memtable's pending keys of the same range (sorted
/// ascending, `true` = put, `false` = removed): a pending put adds its key, a pending
/// removal hides it. Keys come ascending, or descending when `reverse`. An error from sled
/// is passed on where it occurs.
pub(crate) fn merge<'a, S>(
    sled: S,
    pending: Vec<(Vec<u8>, bool)>,
    reverse: bool,
) -> impl Iterator<Item = Result<Vec<u8>>> + 'a
where
    S: Iterator<Item = Result<Vec<u8>>> + 'a,
{
    let pending: Box<dyn Iterator<Item = (Vec<u8>, bool)>> = if reverse {
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

struct Merge<'a, S: Iterator<Item = Result<Vec<u8>>>> {
    sled: Peekable<S>,
    pending: Peekable<Box<dyn Iterator<Item = (Vec<u8>, bool)> + 'a>>,
    reverse: bool,
}

/// Which side the next key comes from.
enum Next {
    Sled,
    Pending,
    /// The same key on both sides: the pending state decides.
    Both,
}

impl<S: Iterator<Item = Result<Vec<u8>>>> Iterator for Merge<'_, S> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = match (self.sled.peek(), self.pending.peek()) {
                (None, None) => return None,
                (Some(Err(_)) | Some(Ok(_)), None) => Next::Sled,
                (Some(Err(_)), Some(_)) => Next::Sled,
                (None, Some(_)) => Next::Pending,
                (Some(Ok(stored)), Some((pending, _))) => {
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
                Some((key, true)) => return Some(Ok(key)),
                Some((_, false)) => continue,
                None => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    proptest! {
        /// The merge equals applying the pending states to sled's set of keys.
        #[test]
        fn merge_is_sled_with_the_pending_states_applied(
            stored in prop::collection::btree_set(prop::collection::vec(0u8..4, 0..4), 0..30),
            pending in prop::collection::btree_map(prop::collection::vec(0u8..4, 0..4), any::<bool>(), 0..30),
            reverse in any::<bool>(),
        ) {
            let mut expected: BTreeSet<Vec<u8>> = stored.clone();
            for (key, put) in &pending {
                if *put {
                    expected.insert(key.clone());
                } else {
                    expected.remove(key);
                }
            }
            let mut expected: Vec<Vec<u8>> = expected.into_iter().collect();
            let mut sled: Vec<Vec<u8>> = stored.into_iter().collect();
            if reverse {
                expected.reverse();
                sled.reverse();
            }
            let pending: Vec<(Vec<u8>, bool)> = pending.into_iter().collect::<BTreeMap<_, _>>().into_iter().collect();
            let merged: Vec<Vec<u8>> = merge(sled.into_iter().map(Ok), pending, reverse)
                .collect::<Result<_>>()
                .unwrap();
            prop_assert_eq!(merged, expected);
        }
    }

    #[test]
    fn a_sled_error_is_passed_on() {
        let sled = vec![
            Ok(b"a".to_vec()),
            Err(crm_core::Error::storage("disk")),
            Ok(b"c".to_vec()),
        ];
        let merged: Vec<_> = merge(sled.into_iter(), vec![(b"b".to_vec(), true)], false).collect();
        assert_eq!(merged.len(), 4);
        assert!(merged[1].is_err());
    }
}

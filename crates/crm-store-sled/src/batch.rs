//! A batch: the writes of one commit as changes to sled's trees, and their stored form.
//!
//! A commit is checked once (by crm-core's key-value store) and becomes a [`Batch`]: the final
//! value (or removal) of every key it touches, in key order, numbered in commit order. A batch is what the journal keeps and what
//! the applier writes to sled. Applying a batch sets keys to values, so applying it again
//! changes nothing, and replaying a run of batches in order over a state that already holds
//! some of them gives the same result as applying each once.
//!
//! Stored form (little-endian): `seq: u64`, `count: u32`, then per change
//! `space: u8` (its position in [`Space::ALL`]), `op: u8` (0 remove, 1 put), `key_len: u32`, key, and for a put
//! `value_len: u32`, value.

pub(crate) use crm_core::store::kv::Change;
use crm_core::store::kv::Space;
use std::fmt;

/// The changes of one commit, numbered in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Batch {
    /// The commit's place in the store's commit order (from 1, no gaps).
    pub(crate) seq: u64,
    /// Each key at most once.
    pub(crate) changes: Vec<Change>,
}

/// Why stored bytes are not a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) &'static str);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed journal batch: {}", self.0)
    }
}

impl std::error::Error for Malformed {}

impl Batch {
    /// The bytes the changes take (keys and values), a measure of its memory.
    pub(crate) fn size(&self) -> usize {
        self.changes
            .iter()
            .map(|c| c.key.len() + c.value.as_ref().map_or(0, Vec::len))
            .sum()
    }

    /// Appends the stored form to `out`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(12 + self.size() + self.changes.len() * 10);
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&len_u32(self.changes.len()).to_le_bytes());
        for change in &self.changes {
            out.push(space_tag(change.space));
            out.push(u8::from(change.value.is_some()));
            out.extend_from_slice(&len_u32(change.key.len()).to_le_bytes());
            out.extend_from_slice(&change.key);
            if let Some(value) = &change.value {
                out.extend_from_slice(&len_u32(value.len()).to_le_bytes());
                out.extend_from_slice(value);
            }
        }
    }

    /// Reads a batch from its stored form (all of `bytes`).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Batch, Malformed> {
        let mut r = Reader(bytes);
        let seq = u64::from_le_bytes(r.array()?);
        let count = u32::from_le_bytes(r.array()?);
        // Every change takes at least 6 bytes: a count beyond that is damage, not a reason
        // to reserve memory.
        if usize::try_from(count).map_or(true, |c| c > r.0.len() / 6) {
            return Err(Malformed("change count larger than the batch"));
        }
        let mut changes = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let [tag, op] = r.array()?;
            let space = Space::at(usize::from(tag)).ok_or(Malformed("unknown space"))?;
            let key = r.sized()?.to_vec();
            let value = match op {
                0 => None,
                1 => Some(r.sized()?.to_vec()),
                _ => return Err(Malformed("unknown operation")),
            };
            changes.push(Change { space, key, value });
        }
        if !r.0.is_empty() {
            return Err(Malformed("bytes after the last change"));
        }
        Ok(Batch { seq, changes })
    }
}

/// The byte of `space` in the stored form.
fn space_tag(space: Space) -> u8 {
    u8::try_from(space.position()).unwrap_or(u8::MAX)
}

/// Lengths in a batch are `u32`: keys and records are far smaller (crm-core limits input),
/// and a commit of 4 GiB would not fit in memory anyway.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if self.0.len() < n {
            return Err(Malformed("cut short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Malformed> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn sized(&mut self) -> Result<&'a [u8], Malformed> {
        let len = u32::from_le_bytes(self.array()?);
        let len = usize::try_from(len).map_err(|_| Malformed("length too large"))?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn change() -> impl Strategy<Value = Change> {
        (
            prop::sample::select(Space::ALL.to_vec()),
            prop::collection::vec(any::<u8>(), 0..40),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
        )
            .prop_map(|(space, key, value)| Change { space, key, value })
    }

    fn batch() -> impl Strategy<Value = Batch> {
        (any::<u64>(), prop::collection::vec(change(), 0..20))
            .prop_map(|(seq, changes)| Batch { seq, changes })
    }

    proptest! {
        #[test]
        fn round_trips(b in batch()) {
            let mut bytes = Vec::new();
            b.encode_into(&mut bytes);
            prop_assert_eq!(Batch::decode(&bytes), Ok(b));
        }

        #[test]
        fn a_cut_batch_is_malformed_not_a_panic(b in batch(), cut in any::<prop::sample::Index>()) {
            let mut bytes = Vec::new();
            b.encode_into(&mut bytes);
            let cut = cut.index(bytes.len());
            prop_assert!(Batch::decode(&bytes[..cut]).is_err());
        }

        #[test]
        fn any_bytes_decode_or_fail_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = Batch::decode(&bytes);
        }
    }

    #[test]
    fn trailing_bytes_and_unknown_tags_are_malformed() {
        let b = Batch {
            seq: 7,
            changes: vec![Change {
                space: Space::Index,
                key: b"k".to_vec(),
                value: Some(Vec::new()),
            }],
        };
        let mut bytes = Vec::new();
        b.encode_into(&mut bytes);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Batch::decode(&longer),
            Err(Malformed("bytes after the last change"))
        );
        let mut bad_space = bytes.clone();
        bad_space[12] = 9;
        assert_eq!(Batch::decode(&bad_space), Err(Malformed("unknown space")));
        let mut bad_op = bytes;
        bad_op[13] = 2;
        assert_eq!(Batch::decode(&bad_op), Err(Malformed("unknown operation")));
    }
}

//! Index keys: typed tuples in one order-preserving byte encoding.
//!
//! A [`Key`] is built part by part; comparing two keys' bytes compares their tuples part by
//! part, in the natural order of each part's type (texts by code point, numbers and times
//! numerically, negative ones included). Every store orders, pages and compares keys as bytes,
//! so every store sorts an index the same way.
//!
//! | part | encoding |
//! |------|----------|
//! | [`Key::text`] | UTF-8, each `00` byte written `00 FF`, then the terminator `00 01` |
//! | [`Key::text_prefix`] | as text, without the terminator (only as the last part of a range bound) |
//! | [`Key::u8`] | one byte |
//! | [`Key::u64`] | 8 bytes, big-endian |
//! | [`Key::i64`], [`Key::time`] | 8 bytes, big-endian, sign bit flipped (times: microseconds since 1970) |
//! | [`Key::id`] | the 16 bytes of the UUID |
//! | [`Key::bool`] | `00` or `01` |
//! | [`Key::opt_id`] | `00` for none, `01` and the id for some (none sorts first) |
//!
//! The escaping keeps one text from being a prefix of another's encoding: `"ab"` sorts after
//! `"a"` whatever part follows `"a"`, as in the tuple.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// An encoded tuple. See the [module](self) docs for the encoding of each part.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(Vec<u8>);

impl Key {
    /// The empty tuple.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// A key from bytes made by this encoding (a cursor, a stored entry).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The encoded bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// True when nothing has been added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a text part.
    pub fn text(mut self, text: &str) -> Self {
        self.push_escaped(text);
        self.0.extend_from_slice(&[0x00, 0x01]);
        self
    }

    /// Appends the start of a text part: the keys [`Key::starts_with`] this one are those whose
    /// text at this position starts with `prefix`. Only useful as the last part of a range.
    pub fn text_prefix(mut self, prefix: &str) -> Self {
        self.push_escaped(prefix);
        self
    }

    /// Appends a small number (an enum's rank, say).
    pub fn u8(mut self, value: u8) -> Self {
        self.0.push(value);
        self
    }

    /// Appends an unsigned number.
    pub fn u64(mut self, value: u64) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// Appends a signed number.
    pub fn i64(mut self, value: i64) -> Self {
        self.0
            .extend_from_slice(&((value as u64) ^ (1 << 63)).to_be_bytes());
        self
    }

    /// Appends a time, to the microsecond.
    pub fn time(self, at: DateTime<Utc>) -> Self {
        self.i64(at.timestamp_micros())
    }

    /// Appends an id.
    pub fn id(mut self, id: Uuid) -> Self {
        self.0.extend_from_slice(id.as_bytes());
        self
    }

    /// Appends a flag (false first).
    pub fn bool(self, value: bool) -> Self {
        self.u8(u8::from(value))
    }

    /// Appends an optional id (none first).
    pub fn opt_id(self, id: Option<Uuid>) -> Self {
        match id {
            Some(id) => self.u8(1).id(id),
            None => self.u8(0),
        }
    }

    /// Appends the bytes of another key (its parts follow this key's).
    pub fn concat(mut self, other: &Key) -> Self {
        self.0.extend_from_slice(&other.0);
        self
    }

    /// True when `self` begins with every byte of `prefix`.
    pub fn starts_with(&self, prefix: &Key) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The smallest key after `self` (and before every other key greater than `self`).
    pub fn successor(&self) -> Key {
        let mut next = self.0.clone();
        next.push(0);
        Key(next)
    }

    /// The first key after every key that starts with `self`; `None` when there is none
    /// (the key is empty or all `FF` bytes).
    pub fn prefix_end(&self) -> Option<Key> {
        let mut end = self.0.clone();
        while let Some(last) = end.pop() {
            if last < u8::MAX {
                end.push(last + 1);
                return Some(Key(end));
            }
        }
        None
    }

    fn push_escaped(&mut self, text: &str) {
        for &b in text.as_bytes() {
            self.0.push(b);
            if b == 0 {
                self.0.push(0xFF);
            }
        }
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key(")?;
        for b in &self.0 {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One part of a test tuple, with its natural order.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    enum Part {
        Text(String),
        U8(u8),
        U64(u64),
        I64(i64),
        Time(i64),
        Id(u128),
        Bool(bool),
        OptId(Option<u128>),
    }

    impl Part {
        fn push(&self, key: Key) -> Key {
            match self {
                Part::Text(t) => key.text(t),
                Part::U8(v) => key.u8(*v),
                Part::U64(v) => key.u64(*v),
                Part::I64(v) => key.i64(*v),
                Part::Time(micros) => key.time(DateTime::from_timestamp_micros(*micros).unwrap()),
                Part::Id(v) => key.id(Uuid::from_u128(*v)),
                Part::Bool(v) => key.bool(*v),
                Part::OptId(v) => key.opt_id(v.map(Uuid::from_u128)),
            }
        }
    }

    fn encode(parts: &[Part]) -> Key {
        parts.iter().fold(Key::new(), |key, part| part.push(key))
    }

    /// Texts with Persian letters, ZWNJ, NULs, `FF`-leading UTF-8 neighbours and prefixes of
    /// one another: the cases an escaping mistake would misorder.
    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                'a',
                'b',
                '\0',
                '\u{1}',
                'ی',
                'ي',
                'ک',
                '\u{200c}',
                'ﻼ',
                '\u{10FFFF}',
            ]),
            0..5,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    /// Times from before 1970 to far ahead, in microseconds.
    const TIMES: std::ops::RangeInclusive<i64> = -8_000_000_000_000_000..=8_000_000_000_000_000;

    /// A tuple of `n` parts of the given types (the same types for both sides of a compare).
    fn tuple(types: Vec<u8>) -> impl Strategy<Value = Vec<Part>> {
        types
            .into_iter()
            .map(|t| -> BoxedStrategy<Part> {
                match t {
                    0 => text().prop_map(Part::Text).boxed(),
                    1 => any::<u8>().prop_map(Part::U8).boxed(),
                    2 => any::<u64>().prop_map(Part::U64).boxed(),
                    3 => any::<i64>().prop_map(Part::I64).boxed(),
                    4 => TIMES.prop_map(Part::Time).boxed(),
                    5 => prop_oneof![Just(0u128), Just(u128::MAX), any::<u128>()]
                        .prop_map(Part::Id)
                        .boxed(),
                    6 => any::<bool>().prop_map(Part::Bool).boxed(),
                    _ => prop::option::of(any::<u128>())
                        .prop_map(Part::OptId)
                        .boxed(),
                }
            })
            .collect::<Vec<_>>()
    }

    fn two_tuples() -> impl Strategy<Value = (Vec<Part>, Vec<Part>)> {
        prop::collection::vec(0u8..8, 1..5)
            .prop_flat_map(|types| (tuple(types.clone()), tuple(types)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Byte order is tuple order, for every part type.
        #[test]
        fn byte_order_is_tuple_order((a, b) in two_tuples()) {
            prop_assert_eq!(encode(&a).cmp(&encode(&b)), a.cmp(&b));
        }

        /// A text prefix bound covers exactly the texts that start with it.
        #[test]
        fn text_prefix_covers_the_texts_it_starts(head in text(), t in text(), tail in any::<u64>()) {
            let bound = Key::new().u8(7).text_prefix(&head);
            let key = Key::new().u8(7).text(&t).u64(tail);
            prop_assert_eq!(key.starts_with(&bound), t.starts_with(&head));
            let end = bound.prefix_end();
            let inside = key >= bound && end.as_ref().is_none_or(|e| &key < e);
            prop_assert_eq!(inside, t.starts_with(&head));
        }

        /// Nothing sorts between a key and its successor; every extension sorts before the
        /// prefix end.
        #[test]
        fn successor_and_prefix_end_bound_the_extensions(a in tuple(vec![0, 4, 5]), b in tuple(vec![0, 4, 5])) {
            let (ka, kb) = (encode(&a), encode(&b));
            prop_assert!(!(ka < kb && kb < ka.successor()));
            let prefix = Key::new().text(match &a[0] { Part::Text(t) => t, _ => unreachable!() });
            if kb.starts_with(&prefix) {
                prop_assert!(kb >= prefix);
                prop_assert!(prefix.prefix_end().is_none_or(|end| kb < end));
            }
        }
    }

    #[test]
    fn times_before_1970_sort_first() {
        let t = |s| DateTime::from_timestamp(s, 0).unwrap();
        assert!(Key::new().time(t(-5)) < Key::new().time(t(0)));
        assert!(Key::new().time(t(0)) < Key::new().time(t(7)));
    }

    #[test]
    fn prefix_end_skips_ff_bytes() {
        let key = Key::from_bytes(vec![1, 0xff]);
        assert_eq!(key.prefix_end(), Some(Key::from_bytes(vec![2])));
        assert_eq!(Key::from_bytes(vec![0xff]).prefix_end(), None);
        assert_eq!(Key::new().prefix_end(), None);
    }
}

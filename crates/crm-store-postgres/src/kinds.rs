//! The record kinds a store knows, and how tags are kept in `smallint` columns.
//!
//! crm-core's kind and index tags are `u16`; the tables keep them in `smallint` bit for bit,
//! so a tag above 32767 reads in SQL as `tag - 65536`.

use crm_core::record::RecordKind;
use crm_core::{Error, Result};

/// The kinds of a store: crm-core's ([`RecordKind::BUILTIN`]) and the application's.
#[derive(Debug, Clone)]
pub(crate) struct Kinds {
    all: Vec<RecordKind>,
}

impl Kinds {
    /// crm-core's kinds and `extra`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when two different kinds share a tag.
    pub(crate) fn new(extra: &[RecordKind]) -> Result<Self> {
        let mut all: Vec<RecordKind> = RecordKind::BUILTIN.to_vec();
        for kind in extra {
            match all.iter().find(|k| k.tag() == kind.tag()) {
                Some(known) if known.as_str() == kind.as_str() => {}
                Some(known) => {
                    return Err(Error::invalid(
                        "kinds",
                        format!("{kind} has the tag {} of {known}", kind.tag()),
                    ));
                }
                None => all.push(*kind),
            }
        }
        Ok(Self { all })
    }

    /// Every kind, crm-core's first.
    pub(crate) fn all(&self) -> &[RecordKind] {
        &self.all
    }

    /// The kind with the stored tag `tag` ([`RecordKind::unknown`] when none is known).
    pub(crate) fn find(&self, tag: i16) -> RecordKind {
        RecordKind::find(&self.all, from_sql(tag))
    }
}

/// A tag as its `smallint` column holds it.
pub(crate) fn to_sql(tag: u16) -> i16 {
    i16::from_be_bytes(tag.to_be_bytes())
}

/// A tag from its `smallint` column.
pub(crate) fn from_sql(tag: i16) -> u16 {
    u16::from_be_bytes(tag.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_survive_smallint_columns() {
        for tag in [0, 1, 999, 32767, 32768, 40000, u16::MAX] {
            assert_eq!(from_sql(to_sql(tag)), tag);
        }
        assert_eq!(to_sql(65535), -1);
    }

    #[test]
    fn kinds_know_the_builtin_ones_and_refuse_a_shared_tag() {
        let kinds = Kinds::new(&[RecordKind::CUSTOMER]).expect("same kind twice is fine");
        assert_eq!(kinds.all().len(), RecordKind::BUILTIN.len());
        assert_eq!(
            kinds.find(to_sql(RecordKind::STAFF.tag())),
            RecordKind::STAFF
        );
        assert!(kinds.find(12345).is_unknown());
    }
}

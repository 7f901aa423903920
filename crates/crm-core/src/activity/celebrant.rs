//! A customer as a greeting needs them: the summary carried at the end of each of the
//! customer's [`super::CUSTOMER_BY_OCCASION`] entries, so that the greetings of a day are read
//! from index keys alone ([`crate::Session::due_greetings`]) without fetching and decoding
//! whole customers.

use super::greeting_language::own_language;
use crate::channel::Channel;
use crate::customer::{Customer, LifecycleStage, Occasion, OccasionCalendar};
use crate::id::{CustomerId, StaffId};
use crate::template::Language;
use serde::{Deserialize, Serialize};

/// A customer with occasions on one date of one calendar, as greeting them needs: who they
/// are, what a [`crate::customer::CustomerFilter`] tests, where and in which language they
/// are greeted, and what they celebrate.
///
/// Stored in index keys as MessagePack with its fields in this order: never insert, remove or
/// reorder them, and raise the customer kind's index version when what they hold changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Celebrant {
    /// The customer's id.
    pub id: CustomerId,
    /// The customer's version when the summary was made.
    pub version: u64,
    /// The name to show ([`Customer::display_name`]).
    pub name: String,
    /// Lifecycle stage.
    pub stage: LifecycleStage,
    /// The staff member who owns the relationship.
    pub owner: Option<StaffId>,
    /// Tags, normalised, in the customer's (sorted) order.
    pub tags: Vec<String>,
    /// The language the customer is greeted in when the customer alone tells it
    /// ([`super::own_language`]); `None`: the workspace's.
    pub language: Option<Language>,
    /// The first channel the customer consented on and their address there
    /// ([`Customer::consented_address`]); `None`: they cannot be greeted.
    pub address: Option<(Channel, String)>,
    /// The customer's valid occasions on the entry's calendar, month and day, in the
    /// customer's order.
    pub occasions: Vec<Occasion>,
}

impl Celebrant {
    /// The summary of `customer` for its occasion entry at `key` (calendar, month, day).
    pub fn of(customer: &Customer, key: (OccasionCalendar, u8, u8)) -> Self {
        let (calendar, month, day) = key;
        Self {
            id: customer.id,
            version: customer.version,
            name: customer.display_name(),
            stage: customer.stage,
            owner: customer.owner,
            tags: customer.tags.iter().cloned().collect(),
            language: own_language(customer),
            address: customer.consented_address(),
            occasions: customer
                .occasions
                .iter()
                .filter(|o| {
                    o.calendar == calendar && o.month == month && o.day == day && o.is_valid()
                })
                .cloned()
                .collect(),
        }
    }

    /// The language the customer is greeted in: theirs, else `fallback` (the workspace's).
    pub fn greeting_language(&self, fallback: Language) -> Language {
        self.language.unwrap_or(fallback)
    }

    /// Whether the customer has `tag` (normalised).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{LANGUAGE_FIELD, OCCASION_SORT_LEN, calendar_rank, occasion_entries};
    use crate::customer::{Consent, ContactKind, ContactPoint, FieldValue, OccasionKind, Party};
    use crate::record::{MAX_SUMMARY, read_summary};
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn occasion(kind: OccasionKind, calendar: OccasionCalendar, month: u8, day: u8) -> Occasion {
        Occasion {
            kind,
            calendar,
            month,
            day,
            year: None,
        }
    }

    /// Sara, with two occasions on Farvardin 1 (one listed twice), one on March 21, one
    /// invalid, an email with consent and a mobile without.
    fn sara() -> Customer {
        let party = Party::Person {
            given_name: "سارا".into(),
            family_name: "احمدی".into(),
            organisation: None,
        };
        let mut c = Customer::new(
            CustomerId(Uuid::from_u128(5)),
            party,
            LifecycleStage::Customer,
            at(),
        );
        c.version = 3;
        c.owner = Some(StaffId(Uuid::from_u128(9)));
        c.tags = ["vip".to_owned(), "تهران".to_owned()].into();
        use OccasionCalendar::{Gregorian, Jalali};
        c.occasions = vec![
            occasion(OccasionKind::Birthday, Jalali, 1, 1),
            occasion(OccasionKind::Anniversary, Gregorian, 3, 21),
            occasion(OccasionKind::Other("نوروز".into()), Jalali, 1, 1),
            occasion(OccasionKind::Birthday, Jalali, 7, 31),
        ];
        c.contacts = vec![
            ContactPoint {
                kind: ContactKind::Mobile,
                value: "0912 123 4567".into(),
                key: "tel:+989121234567".into(),
                label: None,
            },
            ContactPoint {
                kind: ContactKind::Email,
                value: " sara@example.com ".into(),
                key: "email:sara@example.com".into(),
                label: None,
            },
        ];
        c.consent.insert(
            Channel::Email,
            Consent {
                granted: true,
                at: at(),
            },
        );
        c
    }

    #[test]
    fn the_summary_holds_what_a_greeting_needs() {
        let mut c = sara();
        let nowruz = Celebrant::of(&c, (OccasionCalendar::Jalali, 1, 1));
        assert_eq!(nowruz.id, c.id);
        assert_eq!(nowruz.version, 3);
        assert_eq!(nowruz.name, "سارا احمدی");
        assert_eq!(nowruz.stage, LifecycleStage::Customer);
        assert_eq!(nowruz.owner, c.owner);
        assert_eq!(nowruz.tags, ["vip", "تهران"]);
        assert!(nowruz.has_tag("vip") && !nowruz.has_tag("vi"));
        // The name's script; the workspace's language is not consulted.
        assert_eq!(nowruz.language, Some(Language::Persian));
        assert_eq!(
            nowruz.greeting_language(Language::English),
            Language::Persian
        );
        assert_eq!(
            nowruz.address,
            Some((Channel::Email, "sara@example.com".to_owned()))
        );
        // Only the occasions of that date, in the customer's order.
        let kinds: Vec<_> = nowruz.occasions.iter().map(|o| o.kind.clone()).collect();
        assert_eq!(
            kinds,
            [OccasionKind::Birthday, OccasionKind::Other("نوروز".into())]
        );
        let march = Celebrant::of(&c, (OccasionCalendar::Gregorian, 3, 21));
        assert_eq!(march.occasions, [c.occasions[1].clone()]);
        // Mehr 31 does not exist: never summarised.
        assert!(
            Celebrant::of(&c, (OccasionCalendar::Jalali, 7, 31))
                .occasions
                .is_empty()
        );
        // The preferred language wins over the script; without consent, no address; a name
        // in neither script leaves the language to the workspace.
        c.fields
            .insert(LANGUAGE_FIELD.into(), FieldValue::Text("en".into()));
        c.consent.clear();
        let again = Celebrant::of(&c, (OccasionCalendar::Jalali, 1, 1));
        assert_eq!(again.language, Some(Language::English));
        assert_eq!(again.address, None);
        c.fields.clear();
        c.party = Party::Person {
            given_name: "김".into(),
            family_name: "민준".into(),
            organisation: None,
        };
        let kim = Celebrant::of(&c, (OccasionCalendar::Jalali, 1, 1));
        assert_eq!(kim.language, None);
        assert_eq!(kim.greeting_language(Language::English), Language::English);
    }

    /// The stored position of `entry` for the customer `id`: its key and the id the store
    /// appends.
    fn position(key: &crate::record::Key, id: Uuid) -> Vec<u8> {
        [key.as_bytes(), id.as_bytes()].concat()
    }

    #[test]
    fn each_occasion_entry_carries_the_summary_of_its_date() {
        let c = sara();
        let entries = occasion_entries(&c);
        // Farvardin 1 once (two occasions), March 21; the invalid Mehr 31 has no entry.
        let dates = [
            (OccasionCalendar::Gregorian, 3, 21),
            (OccasionCalendar::Jalali, 1, 1),
        ];
        assert_eq!(entries.len(), dates.len());
        for (entry, key) in entries.iter().zip(dates) {
            let sort = [calendar_rank(key.0), key.1, key.2];
            assert_eq!(&entry.key.as_bytes()[..OCCASION_SORT_LEN], &sort);
            assert_eq!(
                &entry.key.as_bytes()[OCCASION_SORT_LEN..OCCASION_SORT_LEN + 16],
                c.id.0.as_bytes()
            );
            let read: Option<Celebrant> =
                read_summary(&position(&entry.key, c.id.0), OCCASION_SORT_LEN).unwrap();
            assert_eq!(read, Some(Celebrant::of(&c, key)));
        }
    }

    #[test]
    fn a_summary_too_large_is_left_out_of_the_key() {
        let mut c = sara();
        c.tags = (0..40)
            .map(|i| format!("{i:02}{}", "ت".repeat(40)))
            .collect();
        let key = (OccasionCalendar::Jalali, 1, 1);
        let big = crate::record::Body::binary(&Celebrant::of(&c, key)).unwrap();
        assert!(big.as_bytes().len() > MAX_SUMMARY);
        for entry in occasion_entries(&c) {
            assert_eq!(entry.key.as_bytes().len(), OCCASION_SORT_LEN + 16);
            let read: Option<Celebrant> =
                read_summary(&position(&entry.key, c.id.0), OCCASION_SORT_LEN).unwrap();
            assert_eq!(read, None);
        }
    }
}

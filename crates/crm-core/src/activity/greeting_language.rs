//! The language a customer is greeted in.

use crate::customer::{Customer, FieldValue};
use crate::template::Language;

/// The custom field (text) holding a customer's preferred language, as a BCP 47 tag of a
/// language crm-rs has templates for: `fa` or `en` (`fa-IR`, `en-GB` too).
pub const LANGUAGE_FIELD: &str = "language";

/// A customer's preferred language: their [`LANGUAGE_FIELD`], when it names a language
/// crm-rs has templates for.
pub fn preferred_language(customer: &Customer) -> Option<Language> {
    match customer.fields.get(LANGUAGE_FIELD) {
        Some(FieldValue::Text(tag)) => Language::from_tag(tag),
        _ => None,
    }
}

/// The language `customer` is greeted in when it can be told from the customer alone: their
/// preferred language ([`preferred_language`]); else the script their name is written in
/// (Persian for the Arabic script, English for the Latin, see [`Language::detect`]). `None`:
/// neither tells, the workspace's language is used ([`greeting_language`]).
pub fn own_language(customer: &Customer) -> Option<Language> {
    preferred_language(customer).or_else(|| Language::detect(&customer.display_name()))
}

/// The language `customer` is greeted in: [`own_language`], else `fallback`, the workspace's
/// language.
pub fn greeting_language(customer: &Customer, fallback: Language) -> Language {
    own_language(customer).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{LifecycleStage, Party};
    use crate::id::CustomerId;

    fn person(given: &str, family: &str) -> Customer {
        let party = Party::Person {
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            organisation: None,
        };
        Customer::new(
            CustomerId(uuid::Uuid::nil()),
            party,
            LifecycleStage::Customer,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn the_field_then_the_script_of_the_name_then_the_workspace() {
        let mut ali = person("علی", "رضایی");
        assert_eq!(
            greeting_language(&ali, Language::English),
            Language::Persian
        );
        ali.fields
            .insert(LANGUAGE_FIELD.into(), FieldValue::Text("en-GB".into()));
        assert_eq!(
            greeting_language(&ali, Language::Persian),
            Language::English
        );
        let jane = person("Jane", "Doe");
        assert_eq!(
            greeting_language(&jane, Language::Persian),
            Language::English
        );
        // A name in neither script, and a language without templates: the workspace's.
        let mut kim = person("김", "민준");
        assert_eq!(own_language(&kim), None);
        assert_eq!(
            greeting_language(&kim, Language::Persian),
            Language::Persian
        );
        kim.fields
            .insert(LANGUAGE_FIELD.into(), FieldValue::Text("ko".into()));
        assert_eq!(
            greeting_language(&kim, Language::English),
            Language::English
        );
    }
}

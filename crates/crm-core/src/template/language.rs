//! The language of a message, and guessing it from text.

use serde::{Deserialize, Serialize};

/// The language of a message: BCP 47 primary tags `fa` and `en`.
///
/// The serde form is the snake_case variant name (`english`, `persian`); [`Language::tag`] is
/// the BCP 47 tag used in HTML (`lang`) and in the unique keys of stored templates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Language {
    /// English (`en`), written left to right. The default.
    #[default]
    English,
    /// Persian (`fa`), written right to left, with Jalali dates and Persian digits.
    Persian,
}

impl Language {
    /// Every language crm-rs ships templates for.
    pub const ALL: [Language; 2] = [Language::English, Language::Persian];

    /// The BCP 47 primary language tag: `en` or `fa`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Persian => "fa",
        }
    }

    /// The language of a BCP 47 tag, by its primary subtag, case-insensitively: `fa`, `FA`,
    /// `fa-IR` and `fa_IR` are Persian; `en`, `en-GB` are English. `None` for any other
    /// language or an empty tag.
    ///
    /// ```
    /// use crm_core::template::Language;
    ///
    /// assert_eq!(Language::from_tag("fa-IR"), Some(Language::Persian));
    /// assert_eq!(Language::from_tag("EN"), Some(Language::English));
    /// assert_eq!(Language::from_tag("de"), None);
    /// ```
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Language::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.tag()))
    }

    /// Guesses the language of `text` by its letters: Persian when it has at least as many
    /// letters of the Arabic script (Persian, Arabic) as Latin letters, English when Latin
    /// letters are more; `None` when it has neither (no letters, or only letters of other
    /// scripts). Digits, punctuation and symbols do not count.
    ///
    /// ```
    /// use crm_core::template::Language;
    ///
    /// assert_eq!(Language::detect("سلام، سفارش ۱۲۳ من کجاست؟"), Some(Language::Persian));
    /// assert_eq!(Language::detect("Where is my order 123?"), Some(Language::English));
    /// assert_eq!(Language::detect("123 ?!"), None);
    /// ```
    pub fn detect(text: &str) -> Option<Language> {
        let (mut arabic, mut latin) = (0usize, 0usize);
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            if is_arabic_script(c) {
                arabic += 1;
            } else if is_latin(c) {
                latin += 1;
            }
        }
        match (arabic, latin) {
            (0, 0) => None,
            (a, l) if a >= l => Some(Language::Persian),
            _ => Some(Language::English),
        }
    }

    /// Whether the language is written right to left (Persian).
    pub fn is_rtl(self) -> bool {
        matches!(self, Language::Persian)
    }
}

/// Letters of the Arabic script blocks (Arabic, Arabic Supplement, Arabic Extended-A and the
/// presentation forms).
fn is_arabic_script(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
}

/// Latin letters: ASCII, Latin-1 Supplement, Latin Extended-A/B and Additional.
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_ignore_case_and_region() {
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.tag()), Some(language));
        }
        assert_eq!(Language::from_tag("Fa-ir"), Some(Language::Persian));
        assert_eq!(Language::from_tag("en_US"), Some(Language::English));
        assert_eq!(Language::from_tag(" fa "), Some(Language::Persian));
        assert_eq!(Language::from_tag("far"), None);
        assert_eq!(Language::from_tag(""), None);
        assert_eq!(Language::from_tag("ar"), None);
    }

    #[test]
    fn detect_counts_script_letters() {
        assert_eq!(Language::detect("درود بر شما"), Some(Language::Persian));
        assert_eq!(Language::detect("Hello there"), Some(Language::English));
        // Arabic-script letters outweigh a Latin product name, and the reverse.
        assert_eq!(
            Language::detect("گوشی iPhone من خراب شده است"),
            Some(Language::Persian)
        );
        assert_eq!(
            Language::detect("My order #۱۲۳ from تهران never arrived"),
            Some(Language::English)
        );
        // Accented Latin is Latin.
        assert_eq!(
            Language::detect("Ça été très bien"),
            Some(Language::English)
        );
        // No letters, or letters of another script only.
        assert_eq!(Language::detect(""), None);
        assert_eq!(Language::detect("۱۲۳ 456 !?"), None);
        assert_eq!(Language::detect("Привет"), None);
    }

    #[test]
    fn direction_and_serde_form() {
        assert!(Language::Persian.is_rtl());
        assert!(!Language::English.is_rtl());
        assert_eq!(Language::default(), Language::English);
        assert_eq!(
            serde_json::to_value(Language::Persian).unwrap(),
            serde_json::json!("persian")
        );
        let back: Language = serde_json::from_value(serde_json::json!("english")).unwrap();
        assert_eq!(back, Language::English);
    }
}

//! Opt-out keywords: a customer who texts STOP (or لغو) withdraws consent to SMS.

use crate::normalize::normalize_text;

/// The words that, alone in an SMS, withdraw consent to SMS: the English ones carriers use,
/// and the Persian ones Iranian operators use (`لغو`, `لغو11`, `11`, `انصراف`).
const KEYWORDS: &[&str] = &[
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "لغو",
    "لغو11",
    "11",
    "انصراف",
];

/// True when `text` is an opt-out: one of the keywords alone, in any case, with Persian or
/// Arabic digits, spaces, ZWNJ or punctuation around or inside it.
///
/// ```
/// use crm_core::customer::is_opt_out;
/// assert!(is_opt_out(" STOP "));
/// assert!(is_opt_out("لغو ۱۱"));
/// assert!(!is_opt_out("please stop calling me at work"));
/// ```
pub fn is_opt_out(text: &str) -> bool {
    if text.chars().count() > 40 {
        return false;
    }
    let folded: String = normalize_text(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    KEYWORDS.contains(&folded.as_str())
}

#[cfg(test)]
mod tests {
    use super::is_opt_out;

    #[test]
    fn keywords_in_any_spelling() {
        for text in [
            "stop",
            "Stop!",
            "STOP",
            "  unsubscribe\n",
            "لغو",
            "لغو۱۱",
            "لغو 11",
            "۱۱",
            "انصراف",
        ] {
            assert!(is_opt_out(text), "{text:?}");
        }
    }

    #[test]
    fn sentences_are_not_opt_outs() {
        for text in [
            "",
            "stop by the shop tomorrow",
            "لغو سفارش شماره ۱۲",
            "111",
            "hello",
        ] {
            assert!(!is_opt_out(text), "{text:?}");
        }
    }
}

//! Search keys for names and free text, with Persian and Arabic spelling variants folded.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// Normalises text (a name, a company, a search query) into its search key.
///
/// Two spellings that a reader would call "the same word" get the same key: Arabic and
/// Persian letter variants, presentation forms, diacritics, tatweel, ZWNJ, digit scripts,
/// letter case and spacing do not matter. The key is meant for comparison and indexing, not
/// for display.
///
/// Steps, in this order:
///
/// 1. **NFKD**: compatibility decomposition. Folds Arabic presentation forms
///    (U+FB50–U+FDFF, U+FE70–U+FEFF: `ﻙ` → `ك`), full-width Latin (`Ａ` → `A`), ligatures, and
///    splits letters from their marks (`é` → `e` + U+0301, `أ` → `ا` + U+0654,
///    `ئ` → `ي` + U+0654).
/// 2. **Lower-case**, character by character (no context rules such as Greek final sigma).
/// 3. **Remove** marks and invisible characters: Latin combining marks U+0300–U+036F, Arabic
///    marks U+0610–U+061A, U+064B–U+065F, U+0670, U+06D6–U+06ED, tatweel U+0640, soft hyphen
///    U+00AD, the Arabic letter mark U+061C, U+200B–U+200F (ZWSP, ZWNJ, ZWJ, LRM, RLM),
///    U+202A–U+202E, U+2060, U+2066–U+2069 and the BOM U+FEFF.
/// 4. **Fold letters**: `ي` U+064A and `ى` U+0649 → `ی` U+06CC; `ك` U+0643 → `ک` U+06A9;
///    `ة` U+0629, `ە` U+06D5, `ہ` U+06C1 and `ۀ` U+06C0 → `ه` U+0647.
/// 5. **Digits**: Persian (U+06F0–U+06F9) and Arabic-Indic (U+0660–U+0669) → ASCII.
/// 6. **Whitespace**: every run of Unicode whitespace becomes one ASCII space; leading and
///    trailing whitespace is dropped.
/// 7. **NFC**.
///
/// Removal (3) comes after lower-casing (2) because lower-casing can produce combining marks
/// (`İ` → `i` + U+0307), and before whitespace handling (6) because removing an invisible
/// character can make two spaces adjacent. NFC is last, so the key is composed; running the
/// steps again decomposes it and arrives at the same key, which makes the function
/// idempotent for every string (`normalize_text(&normalize_text(x)) == normalize_text(x)`).
///
/// Removing ZWNJ joins the parts of a Persian compound: `می‌خواهم` and `میخواهم` share a key.
///
/// # Examples
///
/// ```
/// use crm_core::normalize::normalize_text;
///
/// assert_eq!(normalize_text("علي"), normalize_text("علی"));
/// assert_eq!(normalize_text("كتاب"), "کتاب");
/// assert_eq!(normalize_text("مـــحمد"), "محمد");
/// assert_eq!(normalize_text("می‌خواهم"), "میخواهم");
/// assert_eq!(normalize_text("  JOSÉ  García "), "jose garcia");
/// assert_eq!(normalize_text("۱۲۳"), "123");
/// ```
pub fn normalize_text(input: &str) -> String {
    let mut folded = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfkd().flat_map(char::to_lowercase) {
        if is_removed(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !folded.is_empty() {
            folded.push(' ');
        }
        pending_space = false;
        folded.push(fold(c));
    }
    folded.nfc().collect()
}

/// Splits text into distinct search tokens.
///
/// The text is normalised with [`normalize_text`], split at every character that is not
/// alphanumeric (`char::is_alphanumeric`: spaces, punctuation, hyphens, ...), empty pieces
/// are dropped and duplicates removed, keeping the order of first occurrence.
///
/// # Examples
///
/// ```
/// use crm_core::normalize::search_tokens;
///
/// assert_eq!(
///     search_tokens("Ali Rezaei-Tehrani, علي‌رضا"),
///     ["ali", "rezaei", "tehrani", "علیرضا"],
/// );
/// assert_eq!(search_tokens("Ali ali ALI"), ["ali"]);
/// assert!(search_tokens(" - ").is_empty());
/// ```
pub fn search_tokens(input: &str) -> Vec<String> {
    let key = normalize_text(input);
    let mut seen = HashSet::new();
    key.split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty() && seen.insert(*token))
        .map(str::to_owned)
        .collect()
}

/// Characters dropped from search keys: combining marks and invisible formatting.
fn is_removed(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06ED}'
            | '\u{0640}'
            | '\u{00AD}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Letter and digit folding (steps 4 and 5 of [`normalize_text`]).
fn fold(c: char) -> char {
    match c {
        '\u{064A}' | '\u{0649}' => '\u{06CC}',
        '\u{0643}' => '\u{06A9}',
        '\u{0629}' | '\u{06D5}' | '\u{06C1}' | '\u{06C0}' => '\u{0647}',
        '\u{06F0}'..='\u{06F9}' => ascii_digit(c, '\u{06F0}'),
        '\u{0660}'..='\u{0669}' => ascii_digit(c, '\u{0660}'),
        c => c,
    }
}

/// The ASCII digit for `c`, a digit of the script whose zero is `zero`.
fn ascii_digit(c: char, zero: char) -> char {
    u32::from(c)
        .checked_sub(u32::from(zero))
        .and_then(|offset| char::from_digit(offset, 10))
        .unwrap_or(c)
}

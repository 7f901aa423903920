//! Social network handles (Telegram, Instagram, X, ...).

use super::{NormalizeError, trim_contact};

/// Longest handle accepted, in characters.
const MAX_LEN: usize = 64;

/// Normalises a social network handle (Telegram, Instagram, X, ...) into its identity key.
///
/// Trims Unicode whitespace and invisible marks (bidi marks, ZWNJ/ZWJ, BOM) from both ends,
/// strips **one** leading `@`, lower-cases, and then requires 1 to 64 characters of
/// `[a-z0-9._]`. Lower-casing is Unicode lower-casing, so the result must be ASCII *after*
/// it (the Kelvin sign `K` becomes `k` and is accepted; `İ` is not).
///
/// # Errors
///
/// [`NormalizeError::Empty`] when nothing is left after trimming,
/// [`NormalizeError::Handle`] (with the reason) for a bare `@`, a forbidden character or
/// more than 64 characters.
///
/// The function is idempotent: a returned key normalises to itself.
///
/// # Examples
///
/// ```
/// use crm_core::normalize::{normalize_handle, NormalizeError};
///
/// assert_eq!(normalize_handle(" @Ali_Rezaei.90 ").unwrap(), "ali_rezaei.90");
/// assert_eq!(normalize_handle("ali_rezaei.90").unwrap(), "ali_rezaei.90");
/// assert!(matches!(normalize_handle("@@ali"), Err(NormalizeError::Handle(_))));
/// assert!(matches!(normalize_handle("علی"), Err(NormalizeError::Handle(_))));
/// assert_eq!(normalize_handle("  "), Err(NormalizeError::Empty));
/// ```
pub fn normalize_handle(input: &str) -> Result<String, NormalizeError> {
    let trimmed = trim_contact(input);
    if trimmed.is_empty() {
        return Err(NormalizeError::Empty);
    }
    let body = trimmed.strip_prefix('@').unwrap_or(trimmed);
    if body.is_empty() {
        return Err(invalid("nothing after '@'".to_owned()));
    }
    let key = body.to_lowercase();
    if let Some(bad) = key
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_'))
    {
        return Err(invalid(format!(
            "character {bad:?} is not allowed; use letters a-z, digits, '.' and '_'"
        )));
    }
    // All ASCII from here on, so bytes are characters.
    if key.len() > MAX_LEN {
        return Err(invalid(format!("longer than {MAX_LEN} characters")));
    }
    Ok(key)
}

fn invalid(reason: String) -> NormalizeError {
    NormalizeError::Handle(reason)
}

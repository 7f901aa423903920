//! Input limits and text checks applied before anything is stored.

use crate::error::{Error, Result};

/// Longest name (given, family, organisation, staff, department), in characters.
pub const MAX_NAME: usize = 200;
/// Most contact points on one customer.
pub const MAX_CONTACTS: usize = 50;
/// Longest contact point value, in characters.
pub const MAX_CONTACT_VALUE: usize = 320;
/// Longest label or tag, in characters.
pub const MAX_LABEL: usize = 64;
/// Most tags on one customer.
pub const MAX_TAGS: usize = 50;
/// Most custom fields on one customer.
pub const MAX_FIELDS: usize = 100;
/// Longest custom field name, in characters.
pub const MAX_FIELD_NAME: usize = 64;
/// Longest custom text field value, in characters.
pub const MAX_FIELD_TEXT: usize = 4096;
/// Most occasions on one customer.
pub const MAX_OCCASIONS: usize = 20;
/// Longest interaction subject, in characters.
pub const MAX_SUBJECT: usize = 1000;
/// Longest interaction body, in characters.
pub const MAX_BODY: usize = 100_000;
/// Longest external message id, in characters.
pub const MAX_EXTERNAL_ID: usize = 256;
/// Most attachments on one interaction.
pub const MAX_ATTACHMENTS: usize = 50;
/// Longest search query, in characters.
pub const MAX_QUERY: usize = 200;

/// Checks a single-line text: at most `max` characters, no control characters.
///
/// # Errors
/// [`Error::Invalid`] for `field`.
pub fn line(field: &str, value: &str, max: usize) -> Result<()> {
    check(field, value, max, false)
}

/// Checks a multi-line text: at most `max` characters, no control characters but newline,
/// carriage return and tab.
///
/// # Errors
/// [`Error::Invalid`] for `field`.
pub fn text(field: &str, value: &str, max: usize) -> Result<()> {
    check(field, value, max, true)
}

/// Checks a required single-line text: like [`line()`], and not blank.
///
/// # Errors
/// [`Error::Invalid`] for `field`.
pub fn required(field: &str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    line(field, value, max)
}

/// Checks a count of items.
///
/// # Errors
/// [`Error::Invalid`] for `field` when over `max`.
pub fn count(field: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(Error::invalid(
            field,
            format!("at most {max} allowed, got {n}"),
        ));
    }
    Ok(())
}

fn check(field: &str, value: &str, max: usize, multiline: bool) -> Result<()> {
    let len = value.chars().count();
    if len > max {
        return Err(Error::invalid(
            field,
            format!("longer than {max} characters ({len})"),
        ));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if let Some(c) = value.chars().find(|c| c.is_control() && !allowed(*c)) {
        return Err(Error::invalid(
            field,
            format!("control character U+{:04X}", c as u32),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_text_keeps_newlines() {
        assert!(line("name", "Ali\u{7}", 10).is_err());
        assert!(line("name", "a\nb", 10).is_err());
        assert!(text("body", "a\nb\tc", 10).is_ok());
        assert!(text("body", "a\u{1b}[31m", 10).is_err());
        assert!(line("name", "علی‌رضا", 10).is_ok());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(line("name", "ییی", 3).is_ok());
        assert!(line("name", "یییی", 3).is_err());
        assert!(required("name", "  ", 3).is_err());
    }
}

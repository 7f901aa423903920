//! Normalisation of contact points and text: one canonical key per email address, phone
//! number, social network handle and search term.
//!
//! Identity resolution (finding the customer behind an incoming message) compares these
//! keys, never the raw input: `" Ali@Example.COM "` and `"ali@example.com"` are the same
//! customer, and so are `"۰۹۱۲ ۱۲۳ ۴۵۶۷"` and `"+98 912 123 4567"`.
//!
//! | input            | function                | key                                  |
//! |------------------|-------------------------|--------------------------------------|
//! | email address    | [`normalize_email`]     | lower-case, NFC, IDNA-encoded domain |
//! | phone number     | [`normalize_phone`]     | E.164, e.g. `+989121234567`          |
//! | handle           | [`normalize_handle`]    | lower-case `[a-z0-9._]{1,64}`        |
//! | names, free text | [`normalize_text`]      | folded Persian/Arabic/Latin text     |
//! | search input     | [`search_tokens`]       | the words of [`normalize_text`]      |
//!
//! Every function is idempotent: feeding a key back in returns the same key. None of them
//! panics, whatever the input.

mod email;
mod handle;
mod name_match;
mod phone;
mod text;

pub use email::normalize_email;
pub use handle::normalize_handle;
pub use name_match::{MAX_JOINED_WORDS, name_tokens, query_tokens, tokens_match};
pub use phone::{Region, normalize_phone};
pub use text::{normalize_text, search_tokens};

/// Why a contact point could not be normalised.
///
/// The `String` carried by the `Email`, `Phone` and `Handle` variants is a short, human
/// readable reason (in English) meant for logs and validation messages; its wording is not
/// part of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The input was empty, or held only whitespace and invisible formatting characters.
    #[error("empty")]
    Empty,
    /// The input is not a usable email address; the text says why.
    #[error("not an email address: {0}")]
    Email(String),
    /// The input is not a valid phone number; the text says why.
    #[error("not a phone number: {0}")]
    Phone(String),
    /// The input is not a valid social network handle; the text says why.
    #[error("not a handle: {0}")]
    Handle(String),
}

/// Invisible characters that copy-paste from right-to-left text leaves around contact
/// points: bidi marks and embeddings/isolates (U+061C, U+200E, U+200F, U+202A–U+202E,
/// U+2066–U+2069), ZWNJ/ZWJ (U+200C, U+200D) and the byte order mark (U+FEFF).
fn is_invisible_mark(c: char) -> bool {
    is_bidi_mark(c) || matches!(c, '\u{200C}' | '\u{200D}')
}

/// Bidi marks, embeddings, overrides and isolates, plus the byte order mark.
fn is_bidi_mark(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `input` without leading and trailing Unicode whitespace and invisible marks.
fn trim_contact(input: &str) -> &str {
    input.trim_matches(|c: char| c.is_whitespace() || is_invisible_mark(c))
}

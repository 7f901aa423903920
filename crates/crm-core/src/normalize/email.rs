//! Email addresses: one canonical key per mailbox.

use email_address::{EmailAddress, Options};
use unicode_normalization::UnicodeNormalization;

use super::{NormalizeError, is_bidi_mark, trim_contact};

/// Longest key accepted, in bytes (the path limit of RFC 5321 minus the angle brackets).
const MAX_LEN: usize = 254;

/// Normalises an email address into its identity key.
///
/// Steps, in order:
///
/// 1. Trim Unicode whitespace, bidi marks (U+061C, U+200E, U+200F, U+202A–U+202E,
///    U+2066–U+2069), ZWNJ/ZWJ and the BOM from both ends. Bidi marks and the BOM are also
///    removed inside the address: they are never part of an address, and copy-paste from
///    right-to-left text scatters them around the `@`.
/// 2. Reject display forms (`Ali <ali@example.com>`): any `<` or `>`, and any whitespace
///    left inside the address, is an error.
/// 3. Unicode NFC.
/// 4. Split at the **last** `@`. The local part is lower-cased (Unicode) and re-composed to
///    NFC; the domain goes through IDNA ([`idna::domain_to_ascii`]), which lower-cases it and
///    encodes non-ASCII labels as Punycode (`bücher.de` → `xn--bcher-kva.de`).
/// 5. Validate the result with [`email_address`]: no display text, no domain literals
///    (`user@[10.0.0.1]`), at least two domain labels (`user@localhost` is refused), local part
///    at most 64 bytes, whole key at most 254 bytes.
///
/// Lower-casing the local part is a deliberate choice for identity resolution: mail systems
/// almost never treat `Ali@` and `ali@` as different mailboxes, while customers type both.
///
/// # Errors
///
/// [`NormalizeError::Empty`] when nothing is left after trimming,
/// [`NormalizeError::Email`] (with the reason) for anything that is not a plain address.
///
/// The function is idempotent: a returned key normalises to itself.
///
/// # Examples
///
/// ```
/// use crm_core::normalize::{normalize_email, NormalizeError};
///
/// assert_eq!(normalize_email("  Ali.Rezaei@Example.COM ").unwrap(), "ali.rezaei@example.com");
/// assert_eq!(normalize_email("user@Bücher.de").unwrap(), "user@xn--bcher-kva.de");
/// assert_eq!(normalize_email("علی@مثال.ایران").unwrap(), "علی@xn--mgbh0fb.xn--mgba3a4f16a");
/// assert!(matches!(normalize_email("Ali <ali@example.com>"), Err(NormalizeError::Email(_))));
/// assert_eq!(normalize_email(" \u{200F} "), Err(NormalizeError::Empty));
/// ```
pub fn normalize_email(input: &str) -> Result<String, NormalizeError> {
    let trimmed = trim_contact(input);
    if trimmed.is_empty() {
        return Err(NormalizeError::Empty);
    }
    if trimmed.contains(['<', '>']) {
        return Err(invalid(
            "display forms such as `Name <address>` are not accepted; give the bare address",
        ));
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err(invalid("contains whitespace"));
    }
    let composed: String = trimmed
        .chars()
        .filter(|c| !is_bidi_mark(*c))
        .nfc()
        .collect();
    let Some((local, domain)) = composed.rsplit_once('@') else {
        return Err(invalid("missing '@'"));
    };
    if local.is_empty() {
        return Err(invalid("nothing before '@'"));
    }
    if domain.is_empty() {
        return Err(invalid("nothing after '@'"));
    }
    if domain.starts_with('[') {
        return Err(invalid(
            "domain literals such as `[10.0.0.1]` are not accepted",
        ));
    }
    let local: String = local.to_lowercase().nfc().collect();
    let domain = idna::domain_to_ascii(domain)
        .map_err(|_| invalid("the domain is not a valid (internationalised) domain name"))?;
    let key = format!("{local}@{domain}");
    if key.len() > MAX_LEN {
        return Err(invalid("longer than 254 bytes"));
    }
    let options = Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld();
    EmailAddress::parse_with_options(&key, options)
        .map_err(|e| NormalizeError::Email(e.to_string()))?;
    Ok(key)
}

fn invalid(reason: &str) -> NormalizeError {
    NormalizeError::Email(reason.to_owned())
}

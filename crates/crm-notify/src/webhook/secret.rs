//! Signing secrets: `whsec_` followed by the base64 of the key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard base64 that reads keys with or without padding (as receivers do).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A webhook signing secret, written `whsec_<base64 of the key>` (the form the receiver is
/// given). `Debug` never shows it.
///
/// ```
/// use crm_notify::webhook::Secret;
///
/// let secret: Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse().unwrap();
/// assert_eq!(format!("{secret:?}"), "Secret(***)");
/// assert!("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".parse::<Secret>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a text is not a signing secret (the text itself is never repeated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// It does not start with `whsec_`.
    #[error("a webhook secret starts with whsec_")]
    Prefix,
    /// What follows `whsec_` is not base64, or is empty.
    #[error("a webhook secret is whsec_ followed by the base64 of a non-empty key")]
    Key,
}

impl Secret {
    /// The prefix of the written form.
    pub const PREFIX: &'static str = "whsec_";

    /// Reads `whsec_<base64>`.
    ///
    /// # Errors
    /// [`SecretError`] when the prefix is missing or the key is not non-empty base64.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(Self::PREFIX)
            .ok_or(SecretError::Prefix)?;
        let key = LENIENT.decode(encoded).map_err(|_| SecretError::Key)?;
        if key.is_empty() {
            return Err(SecretError::Key);
        }
        Ok(Self { key })
    }

    /// A secret with the raw `key` bytes.
    ///
    /// # Errors
    /// [`SecretError::Key`] for an empty key.
    pub fn from_key(key: &[u8]) -> Result<Self, SecretError> {
        if key.is_empty() {
            return Err(SecretError::Key);
        }
        Ok(Self { key: key.to_vec() })
    }

    /// The written form, `whsec_<base64>`, to give to the receiver.
    pub fn expose(&self) -> String {
        format!("{}{}", Self::PREFIX, STANDARD.encode(&self.key))
    }

    /// The key the HMAC is computed with.
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }
}

impl std::str::FromStr for Secret {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

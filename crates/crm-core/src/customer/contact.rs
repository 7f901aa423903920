//! Contact points and their canonical keys.

use crate::channel::{SocialNetwork, UnknownName};
use crate::error::{Error, Result};
use crate::normalize::{
    Region, normalize_email, normalize_handle, normalize_phone, normalize_text,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of a contact point.
///
/// String form (`email`, `mobile`, `social:telegram`, ...) is stable: it is what stores keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
#[non_exhaustive]
pub enum ContactKind {
    /// An email address.
    Email,
    /// A mobile phone number.
    Mobile,
    /// A landline phone number.
    Phone,
    /// A fax number.
    Fax,
    /// A handle on a social network (for WhatsApp: a phone number).
    Social(SocialNetwork),
    /// A postal address.
    PostalAddress,
    /// A web site.
    Website,
}

impl ContactKind {
    /// Every kind, in a fixed order.
    pub fn all() -> impl Iterator<Item = ContactKind> {
        [Self::Email, Self::Mobile, Self::Phone, Self::Fax]
            .into_iter()
            .chain(SocialNetwork::ALL.into_iter().map(Self::Social))
            .chain([Self::PostalAddress, Self::Website])
    }

    /// Whether a contact point of this kind identifies one customer: its canonical key belongs
    /// to at most one customer per workspace.
    ///
    /// Emails, phone numbers and social handles do. Postal addresses and web sites do not:
    /// a household or the staff of one company share them, so they are normalised (for
    /// display and look-up) but never claimed.
    pub fn is_identifying(self) -> bool {
        !matches!(self, Self::PostalAddress | Self::Website)
    }
}

impl fmt::Display for ContactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Email => f.write_str("email"),
            Self::Mobile => f.write_str("mobile"),
            Self::Phone => f.write_str("phone"),
            Self::Fax => f.write_str("fax"),
            Self::Social(n) => write!(f, "social:{}", n.as_str()),
            Self::PostalAddress => f.write_str("address"),
            Self::Website => f.write_str("website"),
        }
    }
}

impl FromStr for ContactKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::all()
            .find(|k| k.to_string() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

impl From<ContactKind> for String {
    fn from(k: ContactKind) -> String {
        k.to_string()
    }
}

impl TryFrom<String> for ContactKind {
    type Error = UnknownName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// One way to reach a customer, as entered and in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    /// What kind of contact point this is.
    pub kind: ContactKind,
    /// The value as entered (trimmed), for display.
    pub value: String,
    /// The canonical key: equal for every spelling of the same contact point, e.g.
    /// `email:ali@example.com`, `tel:+989121234567`, `telegram:ali_r`.
    pub key: String,
    /// An optional label ("work", "home", ...).
    #[serde(default)]
    pub label: Option<String>,
}

impl ContactPoint {
    /// Normalises `value` as a contact point of `kind`, reading national phone numbers in
    /// `region`.
    ///
    /// # Errors
    /// [`Error::Invalid`] with field `contact.<kind>` when the value is not a valid contact
    /// point of that kind.
    pub fn parse(
        kind: ContactKind,
        value: &str,
        label: Option<String>,
        region: Region,
    ) -> Result<Self> {
        let key = canonical_key(kind, value, region)?;
        Ok(Self {
            kind,
            value: value.trim().to_owned(),
            key,
            label,
        })
    }
}

/// The canonical key of a contact point of `kind` written as `value`.
///
/// # Errors
/// [`Error::Invalid`] when `value` is not a valid contact point of that kind.
pub fn canonical_key(kind: ContactKind, value: &str, region: Region) -> Result<String> {
    let field = || format!("contact.{kind}");
    let invalid = |e: crate::normalize::NormalizeError| Error::invalid(field(), e.to_string());
    Ok(match kind {
        ContactKind::Email => format!("email:{}", normalize_email(value).map_err(invalid)?),
        ContactKind::Mobile | ContactKind::Phone | ContactKind::Fax => {
            format!("tel:{}", normalize_phone(value, region).map_err(invalid)?)
        }
        ContactKind::Social(SocialNetwork::WhatsApp) => {
            format!(
                "whatsapp:{}",
                normalize_phone(value, region).map_err(invalid)?
            )
        }
        ContactKind::Social(network) => {
            format!(
                "{}:{}",
                network.as_str(),
                normalize_handle(value).map_err(invalid)?
            )
        }
        ContactKind::PostalAddress => {
            let text = normalize_text(value);
            if text.is_empty() {
                return Err(Error::invalid(field(), "empty"));
            }
            format!("address:{text}")
        }
        ContactKind::Website => format!(
            "web:{}",
            normalize_website(value)
                .ok_or_else(|| { Error::invalid(field(), "not a web address") })?
        ),
    })
}

/// `https://WWW.Example.com/Shop/` → `example.com/Shop`: scheme, `www.` and trailing `/`
/// dropped, host lower-cased and IDNA-encoded.
fn normalize_website(value: &str) -> Option<String> {
    let v = value.trim();
    let v = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .or_else(|| v.strip_prefix("HTTPS://"))
        .or_else(|| v.strip_prefix("HTTP://"))
        .unwrap_or(v);
    let (host, path) = v.split_once('/').map_or((v, ""), |(h, p)| (h, p));
    let host = idna::domain_to_ascii(host).ok()?;
    let host = host.strip_prefix("www.").unwrap_or(&host);
    if host.is_empty() || !host.contains('.') || v.chars().any(char::is_whitespace) {
        return None;
    }
    let path = path.trim_end_matches('/');
    Some(if path.is_empty() {
        host.to_owned()
    } else {
        format!("{host}/{path}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn website_forms_share_a_key() {
        let key = |v| canonical_key(ContactKind::Website, v, Region::IR).unwrap();
        assert_eq!(key("https://WWW.Example.com/"), "web:example.com");
        assert_eq!(key("example.com"), "web:example.com");
        assert_eq!(key("http://example.com/Shop/"), "web:example.com/Shop");
        assert!(canonical_key(ContactKind::Website, "not a site", Region::IR).is_err());
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in ContactKind::all() {
            assert_eq!(kind.to_string().parse::<ContactKind>(), Ok(kind));
        }
    }
}

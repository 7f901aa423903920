//! Channels a customer is reached on, and social networks.

use std::fmt;
use std::str::FromStr;

/// A social network or messenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SocialNetwork {
    /// Telegram.
    Telegram,
    /// WhatsApp (its handles are phone numbers).
    WhatsApp,
    /// Instagram.
    Instagram,
    /// X (Twitter).
    X,
    /// LinkedIn.
    LinkedIn,
    /// Facebook.
    Facebook,
    /// Bale (بله).
    Bale,
    /// Eitaa (ایتا).
    Eitaa,
    /// Rubika (روبیکا).
    Rubika,
}

impl SocialNetwork {
    /// Every network, in a fixed order.
    pub const ALL: [SocialNetwork; 9] = [
        Self::Telegram,
        Self::WhatsApp,
        Self::Instagram,
        Self::X,
        Self::LinkedIn,
        Self::Facebook,
        Self::Bale,
        Self::Eitaa,
        Self::Rubika,
    ];

    /// The stable lower-case name used in keys and storage, e.g. `telegram`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::WhatsApp => "whatsapp",
            Self::Instagram => "instagram",
            Self::X => "x",
            Self::LinkedIn => "linkedin",
            Self::Facebook => "facebook",
            Self::Bale => "bale",
            Self::Eitaa => "eitaa",
            Self::Rubika => "rubika",
        }
    }
}

impl FromStr for SocialNetwork {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|n| n.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

/// A name that is not one of the known values of an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name: {0:?}")]
pub struct UnknownName(pub String);

/// The channel an interaction happened on.
///
/// Its string form (`email`, `sms`, `social:telegram`, ...) is stable: it is what stores keep.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
#[non_exhaustive]
pub enum Channel {
    /// Email.
    Email,
    /// SMS text message.
    Sms,
    /// A phone call.
    PhoneCall,
    /// Fax.
    Fax,
    /// A paper letter.
    Letter,
    /// A social network or messenger.
    Social(SocialNetwork),
    /// A contact form on a web site.
    WebForm,
    /// Live chat.
    Chat,
    /// A visit in person.
    InPerson,
}

impl Channel {
    /// Every channel, in a fixed order.
    pub fn all() -> impl Iterator<Item = Channel> {
        [
            Self::Email,
            Self::Sms,
            Self::PhoneCall,
            Self::Fax,
            Self::Letter,
        ]
        .into_iter()
        .chain(SocialNetwork::ALL.into_iter().map(Self::Social))
        .chain([Self::WebForm, Self::Chat, Self::InPerson])
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Email => f.write_str("email"),
            Self::Sms => f.write_str("sms"),
            Self::PhoneCall => f.write_str("phone_call"),
            Self::Fax => f.write_str("fax"),
            Self::Letter => f.write_str("letter"),
            Self::Social(n) => write!(f, "social:{}", n.as_str()),
            Self::WebForm => f.write_str("web_form"),
            Self::Chat => f.write_str("chat"),
            Self::InPerson => f.write_str("in_person"),
        }
    }
}

impl FromStr for Channel {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::all()
            .find(|c| c.to_string() == s)
            .ok_or_else(|| UnknownName(s.to_owned()))
    }
}

impl From<Channel> for String {
    fn from(c: Channel) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for Channel {
    type Error = UnknownName;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

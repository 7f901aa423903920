//! Why a deal was lost: a typed reason, required to lose one.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Why a deal was lost. Reasons that need a detail carry it, and it must not be blank.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LostReason {
    /// Too expensive.
    Price,
    /// Went to a competitor.
    Competitor {
        /// The competitor's name.
        name: String,
    },
    /// No suitable product, or a need we could not meet.
    UnmetNeed {
        /// What was needed.
        needed: String,
    },
    /// Quality (of the product or the service).
    Quality,
    /// Not now.
    Timing,
    /// No decision was made.
    NoDecision,
    /// Something else.
    Other {
        /// What.
        text: String,
    },
}

impl LostReason {
    /// The stable snake_case name of the kind of reason (`competitor`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Price => "price",
            Self::Competitor { .. } => "competitor",
            Self::UnmetNeed { .. } => "unmet_need",
            Self::Quality => "quality",
            Self::Timing => "timing",
            Self::NoDecision => "no_decision",
            Self::Other { .. } => "other",
        }
    }

    /// The reason named `kind` with `detail` (the competitor, what was needed, the text).
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `lost_reason`) for an unknown kind or a missing detail.
    pub fn parse(kind: &str, detail: Option<&str>) -> Result<Self> {
        let detail = || detail.unwrap_or("").trim().to_owned();
        let reason = match kind.trim() {
            "price" => Self::Price,
            "competitor" => Self::Competitor { name: detail() },
            "unmet_need" | "no_product" => Self::UnmetNeed { needed: detail() },
            "quality" => Self::Quality,
            "timing" => Self::Timing,
            "no_decision" => Self::NoDecision,
            "other" => Self::Other { text: detail() },
            other => {
                return Err(Error::invalid(
                    "lost_reason",
                    format!(
                        "{other:?}: one of price, competitor, unmet_need, quality, timing, no_decision, other"
                    ),
                ));
            }
        };
        reason.validate()?;
        Ok(reason)
    }

    /// The detail, if the kind has one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Competitor { name } => Some(name),
            Self::UnmetNeed { needed } => Some(needed),
            Self::Other { text } => Some(text),
            _ => None,
        }
    }

    /// Checks the detail: present (not blank) where the kind needs one, one line of at most
    /// [`crate::limits::MAX_NAME`] characters.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `lost_reason`).
    pub fn validate(&self) -> Result<()> {
        match self.detail() {
            Some(detail) => crate::limits::required(
                &format!("lost_reason.{}", self.kind()),
                detail,
                crate::limits::MAX_NAME,
            ),
            None => Ok(()),
        }
    }
}

impl std::fmt::Display for LostReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.detail() {
            Some(detail) => write!(f, "{}: {detail}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_that_need_a_detail_refuse_a_blank_one() {
        assert!(LostReason::parse("competitor", None).is_err());
        assert!(LostReason::parse("competitor", Some("  ")).is_err());
        assert_eq!(
            LostReason::parse("competitor", Some("Pars Co")).unwrap(),
            LostReason::Competitor {
                name: "Pars Co".into()
            }
        );
        assert!(LostReason::parse("other", None).is_err());
        assert!(LostReason::parse("unmet_need", Some("")).is_err());
        assert_eq!(LostReason::parse("price", None).unwrap(), LostReason::Price);
        assert!(LostReason::parse("bad luck", None).is_err());
    }
}

//! Voucher codes: unique and single-use, issued when a voucher reward is redeemed.

use crate::error::{Error, Result};
use crate::id::{CardId, HoldId, RewardId, VoucherId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The letters of voucher codes: digits and capitals without 0, 1, I, L, O, U (nothing to
/// misread or misspell).
pub const VOUCHER_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of a voucher code.
pub const VOUCHER_LEN: usize = 10;

/// A voucher code issued to a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// The id.
    pub id: VoucherId,
    /// Optimistic version.
    pub version: u64,
    /// The code (claims `club-voucher:` plus the code).
    pub code: String,
    /// The reward.
    pub reward: RewardId,
    /// The card it was issued to.
    pub card: CardId,
    /// The captured hold that paid for it.
    pub hold: HoldId,
    /// When issued.
    pub issued_at: DateTime<Utc>,
    /// When used (once).
    #[serde(default)]
    pub used_at: Option<DateTime<Utc>>,
}

impl Voucher {
    /// The unique key of `code`.
    pub fn code_key(code: &str) -> String {
        format!("club-voucher:{code}")
    }

    /// A code from random bits.
    pub fn code_from(mut bits: u128) -> String {
        let n = VOUCHER_ALPHABET.len() as u128;
        (0..VOUCHER_LEN)
            .map(|_| {
                let c = VOUCHER_ALPHABET[usize::try_from(bits % n).unwrap_or(0)];
                bits /= n;
                char::from(c)
            })
            .collect()
    }

    /// Reads a typed code: upper-cased, spaces and hyphens dropped.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a character outside [`VOUCHER_ALPHABET`] or a wrong length.
    pub fn parse_code(typed: &str) -> Result<String> {
        let code: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.len() != VOUCHER_LEN || !code.bytes().all(|b| VOUCHER_ALPHABET.contains(&b)) {
            return Err(Error::invalid("voucher.code", "not a voucher code"));
        }
        Ok(code)
    }
}

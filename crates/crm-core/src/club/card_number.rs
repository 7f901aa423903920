//! Card numbers: twelve digits, the last a Luhn check digit, typed in groups of four.
//!
//! Digits only, so nothing can be misread (no O/0, I/1); Persian and Arabic-Indic digits,
//! spaces and hyphens are accepted when typed, and any single mistyped digit or swap of two
//! neighbouring digits is caught by the check digit.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Digits of a card number, the check digit included.
pub const CARD_DIGITS: usize = 12;

/// A valid card number (its check digit verified), kept as its digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardNumber(String);

impl CardNumber {
    /// The card number whose first eleven digits are `body` (0 to 10^11 - 1), with its check
    /// digit appended.
    ///
    /// # Errors
    /// [`Error::Invalid`] when `body` has more than eleven digits.
    pub fn from_body(body: u64) -> Result<Self> {
        if body >= 100_000_000_000 {
            return Err(Error::invalid("card.number", "eleven digits at most"));
        }
        let digits = format!("{body:011}");
        let check = luhn_check_digit(&digits);
        Ok(Self(format!("{digits}{check}")))
    }

    /// Reads a typed card number: Latin, Persian or Arabic-Indic digits, with any spaces or
    /// hyphens between them.
    ///
    /// # Errors
    /// [`Error::Invalid`] for another character, a wrong length or a wrong check digit.
    pub fn parse(typed: &str) -> Result<Self> {
        let mut digits = String::with_capacity(CARD_DIGITS);
        for c in typed.chars() {
            match c {
                ' ' | '-' | '\u{200c}' => {}
                '0'..='9' => digits.push(c),
                '۰'..='۹' => digits.push(shift(c, '۰')),
                '٠'..='٩' => digits.push(shift(c, '٠')),
                _ => return Err(Error::invalid("card.number", "digits only")),
            }
        }
        if digits.len() != CARD_DIGITS {
            return Err(Error::invalid(
                "card.number",
                format!("a card number has {CARD_DIGITS} digits"),
            ));
        }
        let (body, check) = digits.split_at(CARD_DIGITS - 1);
        if luhn_check_digit(body).to_string() != check {
            return Err(Error::invalid(
                "card.number",
                "the check digit does not match",
            ));
        }
        Ok(Self(digits))
    }

    /// The twelve digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number in groups of four (`6037 0000 0012`), for printing on a card.
    pub fn grouped(&self) -> String {
        let bytes = self.0.as_bytes();
        bytes
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The unique key a card claims with this number.
    pub fn key(&self) -> String {
        format!("club-card:{}", self.0)
    }
}

fn shift(c: char, zero: char) -> char {
    let offset = u32::from(c) - u32::from(zero);
    char::from_digit(offset, 10).unwrap_or('?')
}

/// The Luhn check digit of a string of ASCII digits.
fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
            if i % 2 == 0 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

impl TryFrom<String> for CardNumber {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value)
    }
}

impl From<CardNumber> for String {
    fn from(number: CardNumber) -> String {
        number.0
    }
}

impl std::fmt::Display for CardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.grouped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_catch_typing_mistakes() {
        for body in [0u64, 1, 60_370_000_001, 99_999_999_999, 12_345_678_901] {
            let n = CardNumber::from_body(body).unwrap();
            assert_eq!(CardNumber::parse(&n.grouped()).unwrap(), n);
            let digits: Vec<u8> = n.as_str().bytes().collect();
            // Every single-digit change is caught.
            for i in 0..CARD_DIGITS {
                for d in b'0'..=b'9' {
                    if d == digits[i] {
                        continue;
                    }
                    let mut wrong = digits.clone();
                    wrong[i] = d;
                    let wrong = String::from_utf8(wrong).unwrap();
                    assert!(CardNumber::parse(&wrong).is_err(), "{wrong} accepted");
                }
            }
            // Every swap of two different neighbours, except 0<->9, is caught.
            for i in 0..CARD_DIGITS - 1 {
                let (a, b) = (digits[i], digits[i + 1]);
                if a == b || (a, b) == (b'0', b'9') || (a, b) == (b'9', b'0') {
                    continue;
                }
                let mut wrong = digits.clone();
                wrong.swap(i, i + 1);
                let wrong = String::from_utf8(wrong).unwrap();
                assert!(CardNumber::parse(&wrong).is_err(), "{wrong} accepted");
            }
        }
        assert!(CardNumber::from_body(100_000_000_000).is_err());
    }

    #[test]
    fn persian_digits_and_separators_are_read() {
        let n = CardNumber::from_body(60_370_000_001).unwrap();
        let persian = crate::calendar::to_persian_digits(&n.grouped());
        assert_eq!(CardNumber::parse(&persian).unwrap(), n);
        let hyphens = n.grouped().replace(' ', "-");
        assert_eq!(CardNumber::parse(&hyphens).unwrap(), n);
        assert!(CardNumber::parse("6037 0000 001O").is_err());
        assert!(CardNumber::parse("").is_err());
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<CardNumber>(&json).unwrap(), n);
        let mut wrong = n.as_str().to_owned();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '9' { '0' } else { '9' });
        assert!(serde_json::from_str::<CardNumber>(&format!("\"{wrong}\"")).is_err());
    }
}

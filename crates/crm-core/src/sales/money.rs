//! Money: an exact decimal amount in an ISO 4217 currency.
//!
//! Amounts are [`rust_decimal::Decimal`], never floating point. Each currency has its number
//! of minor units (2 for the US dollar's cents, 0 for the Iranian rial, which has none in
//! use); an amount with more decimal places than its currency allows is refused. Rials can be
//! shown in toman (one toman is ten rials), as Iranians usually quote prices.

use crate::error::{Error, Result};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three upper-case ASCII letters (`IRR`, `USD`, `EUR`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

/// Currencies whose minor units differ from two (ISO 4217).
const MINOR_UNITS: &[(&str, u32)] = &[
    ("IRR", 0),
    ("JPY", 0),
    ("KRW", 0),
    ("VND", 0),
    ("CLP", 0),
    ("ISK", 0),
    ("IQD", 3),
    ("KWD", 3),
    ("BHD", 3),
    ("OMR", 3),
    ("JOD", 3),
    ("LYD", 3),
    ("TND", 3),
];

impl Currency {
    /// The Iranian rial.
    pub fn irr() -> Self {
        Self("IRR".to_owned())
    }

    /// The code `code` (case-insensitive, trimmed).
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `currency`) unless it is three ASCII letters.
    pub fn parse(code: &str) -> Result<Self> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(Error::invalid(
                "currency",
                format!("{code:?} is not an ISO 4217 code (three letters, e.g. IRR)"),
            ))
        }
    }

    /// The code, e.g. `IRR`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many decimal places amounts in this currency may have (0 for the rial).
    pub fn minor_units(&self) -> u32 {
        MINOR_UNITS
            .iter()
            .find(|(c, _)| *c == self.0)
            .map_or(2, |(_, units)| *units)
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount of money in one currency.
///
/// ```
/// use crm_core::sales::Money;
/// let price = Money::parse("12500000", "IRR")?;
/// assert_eq!(price.to_string(), "12500000 IRR");
/// assert_eq!(price.toman()?.to_string(), "1250000");
/// assert!(Money::parse("10.5", "IRR").is_err()); // the rial has no minor unit
/// assert_eq!(Money::parse("10.5", "usd")?.to_string(), "10.50 USD");
/// # Ok::<(), crm_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount (never more decimal places than the currency's minor units).
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// `amount` of `currency`, checked.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `amount`) for a negative amount or more decimal places than
    /// the currency has.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(Error::invalid("amount", "must not be negative"));
        }
        let units = currency.minor_units();
        if amount.normalize().scale() > units {
            return Err(Error::invalid(
                "amount",
                format!("{currency} has {units} decimal places, {amount} has more"),
            ));
        }
        Ok(Self { amount, currency })
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// Parses an amount (Persian digits and thousands separators allowed) and a currency
    /// code.
    ///
    /// # Errors
    /// [`Error::Invalid`] for text that is not a number, a bad code, or as [`Money::new`].
    pub fn parse(amount: &str, currency: &str) -> Result<Self> {
        let currency = Currency::parse(currency)?;
        let text: String = amount
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | '٬' | ' '))
            .map(ascii_digit)
            .collect();
        let amount: Decimal = text
            .parse()
            .map_err(|_| Error::invalid("amount", format!("{amount:?} is not a number")))?;
        Self::new(amount, currency)
    }

    /// The sum of `self` and `other`.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `currency`) when the currencies differ, or on overflow.
    pub fn checked_add(&self, other: &Money) -> Result<Money> {
        if self.currency != other.currency {
            return Err(Error::invalid(
                "currency",
                format!("cannot add {} to {}", other.currency, self.currency),
            ));
        }
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| Error::invalid("amount", "too large"))?;
        Ok(Money {
            amount,
            currency: self.currency.clone(),
        })
    }

    /// The amount in toman (rials / 10), for a rial amount.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `currency`) for another currency.
    pub fn toman(&self) -> Result<Decimal> {
        if self.currency.as_str() != "IRR" {
            return Err(Error::invalid("currency", "only rials convert to toman"));
        }
        Ok((self.amount / Decimal::TEN).normalize())
    }
}

/// `c` as an ASCII digit when it is a Persian or Arabic-Indic one.
fn ascii_digit(c: char) -> char {
    let zero = match c {
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        '\u{0660}'..='\u{0669}' => 0x0660,
        _ => return c,
    };
    char::from_digit(c as u32 - zero, 10).unwrap_or(c)
}

impl std::fmt::Display for Money {
    /// The amount with exactly the currency's decimal places, then the code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut amount = self.amount;
        amount.rescale(self.currency.minor_units());
        write!(f, "{amount} {}", self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_are_enforced_per_currency() {
        assert!(Money::parse("1000", "IRR").is_ok());
        assert!(Money::parse("1000.0", "IRR").is_ok());
        assert!(Money::parse("1000.5", "IRR").is_err());
        assert!(Money::parse("1.25", "USD").is_ok());
        assert!(Money::parse("1.255", "USD").is_err());
        assert!(Money::parse("1.255", "KWD").is_ok());
        assert!(Money::parse("-1", "USD").is_err());
        assert!(Money::parse("abc", "USD").is_err());
        assert!(Money::parse("1", "US").is_err());
        assert!(Money::parse("1", "U5D").is_err());
    }

    #[test]
    fn persian_digits_and_separators_are_read() {
        let m = Money::parse("۱۲٬۵۰۰٬۰۰۰", "irr").unwrap();
        assert_eq!(m.amount, Decimal::from(12_500_000));
        assert_eq!(m.toman().unwrap(), Decimal::from(1_250_000));
        assert!(Money::parse("5", "USD").unwrap().toman().is_err());
    }

    #[test]
    fn adding_checks_the_currency() {
        let a = Money::parse("10", "IRR").unwrap();
        let b = Money::parse("5", "IRR").unwrap();
        assert_eq!(a.checked_add(&b).unwrap().amount, Decimal::from(15));
        assert!(a.checked_add(&Money::parse("5", "USD").unwrap()).is_err());
    }
}

//! Phone numbers: E.164 keys, with Persian and Arabic-Indic digits understood.

use std::fmt::Write as _;
use std::str::FromStr;

use phonenumber::Mode;
use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;

use super::{NormalizeError, is_invisible_mark};

/// More digits than any dialable number has (E.164 allows 15, plus an `00` prefix); longer
/// input is refused before it reaches the parser.
const MAX_DIGITS: usize = 17;

/// ISO 3166 region used to read national phone numbers, e.g. `Region::IR`.
///
/// A number written without a country code (`0912 123 4567`) is read as a number of this
/// region. Only regions known to the phone number metadata can be constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(&'static str);

impl Region {
    /// Iran (`+98`), the default.
    pub const IR: Region = Region("IR");
    /// The United States (`+1`).
    pub const US: Region = Region("US");
    /// The United Kingdom (`+44`).
    pub const GB: Region = Region("GB");
    /// Germany (`+49`).
    pub const DE: Region = Region("DE");

    /// The region with this two-letter ISO 3166 code (any letter case), if the phone number
    /// metadata knows it.
    ///
    /// ```
    /// use crm_core::normalize::Region;
    ///
    /// assert_eq!(Region::parse("ir"), Some(Region::IR));
    /// assert_eq!(Region::parse("FR").map(|r| r.code()), Some("FR"));
    /// assert_eq!(Region::parse("XX"), None);
    /// assert_eq!(Region::parse("IRN"), None);
    /// ```
    pub fn parse(code: &str) -> Option<Region> {
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let upper = code.to_ascii_uppercase();
        Id::from_str(&upper).ok()?;
        // `DATABASE` is a static, so the id borrowed from it lives for `'static`.
        DATABASE.by_id(upper.as_str()).map(|meta| Region(meta.id()))
    }

    /// The upper-case two-letter ISO 3166 code, e.g. `"IR"`.
    pub fn code(&self) -> &'static str {
        self.0
    }

    fn id(self) -> Result<Id, NormalizeError> {
        Id::from_str(self.0)
            .map_err(|_| NormalizeError::Phone(format!("unknown region {}", self.0)))
    }
}

impl Default for Region {
    /// [`Region::IR`].
    fn default() -> Self {
        Region::IR
    }
}

/// Normalises a phone number into its E.164 identity key, e.g. `"+989121234567"`.
///
/// Steps, in order:
///
/// 1. Persian (U+06F0–U+06F9) and Arabic-Indic (U+0660–U+0669) digits become ASCII digits.
/// 2. Separators are dropped: Unicode whitespace (including NBSP), `-`, `.`, `(`, `)`, `/`,
///    bidi marks, ZWNJ/ZWJ and the BOM. One `+` is accepted before the first digit. Any other
///    character (letters, `*`, `#`, extensions such as `ext. 12`, ...) is an error.
/// 3. A leading `00` means `+` (`0098…` is `+98…`) whatever the region. For [`Region::IR`]
///    a leading `098` also means `+98` (a common Iranian spelling).
/// 4. The [`phonenumber`] crate parses the result. A national number is read with
///    `default_region`, so for Iran `09121234567`, `9121234567` (without the trunk `0`) and
///    landlines such as `021 8888 7777` work; a country code written without `+` is also
///    recognised when the national reading is impossible (`989121234567`). An international
///    number (`+…`, `00…`) is read with the rules of its own country, whatever
///    `default_region` is; a trunk `0` after the country code (`+98 (0) 912…`) is dropped.
/// 5. The number must be valid for its region (`phonenumber::is_valid`), not merely
///    possible; it is then formatted as E.164.
///
/// # Errors
///
/// [`NormalizeError::Empty`] when the input holds no digit and no `+`,
/// [`NormalizeError::Phone`] (with the reason) otherwise.
///
/// The function is idempotent: a returned key normalises to itself, with any region.
///
/// # Examples
///
/// ```
/// use crm_core::normalize::{normalize_phone, NormalizeError, Region};
///
/// assert_eq!(normalize_phone("۰۹۱۲ ۱۲۳ ۴۵۶۷", Region::IR).unwrap(), "+989121234567");
/// assert_eq!(normalize_phone("0098-912-123-4567", Region::IR).unwrap(), "+989121234567");
/// assert_eq!(normalize_phone("021 8888 7777", Region::IR).unwrap(), "+982188887777");
/// assert_eq!(normalize_phone("+1 650 253 0000", Region::IR).unwrap(), "+16502530000");
/// assert_eq!(normalize_phone("(650) 253-0000", Region::US).unwrap(), "+16502530000");
/// assert!(matches!(normalize_phone("0912abc4567", Region::IR), Err(NormalizeError::Phone(_))));
/// ```
pub fn normalize_phone(input: &str, default_region: Region) -> Result<String, NormalizeError> {
    let mut digits = String::with_capacity(input.len());
    let mut plus = false;
    for c in input.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '\u{06F0}'..='\u{06F9}' => digits.push(shift_digit(c, '\u{06F0}')),
            '\u{0660}'..='\u{0669}' => digits.push(shift_digit(c, '\u{0660}')),
            '+' if !plus && digits.is_empty() => plus = true,
            '+' => return Err(invalid("'+' is only allowed once, before the digits")),
            '-' | '.' | '(' | ')' | '/' => {}
            c if c.is_whitespace() || is_invisible_mark(c) => {}
            c => return Err(NormalizeError::Phone(format!("unexpected character {c:?}"))),
        }
        if digits.len() > MAX_DIGITS {
            return Err(invalid("too many digits"));
        }
    }
    if digits.is_empty() {
        return Err(if plus {
            invalid("no digits")
        } else {
            NormalizeError::Empty
        });
    }
    let mut international = plus;
    let mut national = digits.as_str();
    if !international {
        if let Some(rest) = national.strip_prefix("00") {
            international = true;
            national = rest;
        } else if default_region == Region::IR && national.starts_with("098") {
            international = true;
            national = &national[1..];
        }
    }
    let text = if international {
        format!("+{national}")
    } else {
        national.to_owned()
    };
    // An international number is parsed without the default region: phonenumber would
    // otherwise apply the default region's national-prefix rules to another country's
    // number (e.g. strip the leading 0 of an Italian number when the default is IR).
    let region = if international {
        None
    } else {
        Some(default_region.id()?)
    };
    let number =
        phonenumber::parse(region, &text).map_err(|e| NormalizeError::Phone(e.to_string()))?;
    if !phonenumber::is_valid(&number) {
        return Err(invalid("not a valid number for its region"));
    }
    let mut key = String::with_capacity(16);
    write!(key, "{}", number.format().mode(Mode::E164))
        .map_err(|_| invalid("the number cannot be formatted"))?;
    Ok(key)
}

/// The ASCII digit for `c`, a digit of the script whose zero is `zero`.
fn shift_digit(c: char, zero: char) -> char {
    u32::from(c)
        .checked_sub(u32::from(zero))
        .and_then(|offset| char::from_digit(offset, 10))
        .unwrap_or('0')
}

fn invalid(reason: &str) -> NormalizeError {
    NormalizeError::Phone(reason.to_owned())
}

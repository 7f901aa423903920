//! How many parts an SMS takes.

/// The alphabet a text is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Encoding {
    /// The GSM 03.38 7-bit default alphabet (with its extension table).
    Gsm7,
    /// UCS-2 (UTF-16 code units): any text with a character outside GSM-7, Persian among
    /// them.
    Ucs2,
}

/// How a text is split into SMS parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Segments {
    /// The alphabet.
    pub encoding: Encoding,
    /// How many parts (at least 1: an empty text is one empty message).
    pub parts: u32,
    /// How many units the text takes: GSM-7 septets (an extension character counts 2), or
    /// UTF-16 code units.
    pub units: u32,
}

/// The GSM 03.38 basic character set (without the escape to the extension table).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The GSM 03.38 extension table: each takes two septets (escape and character).
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Units in one part when the text fits in one, and per part when it is split (the rest
/// carries the concatenation header).
fn limits(encoding: Encoding) -> (u32, u32) {
    match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    }
}

/// How `text` is sent: GSM-7 if every character is in the GSM 03.38 basic set or its
/// extension table (extension characters count 2), otherwise UCS-2 counted in UTF-16 code
/// units. One part holds 160 GSM-7 / 70 UCS-2 units; a longer text is split into parts of
/// 153 / 67 units, never splitting an extension character or a surrogate pair across two
/// parts.
///
/// ```
/// use crm_notify::sms::{Encoding, segments};
///
/// assert_eq!(segments(&"a".repeat(160)).parts, 1);
/// assert_eq!(segments(&"a".repeat(161)).parts, 2);
/// let persian = segments(&"س".repeat(140));
/// assert_eq!((persian.encoding, persian.parts, persian.units), (Encoding::Ucs2, 3, 140));
/// ```
pub fn segments(text: &str) -> Segments {
    let gsm: Option<Vec<u32>> = text.chars().map(gsm7_width).collect();
    let (encoding, widths) = match gsm {
        Some(widths) => (Encoding::Gsm7, widths),
        None => (
            Encoding::Ucs2,
            text.chars().map(|c| c.len_utf16() as u32).collect(),
        ),
    };
    let units: u32 = widths.iter().sum();
    let (single, multi) = limits(encoding);
    let parts = if units <= single {
        1
    } else {
        let mut parts = 1;
        let mut used = 0;
        for width in widths {
            if used + width > multi {
                parts += 1;
                used = 0;
            }
            used += width;
        }
        parts
    };
    Segments {
        encoding,
        parts,
        units,
    }
}

/// Septets `c` takes in GSM-7, or `None` outside it.
fn gsm7_width(c: char) -> Option<u32> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_limits_of_each_alphabet() {
        assert_eq!(segments("").parts, 1);
        assert_eq!(segments(&"a".repeat(160)).parts, 1);
        assert_eq!(segments(&"a".repeat(161)).parts, 2);
        assert_eq!(segments(&"a".repeat(306)).parts, 2);
        assert_eq!(segments(&"a".repeat(307)).parts, 3);
        assert_eq!(segments(&"ب".repeat(70)).parts, 1);
        assert_eq!(segments(&"ب".repeat(71)).parts, 2);
        assert_eq!(segments(&"ب".repeat(134)).parts, 2);
        assert_eq!(segments(&"ب".repeat(135)).parts, 3);
        assert_eq!(segments(&"ب".repeat(140)).parts, 3);
    }

    #[test]
    fn extension_characters_count_two_and_are_not_split() {
        let s = segments(&"€".repeat(80));
        assert_eq!((s.encoding, s.units, s.parts), (Encoding::Gsm7, 160, 1));
        assert_eq!(segments(&format!("{}€", "a".repeat(159))).parts, 2);
        // 152 septets, then a two-septet character that does not fit in the first part.
        let s = segments(&format!("{}€{}", "a".repeat(152), "a".repeat(10)));
        assert_eq!((s.units, s.parts), (164, 2));
        let s = segments(&format!("{}€{}", "a".repeat(152), "a".repeat(151)));
        assert_eq!((s.units, s.parts), (305, 2));
        let s = segments(&format!("{}€{}", "a".repeat(152), "a".repeat(152)));
        assert_eq!(
            (s.units, s.parts),
            (306, 3),
            "153 + 153 would be 2 parts if split"
        );
    }

    #[test]
    fn one_persian_or_emoji_character_makes_the_whole_text_ucs2() {
        let s = segments(&format!("{}س", "a".repeat(69)));
        assert_eq!((s.encoding, s.units, s.parts), (Encoding::Ucs2, 70, 1));
        let s = segments("سلام 😀");
        assert_eq!(
            (s.encoding, s.units),
            (Encoding::Ucs2, 7),
            "the emoji is a pair"
        );
        // 66 units, then a surrogate pair that does not fit in the first part of 67.
        let s = segments(&format!("{}😀{}", "س".repeat(66), "س".repeat(10)));
        assert_eq!((s.units, s.parts), (78, 2));
        let s = segments(&format!("{}😀{}", "س".repeat(66), "س".repeat(66)));
        assert_eq!((s.units, s.parts), (134, 3));
    }

    fn gsm_char() -> impl Strategy<Value = char> {
        let all: Vec<char> = GSM7_BASIC.chars().chain(GSM7_EXTENSION.chars()).collect();
        proptest::sample::select(all)
    }

    proptest! {
        #[test]
        fn gsm_text_counts_septets(chars in proptest::collection::vec(gsm_char(), 0..600)) {
            let text: String = chars.iter().collect();
            let s = segments(&text);
            prop_assert_eq!(s.encoding, Encoding::Gsm7);
            let extension = chars.iter().filter(|c| GSM7_EXTENSION.contains(**c)).count() as u32;
            prop_assert_eq!(s.units, chars.len() as u32 + extension);
            if s.units <= 160 {
                prop_assert_eq!(s.parts, 1);
            } else {
                // Greedy packing: at least ceil(units / 153), at most one more per part
                // whose last septet was left empty by an extension character.
                prop_assert!(s.parts >= s.units.div_ceil(153));
                prop_assert!(s.parts <= s.units.div_ceil(152));
            }
        }

        #[test]
        fn any_other_character_makes_ucs2(
            text in "[a-z ]{0,100}[\u{600}-\u{6ff}\u{1F600}-\u{1F64F}][\u{600}-\u{6ff}a-z ]{0,200}"
        ) {
            let s = segments(&text);
            prop_assert_eq!(s.encoding, Encoding::Ucs2);
            prop_assert_eq!(s.units, text.encode_utf16().count() as u32);
            if s.units <= 70 {
                prop_assert_eq!(s.parts, 1);
            } else {
                prop_assert!(s.parts >= s.units.div_ceil(67));
                prop_assert!(s.parts <= s.units.div_ceil(66));
            }
        }

        #[test]
        fn bmp_only_persian_splits_exactly(n in 0usize..700) {
            let s = segments(&"پ".repeat(n));
            let expected = if n <= 70 { 1 } else { n.div_ceil(67) as u32 };
            prop_assert_eq!(s.parts, expected);
        }

        #[test]
        fn a_longer_text_never_takes_fewer_parts(text in "\\PC{0,300}", extra in "\\PC{1,5}") {
            let longer = format!("{text}{extra}");
            let (a, b) = (segments(&text), segments(&longer));
            if a.encoding == b.encoding {
                prop_assert!(b.parts >= a.parts);
            }
        }
    }
}

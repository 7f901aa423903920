//! Property and example tests of `crm_core::normalize`: idempotence, one key per spelling,
//! and no panics on any input.

use crm_core::normalize::{
    NormalizeError, Region, normalize_email, normalize_handle, normalize_phone, normalize_text,
    search_tokens,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Text: examples
// ---------------------------------------------------------------------------------------

fn same_key(a: &str, b: &str) {
    assert_eq!(normalize_text(a), normalize_text(b), "{a:?} vs {b:?}");
}

#[test]
fn text_examples() {
    same_key("علي", "علی");
    same_key("كتاب", "کتاب");
    same_key("مـــحمد", "محمد");
    same_key("می\u{200C}خواهم", "میخواهم");
    same_key("JOSÉ  García", "jose garcia");
    same_key("۱۲۳", "123");
    same_key("١٢٣", "123");
    same_key("أحمد", "احمد");
    same_key("آرش", "ارش");
    same_key("مؤمن", "مومن");
    same_key("پائیز", "پاییز");
    same_key("فاطمة", "فاطمه");
    same_key("خانۀ", "خانه");
    same_key("مُحَمَّد", "محمد");
    same_key("ﻙﺘﺎﺏ", "کتاب");
    same_key("ＡＢＣ１２", "abc12");
    same_key("\u{200F}علی\u{200E}", "علی");
    assert_eq!(normalize_text("كتاب"), "کتاب");
    assert_eq!(normalize_text("JOSÉ  García"), "jose garcia");
    assert_eq!(
        normalize_text(" \t\u{00A0}Ali \n Rezaei\u{3000}"),
        "ali rezaei"
    );
    assert_eq!(normalize_text(""), "");
    assert_eq!(normalize_text("\u{200C}\u{0640}\u{064E} "), "");
}

#[test]
fn search_token_examples() {
    assert_eq!(
        search_tokens("Ali Rezaei-Tehrani, علي‌رضا"),
        ["ali", "rezaei", "tehrani", "علیرضا"]
    );
    assert_eq!(search_tokens("ali, ALI; Ali"), ["ali"]);
    assert_eq!(search_tokens("شماره ۱۲۳ / 123"), ["شماره", "123"]);
    assert!(search_tokens("").is_empty());
    assert!(search_tokens(" ,;- ").is_empty());
}

/// Every single code point: idempotence where multi-character interactions cannot hide it.
#[test]
fn text_idempotent_on_every_code_point() {
    let mut failures = Vec::new();
    for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
        let s = c.to_string();
        let once = normalize_text(&s);
        let twice = normalize_text(&once);
        if once != twice {
            failures.push((c, once, twice));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
}

// ---------------------------------------------------------------------------------------
// Text: properties
// ---------------------------------------------------------------------------------------

/// One letter of a generated word: its canonical spelling and the spellings that must share
/// its key.
struct Letter {
    canonical: &'static str,
    variants: &'static [&'static str],
}

const fn letter(canonical: &'static str, variants: &'static [&'static str]) -> Letter {
    Letter {
        canonical,
        variants,
    }
}

const PERSIAN: &[Letter] = &[
    letter("ی", &["ی", "ي", "ى", "ﻱ", "ﻲ", "ﻳ", "ﻴ", "ﯼ", "ﯾ", "ﻯ"]),
    letter("ک", &["ک", "ك", "ﻙ", "ﻚ", "ﻛ", "ﻜ", "ﮎ", "ﮐ"]),
    letter("ه", &["ه", "ة", "ە", "ہ", "ﻩ", "ﻫ", "ﻬ", "ﺓ"]),
    letter("ا", &["ا", "أ", "إ", "آ", "ﺍ", "ﺎ"]),
    letter("و", &["و", "ؤ", "ﻭ", "ﻮ"]),
    letter("ب", &["ب", "ﺏ", "ﺑ"]),
    letter("ل", &["ل", "ﻝ", "ﻟ"]),
    letter("م", &["م", "ﻡ", "ﻣ"]),
    letter("ن", &["ن", "ﻥ", "ﻧ"]),
    letter("پ", &["پ", "ﭖ"]),
    letter("ت", &["ت", "ﺕ"]),
    letter("ج", &["ج"]),
    letter("چ", &["چ"]),
    letter("ح", &["ح"]),
    letter("خ", &["خ"]),
    letter("د", &["د", "ﺩ"]),
    letter("ر", &["ر", "ﺭ"]),
    letter("ز", &["ز"]),
    letter("ژ", &["ژ"]),
    letter("س", &["س", "ﺱ"]),
    letter("ش", &["ش"]),
    letter("ص", &["ص"]),
    letter("ع", &["ع"]),
    letter("ف", &["ف"]),
    letter("ق", &["ق"]),
    letter("گ", &["گ", "ﮒ"]),
];

const LATIN: &[Letter] = &[
    letter("a", &["a", "A", "á", "Á", "à", "â", "ä", "ａ", "Ａ"]),
    letter("e", &["e", "E", "é", "É", "è", "ê", "ë", "ｅ"]),
    letter("i", &["i", "I", "í", "ï", "î"]),
    letter("o", &["o", "O", "ó", "ö", "ô", "Ö"]),
    letter("u", &["u", "U", "ú", "ü", "Ü"]),
    letter("n", &["n", "N", "ñ", "Ñ"]),
    letter("c", &["c", "C", "ç", "Ç"]),
    letter("b", &["b", "B", "ｂ"]),
    letter("r", &["r", "R"]),
    letter("s", &["s", "S"]),
    letter("t", &["t", "T"]),
    letter("z", &["z", "Z"]),
];

const DIGITS: &[Letter] = &[
    letter("0", &["0", "۰", "٠", "０"]),
    letter("1", &["1", "۱", "١", "１"]),
    letter("2", &["2", "۲", "٢", "２"]),
    letter("3", &["3", "۳", "٣"]),
    letter("4", &["4", "۴", "٤"]),
    letter("5", &["5", "۵", "٥"]),
    letter("6", &["6", "۶", "٦"]),
    letter("7", &["7", "۷", "٧"]),
    letter("8", &["8", "۸", "٨"]),
    letter("9", &["9", "۹", "٩"]),
];

/// Invisible noise that may appear between the letters of a word.
const NOISE: &[&str] = &[
    "\u{0640}",         // tatweel
    "\u{0640}\u{0640}", // long tatweel
    "\u{200C}",         // ZWNJ
    "\u{200D}",         // ZWJ
    "\u{064E}",         // fatha
    "\u{064F}",         // damma
    "\u{0650}",         // kasra
    "\u{0651}",         // shadda
    "\u{0652}",         // sukun
    "\u{064B}",         // fathatan
    "\u{0670}",         // superscript alef
    "\u{0301}",         // combining acute
    "\u{0308}",         // combining diaeresis
    "\u{200E}",         // LRM
    "\u{200F}",         // RLM
    "\u{00AD}",         // soft hyphen
    "\u{FEFF}",         // BOM
];

/// Whitespace runs between words (never empty).
const SPACES: &[&str] = &[
    " ",
    "  ",
    "\t",
    "\u{00A0}",
    "\u{2009}",
    " \u{200C} ",
    "\n",
    "\u{3000}",
    " \u{00A0} ",
];

/// A generated phrase: words of letters, each letter an index into one alphabet.
type Phrase = Vec<Vec<(u8, usize)>>;

fn alphabet(kind: u8) -> &'static [Letter] {
    match kind {
        0 => PERSIAN,
        1 => LATIN,
        _ => DIGITS,
    }
}

fn word_strategy() -> impl Strategy<Value = Vec<(u8, usize)>> {
    // A word is all Persian, all Latin or all digits.
    (0u8..3).prop_flat_map(|kind| {
        let n = alphabet(kind).len();
        prop::collection::vec((Just(kind), 0..n), 1..8)
    })
}

fn phrase_strategy() -> impl Strategy<Value = Phrase> {
    prop::collection::vec(word_strategy(), 1..5)
}

/// Canonical spelling of a phrase: canonical letters, single ASCII spaces.
fn canonical(phrase: &Phrase) -> String {
    phrase
        .iter()
        .map(|word| {
            word.iter()
                .map(|&(k, i)| alphabet(k)[i].canonical)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A variant spelling of a phrase, driven by `choices` (used cyclically).
fn variant(phrase: &Phrase, choices: &[u16]) -> String {
    let mut pick = choices.iter().cycle().map(|&c| usize::from(c));
    let mut next = move || pick.next().unwrap_or(0);
    let mut out = String::new();
    if next() % 3 == 0 {
        out.push_str(SPACES[next() % SPACES.len()]);
    }
    for (w, word) in phrase.iter().enumerate() {
        if w > 0 {
            out.push_str(SPACES[next() % SPACES.len()]);
        }
        for &(k, i) in word {
            // Noise anywhere: before, between and after letters.
            if next() % 3 == 0 {
                out.push_str(NOISE[next() % NOISE.len()]);
            }
            let letter = &alphabet(k)[i];
            out.push_str(letter.variants[next() % letter.variants.len()]);
        }
        if next() % 4 == 0 {
            out.push_str(NOISE[next() % NOISE.len()]);
        }
    }
    if next() % 3 == 0 {
        out.push_str(SPACES[next() % SPACES.len()]);
    }
    out
}

/// Persian/Arabic-weighted arbitrary strings: mostly Arabic-block characters, presentation
/// forms, marks and invisible characters, with some Latin and whitespace.
fn persian_heavy_string() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => (0x0600u32..=0x06FF).prop_filter_map("char", char::from_u32),
        2 => (0xFB50u32..=0xFDFF).prop_filter_map("char", char::from_u32),
        2 => (0xFE70u32..=0xFEFF).prop_filter_map("char", char::from_u32),
        1 => (0x0750u32..=0x077F).prop_filter_map("char", char::from_u32),
        1 => (0x08A0u32..=0x08FF).prop_filter_map("char", char::from_u32),
        1 => (0x0300u32..=0x036F).prop_filter_map("char", char::from_u32),
        1 => (0x2000u32..=0x206F).prop_filter_map("char", char::from_u32),
        1 => prop::sample::select(vec![' ', '\t', '\u{00A0}', '\u{00AD}', '\u{FEFF}', 'A', 'é', 'İ', 'ß', 'Σ']),
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..24).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn text_idempotent_any(s in any::<String>()) {
        let once = normalize_text(&s);
        prop_assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn text_idempotent_persian_heavy(s in persian_heavy_string()) {
        let once = normalize_text(&s);
        prop_assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn text_variants_share_one_key(
        phrase in phrase_strategy(),
        a in prop::collection::vec(any::<u16>(), 1..64),
        b in prop::collection::vec(any::<u16>(), 1..64),
    ) {
        let key = normalize_text(&canonical(&phrase));
        let va = variant(&phrase, &a);
        let vb = variant(&phrase, &b);
        prop_assert_eq!(&normalize_text(&va), &key, "variant {:?}", va);
        prop_assert_eq!(&normalize_text(&vb), &key, "variant {:?}", vb);
        // The key of a canonical phrase is the canonical phrase itself.
        prop_assert_eq!(key, canonical(&phrase));
    }

    #[test]
    fn search_tokens_are_normalised_and_distinct(s in persian_heavy_string()) {
        let tokens = search_tokens(&s);
        let mut seen = std::collections::HashSet::new();
        for t in &tokens {
            prop_assert!(!t.is_empty());
            prop_assert!(t.chars().all(char::is_alphanumeric), "{:?}", t);
            prop_assert!(seen.insert(t.clone()), "duplicate {:?}", t);
        }
        prop_assert_eq!(search_tokens(&normalize_text(&s)), tokens);
    }
}

// ---------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------

const MOBILE: &str = "+989121234567";

#[test]
fn phone_examples() {
    for input in [
        "+98 912 123 4567",
        "۰۹۱۲ ۱۲۳ ۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "0098-912-123-4567",
        "(0912) 123 45 67",
        "+۹۸۹۱۲۱۲۳۴۵۶۷",
        "09121234567",
        "9121234567",
        "0989121234567",
        "098 912 123 4567",
        "989121234567",
        "+98 (0) 912 123 4567",
        "\u{200F}+98\u{00A0}912\u{200C}123.4567\u{200E}",
        "0912/123/4567",
        "\u{FEFF}09121234567",
    ] {
        assert_eq!(
            normalize_phone(input, Region::IR).as_deref(),
            Ok(MOBILE),
            "{input:?}"
        );
    }
    assert_eq!(
        normalize_phone("021 8888 7777", Region::IR).as_deref(),
        Ok("+982188887777")
    );
    assert_eq!(
        normalize_phone("+1 650 253 0000", Region::IR).as_deref(),
        Ok("+16502530000")
    );
    assert_eq!(
        normalize_phone("(650) 253-0000", Region::US).as_deref(),
        Ok("+16502530000")
    );
    assert_eq!(
        normalize_phone("0098 912 123 4567", Region::US).as_deref(),
        Ok(MOBILE)
    );
    assert_eq!(
        normalize_phone("+98 912 123 4567", Region::DE).as_deref(),
        Ok(MOBILE)
    );
    assert_eq!(
        normalize_phone("030 123456", Region::DE).as_deref(),
        Ok("+4930123456")
    );
    // Another country's national-prefix rules must not touch an international number.
    assert_eq!(
        normalize_phone("+39 02 1234 5678", Region::IR).as_deref(),
        Ok("+390212345678")
    );
    assert_eq!(
        normalize_phone("0039 02 1234 5678", Region::IR).as_deref(),
        Ok("+390212345678")
    );
    assert_eq!(
        normalize_phone("+673 800 0000", Region::parse("BB").unwrap_or_default()).as_deref(),
        Ok("+6738000000")
    );
    assert_eq!(
        normalize_phone("020 7946 0018", Region::GB).as_deref(),
        Ok("+442079460018")
    );
}

#[test]
fn phone_rejections() {
    for input in [
        "12",
        "0912abc4567",
        "0912-123-456",
        "+98 912 123 4567 ext 2",
        "09121234567#",
        "*141#",
        "+",
        "++989121234567",
        "0912+1234567",
        "09121234567890123456789",
        "0091",
    ] {
        assert!(
            matches!(
                normalize_phone(input, Region::IR),
                Err(NormalizeError::Phone(_))
            ),
            "{input:?} gave {:?}",
            normalize_phone(input, Region::IR)
        );
    }
    for input in ["", "   ", "\u{200F}\u{200C}", " - ( ) "] {
        assert_eq!(
            normalize_phone(input, Region::IR),
            Err(NormalizeError::Empty),
            "{input:?}"
        );
    }
}

#[test]
fn region_codes() {
    assert_eq!(Region::default(), Region::IR);
    assert_eq!(Region::parse("ir"), Some(Region::IR));
    assert_eq!(Region::parse("Us"), Some(Region::US));
    assert_eq!(Region::parse("GB"), Some(Region::GB));
    assert_eq!(Region::parse("de"), Some(Region::DE));
    assert_eq!(Region::IR.code(), "IR");
    assert_eq!(Region::parse("fr").map(|r| r.code()), Some("FR"));
    for bad in ["", "I", "IRN", "XX", "ZZ", "00", "i\u{0307}", "ır"] {
        assert_eq!(Region::parse(bad), None, "{bad:?}");
    }
}

/// Every region the metadata knows, as a strategy.
fn any_region() -> impl Strategy<Value = Region> {
    let regions: Vec<Region> = (b'A'..=b'Z')
        .flat_map(|a| (b'A'..=b'Z').map(move |b| [a, b]))
        .filter_map(|pair| std::str::from_utf8(&pair).ok().and_then(Region::parse))
        .collect();
    assert!(regions.len() > 200, "only {} regions", regions.len());
    prop::sample::select(regions)
}

/// National significant numbers of Iranian mobiles that the metadata calls valid:
/// 90[0-5], 91x, 92[0-3], 93x, 99[0-4], 996, then seven digits.
fn iranian_mobile() -> impl Strategy<Value = String> {
    let prefixes: Vec<String> = (0..=5)
        .map(|d| format!("90{d}"))
        .chain((0..=9).map(|d| format!("91{d}")))
        .chain((0..=3).map(|d| format!("92{d}")))
        .chain((0..=9).map(|d| format!("93{d}")))
        .chain((0..=4).map(|d| format!("99{d}")))
        .chain(std::iter::once("996".to_owned()))
        .collect();
    (prop::sample::select(prefixes), "[0-9]{7}").prop_map(|(p, rest)| format!("{p}{rest}"))
}

const PHONE_PREFIXES: &[&str] = &[
    "+98", "0098", "098", "0", "", "+۹۸", "۰۰۹۸", "(0", "+98 (0)",
];
const PHONE_SEPARATORS: &[&str] = &[
    "", "", "", " ", "-", ".", "\u{200E}", "\u{200F}", "\u{200C}", "\u{00A0}", "/",
];

fn spell_phone(nsn: &str, choices: &[u16]) -> String {
    let mut pick = choices.iter().cycle().map(|&c| usize::from(c));
    let mut next = move || pick.next().unwrap_or(0);
    let prefix = PHONE_PREFIXES[next() % PHONE_PREFIXES.len()];
    let mut out = String::from(prefix);
    if prefix == "(0" {
        // "(0912) ..." style
    }
    for (i, d) in nsn.chars().enumerate() {
        if i > 0 || !prefix.is_empty() {
            out.push_str(PHONE_SEPARATORS[next() % PHONE_SEPARATORS.len()]);
        }
        if prefix == "(0" && i == 3 {
            out.push(')');
        }
        let v = d.to_digit(10).unwrap_or(0);
        let digit = match next() % 3 {
            0 => d,
            1 => char::from_u32(0x06F0 + v).unwrap_or(d),
            _ => char::from_u32(0x0660 + v).unwrap_or(d),
        };
        out.push(digit);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn iranian_mobiles_have_one_key(
        nsn in iranian_mobile(),
        a in prop::collection::vec(any::<u16>(), 1..40),
        b in prop::collection::vec(any::<u16>(), 1..40),
    ) {
        let e164 = format!("+98{nsn}");
        for choices in [&a, &b] {
            let spelled = spell_phone(&nsn, choices);
            prop_assert_eq!(
                normalize_phone(&spelled, Region::IR),
                Ok(e164.clone()),
                "spelling {:?}",
                spelled
            );
        }
        prop_assert_eq!(normalize_phone(&e164, Region::IR), Ok(e164.clone()));
        prop_assert_eq!(normalize_phone(&e164, Region::US), Ok(e164.clone()));
    }

    #[test]
    fn phone_idempotent_on_digit_strings(
        s in "\\+?[0-9]{0,18}",
        region in any_region(),
        other in any_region(),
    ) {
        if let Ok(key) = normalize_phone(&s, region) {
            prop_assert!(key.starts_with('+'));
            prop_assert!(key[1..].chars().all(|c| c.is_ascii_digit()), "{:?}", key);
            prop_assert_eq!(normalize_phone(&key, region), Ok(key.clone()));
            prop_assert_eq!(normalize_phone(&key, other), Ok(key.clone()));
        }
    }

    #[test]
    fn phone_digit_scripts_agree(s in "\\+?[0-9]{1,15}") {
        let persian: String = s.chars().map(|c| match c.to_digit(10) {
            Some(v) => char::from_u32(0x06F0 + v).unwrap_or(c),
            None => c,
        }).collect();
        let arabic: String = s.chars().map(|c| match c.to_digit(10) {
            Some(v) => char::from_u32(0x0660 + v).unwrap_or(c),
            None => c,
        }).collect();
        let ascii = normalize_phone(&s, Region::IR);
        prop_assert_eq!(normalize_phone(&persian, Region::IR), ascii.clone());
        prop_assert_eq!(normalize_phone(&arabic, Region::IR), ascii);
    }
}

// ---------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------

#[test]
fn email_examples() {
    let ok = |input: &str, key: &str| {
        assert_eq!(normalize_email(input).as_deref(), Ok(key), "{input:?}");
    };
    ok("ali@example.com", "ali@example.com");
    ok("  Ali.Rezaei@Example.COM\t", "ali.rezaei@example.com");
    ok("\u{200F}ali@example.com\u{200E}", "ali@example.com");
    ok("\u{FEFF}ali\u{200E}@\u{200F}example.com", "ali@example.com");
    ok("user@bücher.de", "user@xn--bcher-kva.de");
    ok("USER@BÜCHER.DE", "user@xn--bcher-kva.de");
    ok("user@xn--bcher-kva.de", "user@xn--bcher-kva.de");
    ok("علی@مثال.ایران", "علی@xn--mgbh0fb.xn--mgba3a4f16a");
    ok("José@Example.com", "josé@example.com");
    // NFC: e + combining acute is the same address as é.
    ok("Jose\u{0301}@example.com", "josé@example.com");
    ok("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk");
    ok("\"a@b\"@example.com", "\"a@b\"@example.com");
}

#[test]
fn email_rejections() {
    for input in [
        "Ali <ali@example.com>",
        "<ali@example.com>",
        "ali@example.com>",
        "ali @example.com",
        "ali@exa mple.com",
        "ali.example.com",
        "@example.com",
        "ali@",
        "ali@localhost",
        "ali@[10.0.0.1]",
        "ali@@example.com",
        "ali..rezaei@example.com",
        "ali@example..com",
        "ali@-example.com",
    ] {
        assert!(
            matches!(normalize_email(input), Err(NormalizeError::Email(_))),
            "{input:?} gave {:?}",
            normalize_email(input)
        );
    }
    let long_local = format!("{}@example.com", "a".repeat(65));
    assert!(matches!(
        normalize_email(&long_local),
        Err(NormalizeError::Email(_))
    ));
    let long = format!(
        "{}@{}.com",
        "a".repeat(60),
        vec!["b".repeat(60); 4].join(".")
    );
    assert!(matches!(
        normalize_email(&long),
        Err(NormalizeError::Email(_))
    ));
    for input in ["", " ", "\u{200F}\u{200C}\u{FEFF}"] {
        assert_eq!(
            normalize_email(input),
            Err(NormalizeError::Empty),
            "{input:?}"
        );
    }
}

fn email_parts() -> impl Strategy<Value = (String, String)> {
    let local = "[a-z0-9]{1,10}([._+-][a-z0-9]{1,8}){0,2}";
    let ascii_domain = "[a-z0-9]{1,10}(\\.[a-z0-9]{1,8}){0,2}\\.[a-z]{2,6}";
    let domain = prop_oneof![
        4 => ascii_domain.prop_map(String::from),
        1 => prop::sample::select(vec![
            "bücher.de".to_owned(),
            "مثال.ایران".to_owned(),
            "müller.example".to_owned(),
            "παράδειγμα.gr".to_owned(),
        ]),
    ];
    (local.prop_map(String::from), domain)
}

fn vary_case(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().cycle())
        .map(|(c, &up)| {
            if up {
                c.to_uppercase().collect::<String>()
            } else {
                c.to_string()
            }
        })
        .collect()
}

const EMAIL_PADDING: &[&str] = &[
    "",
    " ",
    "\t",
    "\u{00A0}",
    "\u{200E}",
    "\u{200F}",
    "\u{FEFF}",
    "\u{200C}",
    " \u{200F} ",
    "\n",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn email_variants_share_one_key(
        (local, domain) in email_parts(),
        mask in prop::collection::vec(any::<bool>(), 1..16),
        before in prop::sample::select(EMAIL_PADDING),
        after in prop::sample::select(EMAIL_PADDING),
    ) {
        let plain = format!("{local}@{domain}");
        let key = normalize_email(&plain);
        prop_assert!(key.is_ok(), "{:?} gave {:?}", plain, key);
        let key = key.unwrap_or_default();
        prop_assert!(key.is_ascii() || !domain.is_ascii());
        let varied = format!("{before}{}{after}", vary_case(&plain, &mask));
        prop_assert_eq!(normalize_email(&varied), Ok(key.clone()), "variant {:?}", varied);
        prop_assert_eq!(normalize_email(&key), Ok(key.clone()));
    }

    #[test]
    fn email_idempotent_any(s in any::<String>()) {
        if let Ok(key) = normalize_email(&s) {
            prop_assert_eq!(normalize_email(&key), Ok(key.clone()));
        }
    }

    #[test]
    fn email_idempotent_near_addresses(s in "[a-zA-Z0-9.+_İΣẞﬁ\u{0600}-\u{06FF}\u{00C0}-\u{00FF}\u{0300}-\u{0310}-]{1,12}@[a-zA-Z0-9.\u{0600}-\u{06FF}\u{00C0}-\u{00FF}\u{0300}-\u{0310}-]{1,16}") {
        if let Ok(key) = normalize_email(&s) {
            prop_assert_eq!(normalize_email(&key), Ok(key.clone()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Handle
// ---------------------------------------------------------------------------------------

#[test]
fn handle_examples() {
    assert_eq!(normalize_handle("@Ali_Rezaei").as_deref(), Ok("ali_rezaei"));
    assert_eq!(
        normalize_handle(" ali.rezaei90 ").as_deref(),
        Ok("ali.rezaei90")
    );
    assert_eq!(
        normalize_handle("\u{200F}@ALI\u{200E}").as_deref(),
        Ok("ali")
    );
    assert_eq!(
        normalize_handle(&"a".repeat(64)).as_deref(),
        Ok("a".repeat(64).as_str())
    );
    for bad in [
        "@",
        "@@ali",
        "ali-rezaei",
        "ali rezaei",
        "علی",
        "ali@x",
        "İsmail",
        &"a".repeat(65),
    ] {
        assert!(
            matches!(normalize_handle(bad), Err(NormalizeError::Handle(_))),
            "{bad:?}"
        );
    }
    for empty in ["", "  ", "\u{200F}"] {
        assert_eq!(
            normalize_handle(empty),
            Err(NormalizeError::Empty),
            "{empty:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn handle_idempotent(s in "[ ]{0,2}@?[a-zA-Z0-9._]{1,70}[ ]{0,2}") {
        if let Ok(key) = normalize_handle(&s) {
            prop_assert!(!key.is_empty() && key.len() <= 64);
            prop_assert!(key.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_')));
            prop_assert_eq!(normalize_handle(&key), Ok(key.clone()));
            prop_assert_eq!(normalize_handle(&format!("@{}", key.to_uppercase())), Ok(key.clone()));
        }
    }

    #[test]
    fn handle_idempotent_any(s in any::<String>()) {
        if let Ok(key) = normalize_handle(&s) {
            prop_assert_eq!(normalize_handle(&key), Ok(key.clone()));
        }
    }
}

// ---------------------------------------------------------------------------------------
// No panics
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn nothing_panics(s in any::<String>(), region in any_region()) {
        let _ = normalize_email(&s);
        let _ = normalize_phone(&s, region);
        let _ = normalize_phone(&s, Region::IR);
        let _ = normalize_text(&s);
        let _ = search_tokens(&s);
        let _ = normalize_handle(&s);
    }

    #[test]
    fn nothing_panics_phone_like(s in "[+ 0-9\u{06F0}-\u{06F9}\u{0660}-\u{0669}().-]{0,24}", region in any_region()) {
        let _ = normalize_phone(&s, region);
    }
}

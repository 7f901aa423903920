//! NUL characters, which PostgreSQL's `text` and `jsonb` cannot hold, kept all the same.
//!
//! A record may carry a NUL in any string (an index key's text, a topic); serde writes it in
//! JSON as `\u0000`, which `jsonb` refuses (bodies are stored as `json`, which would take it,
//! but the views read them as `jsonb`). Bodies and unique keys are therefore stored with
//! one escape character, [`ESC`] (U+E000, of the private use area):
//!
//! | in the record | stored |
//! |---|---|
//! | NUL | `ESC 0` |
//! | `ESC` | `ESC ESC` |
//!
//! Everything else is stored as it is, so the views show text as it is, except for these two
//! characters. The mapping is one to one, and applied to the JSON text it touches strings
//! only (the only place either character can be), so stored bodies stay valid JSON.

/// The escape character.
pub(crate) const ESC: char = '\u{E000}';

/// The JSON text `json` (as serde_json writes it: NUL only as `\u0000`) as stored.
pub(crate) fn json_to_sql(json: String) -> String {
    if !json.contains("\\u0000") && !json.contains(ESC) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('u') if chars.as_str().starts_with("0000") => {
                    out.push(ESC);
                    out.push('0');
                    chars.nth(3);
                }
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            },
            ESC => {
                out.push(ESC);
                out.push(ESC);
            }
            c => out.push(c),
        }
    }
    out
}

/// A stored JSON body as JSON text again.
pub(crate) fn json_from_sql(stored: String) -> String {
    if !stored.contains(ESC) {
        return stored;
    }
    unescape(&stored, "\\u0000")
}

/// A text (a unique key) as stored.
pub(crate) fn text_to_sql(text: &str) -> String {
    if !text.contains(['\0', ESC]) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '\0' => {
                out.push(ESC);
                out.push('0');
            }
            ESC => {
                out.push(ESC);
                out.push(ESC);
            }
            c => out.push(c),
        }
    }
    out
}

/// A stored text as it was.
pub(crate) fn text_from_sql(stored: &str) -> String {
    if !stored.contains(ESC) {
        return stored.to_owned();
    }
    unescape(stored, "\0")
}

/// `stored` with `ESC 0` as `nul` and `ESC ESC` as `ESC` (anything else after an `ESC` is
/// kept as it is).
fn unescape(stored: &str, nul: &str) -> String {
    let mut out = String::with_capacity(stored.len());
    let mut chars = stored.chars();
    while let Some(c) = chars.next() {
        if c != ESC {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push_str(nul),
            Some(ESC) => out.push(ESC),
            Some(other) => {
                out.push(ESC);
                out.push(other);
            }
            None => out.push(ESC),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_esc_round_trip_in_json() {
        for value in [
            "plain",
            "a\0b",
            "\0",
            "\u{E000}",
            "\u{E000}0",
            "\\u0000 is not a NUL",
            "\\\0\u{E000}\u{E000}\0",
            "علی\0ي",
        ] {
            let json = serde_json::to_string(&serde_json::json!({ "k\0": value })).unwrap();
            let stored = json_to_sql(json.clone());
            let kept: serde_json::Value = serde_json::from_str(&stored).unwrap();
            assert!(
                kept.as_object()
                    .unwrap()
                    .values()
                    .all(|v| !v.as_str().unwrap().contains('\0'))
            );
            let back = json_from_sql(stored);
            assert_eq!(back, json);
            let parsed: serde_json::Value = serde_json::from_str(&back).unwrap();
            assert_eq!(parsed["k\0"], value);
        }
    }

    #[test]
    fn nul_and_esc_round_trip_in_text() {
        for text in ["email:a@b.c", "a\0b", "\u{E000}", "\u{E000}0\0", ""] {
            let stored = text_to_sql(text);
            assert!(!stored.contains('\0'));
            assert_eq!(text_from_sql(&stored), text);
        }
        assert_ne!(text_to_sql("\0"), text_to_sql("\u{E000}0"));
    }
}

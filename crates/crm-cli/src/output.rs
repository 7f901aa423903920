//! Printing: terminal-safe text, tables, JSON and CSV.
//!
//! Every string that came from a customer (names, subjects, bodies, notes, categories) goes
//! through [`safe`] or [`safe_text`] before it reaches the terminal, so a message cannot move
//! the cursor, change colours, retitle the window or reorder the line with bidi overrides.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use std::fmt::Write as _;

/// True for a character that must not reach a terminal as is: C0 controls, DEL, C1
/// controls (ESC and CSI among them), and the bidi embeddings, overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) that can make text display in another order than it is.
pub(crate) fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` on one line, with every unsafe character (see [`is_unsafe`]), newlines and tabs
/// included, shown as a visible escape such as `\u{1b}`. Backslashes are kept as they are.
pub(crate) fn safe(text: &str) -> String {
    escape(text, |_| false)
}

/// Like [`safe`], but keeps newlines and tabs (for message bodies and answers).
pub(crate) fn safe_text(text: &str) -> String {
    escape(text, |c| matches!(c, '\n' | '\t'))
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) && !keep(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// A table with the given header, in the compact UTF-8 style, fitted to the terminal's
/// width (long cells wrap): the width `$COLUMNS` says when set, else the terminal's own.
pub(crate) fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    if let Some(width) = columns() {
        t.set_width(width);
    }
    t
}

/// The width `$COLUMNS` sets, when it is a number of at least 20.
fn columns() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
}

/// `value` as pretty JSON in which the unsafe characters JSON leaves raw (C1 controls, bidi
/// overrides) are written as `\uXXXX` escapes as well: still valid JSON, safe on a terminal.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let raw = serde_json::to_string_pretty(value)?;
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if is_unsafe(c) && c != '\n' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Writes CSV rows to stdout, each cell made terminal-safe. A closed stdout (`| head`) ends
/// the output quietly.
pub(crate) fn print_csv(rows: &[Vec<String>]) -> Result<(), csv::Error> {
    let write = || -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(std::io::stdout());
        for row in rows {
            w.write_record(row.iter().map(|cell| safe(cell)))?;
        }
        w.flush()?;
        Ok(())
    };
    match write() {
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            Ok(())
        }
        other => other,
    }
}

/// Writes `bytes` to stdout as they are; a closed stdout (`| head`) ends the output quietly.
pub(crate) fn print_bytes(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The first `max` characters of `text` on one line, with `…` when cut, terminal-safe.
pub(crate) fn short(text: &str, max: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = line.chars().take(max).collect();
    if line.chars().count() > max {
        s.push('…');
    }
    safe(&s)
}

/// A heading line for a section of output.
pub(crate) fn heading(title: &str) {
    println!();
    println!("== {title}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_but_keeps_persian() {
        assert_eq!(safe("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(safe("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(safe("\u{9b}1;2H"), "\\u{9b}1;2H");
        assert_eq!(safe("علی‌رضا"), "علی‌رضا");
        assert_eq!(safe("a\nb"), "a\\u{a}b");
        assert_eq!(safe_text("a\nb\tc\rd"), "a\nb\tc\\u{d}d");
    }

    #[test]
    fn json_stays_valid_and_safe() {
        let s = json(&serde_json::json!({"name": "a\u{202e}b\u{85}"})).unwrap();
        assert!(s.contains("\\u202e") && s.contains("\\u0085"));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["name"], "a\u{202e}b\u{85}");
    }

    #[test]
    fn short_cuts_and_flattens() {
        assert_eq!(short("hello\n  world", 20), "hello world");
        assert_eq!(short("abcdef", 3), "abc…");
    }
}

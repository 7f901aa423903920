//! The HTML part made from a plain-text body: escaped, paragraphs kept, written in the
//! direction of its script.

/// The writing direction of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Left to right (Latin and most other scripts).
    Ltr,
    /// Right to left: mostly Persian or Arabic script.
    Rtl,
}

/// The direction of `text`: right to left when more than half of its letters are of the
/// Arabic script (Persian, Arabic, Urdu, ...), else left to right.
pub fn direction(text: &str) -> Direction {
    let (mut arabic, mut letters) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if is_arabic_script(c) {
            arabic += 1;
        }
    }
    if letters > 0 && arabic * 2 > letters {
        Direction::Rtl
    } else {
        Direction::Ltr
    }
}

fn is_arabic_script(c: char) -> bool {
    matches!(c as u32,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x089F | 0x08A0..=0x08FF
        | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// Escapes `text` for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML document for the plain-text `body`: every paragraph (separated by a blank line)
/// one `<p>`, single line breaks kept as `<br>`, everything escaped; `dir="rtl" lang="fa"`
/// when the text is mostly Persian or Arabic script, else `dir="ltr"`.
pub fn from_text(subject: &str, body: &str) -> String {
    let dir = match direction(body) {
        Direction::Rtl => r#"dir="rtl" lang="fa""#,
        Direction::Ltr => r#"dir="ltr""#,
    };
    let normalized = body.replace("\r\n", "\n");
    let mut paragraphs = String::new();
    for paragraph in normalized.split("\n\n") {
        let paragraph = paragraph.trim_matches('\n');
        if paragraph.trim().is_empty() {
            continue;
        }
        let lines: Vec<String> = paragraph.lines().map(escape).collect();
        paragraphs.push_str("<p>");
        paragraphs.push_str(&lines.join("<br>\n"));
        paragraphs.push_str("</p>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html {dir}>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         </head>\n<body {dir}>\n{paragraphs}</body>\n</html>\n",
        escape(subject)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persian_is_right_to_left_and_latin_left_to_right() {
        assert_eq!(direction("سلام، درخواست شما بررسی شد."), Direction::Rtl);
        assert_eq!(direction("Your request 12 was answered."), Direction::Ltr);
        // Mostly Persian with a Latin product name stays right to left.
        assert_eq!(
            direction("درخواست شما درباره‌ی Model X پاسخ داده شد"),
            Direction::Rtl
        );
        assert_eq!(direction("12345"), Direction::Ltr);
    }

    #[test]
    fn escapes_and_keeps_paragraphs() {
        let html = from_text("a<b", "Hello <script>&\nsecond line\n\nnew \"para\"");
        assert!(html.contains("<title>a&lt;b</title>"), "{html}");
        assert!(
            html.contains("<p>Hello &lt;script&gt;&amp;<br>\nsecond line</p>"),
            "{html}"
        );
        assert!(html.contains("<p>new &quot;para&quot;</p>"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains(r#"<html dir="ltr">"#), "{html}");
    }

    #[test]
    fn persian_html_is_marked_rtl() {
        let html = from_text("پاسخ", "سلام\n\nبا احترام");
        assert!(html.contains(r#"<html dir="rtl" lang="fa">"#), "{html}");
        assert!(html.contains("<p>سلام</p>\n<p>با احترام</p>"), "{html}");
    }
}

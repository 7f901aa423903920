//! Compiling and rendering a template's three parts with minijinja.

use super::{Language, Rendered, filters};
use crate::error::{Error, Result};
use minijinja::{AutoEscape, Environment, Value};

/// How many instructions one part may run before rendering stops: far more than any message
/// needs, and a bound on a loop a workspace's template could otherwise spin in.
const FUEL: u64 = 200_000;

/// The name minijinja gives the HTML part; only it is auto-escaped.
const HTML: &str = "html";

/// The sources of one template's parts.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sources<'a> {
    pub subject: &'a str,
    pub text: &'a str,
    pub html: Option<&'a str>,
}

/// An environment for `language`: the filters, blocks that leave no blank lines, a fuel
/// bound, and HTML escaping for the part named [`HTML`] only.
fn environment<'a>(language: Language) -> Environment<'a> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|name| {
        if name == HTML {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    filters::register(&mut env, language);
    env
}

fn invalid(part: &str, e: &minijinja::Error) -> Error {
    Error::invalid(format!("template.{part}"), e.to_string())
}

/// Compiles the three parts, then renders each with an empty context to catch what only
/// shows when run but does not depend on the context: a filter, test or function that does
/// not exist, wrong arguments to one, a loop that runs out of fuel. (What sits in a branch
/// the empty context does not take is only found when a message takes it.)
pub(super) fn compile(sources: Sources<'_>) -> Result<()> {
    use minijinja::ErrorKind as K;
    let env = environment(Language::default());
    let empty = Value::from_serialize(serde_json::Map::new());
    let parts = [
        ("subject", Some(sources.subject)),
        ("text", Some(sources.text)),
        (HTML, sources.html),
    ];
    for (name, source) in parts {
        let Some(source) = source else { continue };
        let template = env
            .template_from_named_str(name, source)
            .map_err(|e| invalid(name, &e))?;
        let refused = |e: &minijinja::Error| {
            matches!(
                e.kind(),
                K::UnknownFilter
                    | K::UnknownTest
                    | K::UnknownFunction
                    | K::TooManyArguments
                    | K::MissingArgument
                    | K::OutOfFuel
            )
        };
        match template.render(&empty) {
            Err(e) if refused(&e) => return Err(invalid(name, &e)),
            _ => {}
        }
    }
    Ok(())
}

/// Renders the three parts in `language` with `context` (a JSON object, or null for none).
pub(super) fn render(
    sources: Sources<'_>,
    language: Language,
    context: &serde_json::Value,
) -> Result<Rendered> {
    let ctx = match context {
        serde_json::Value::Object(_) => Value::from_serialize(context),
        serde_json::Value::Null => Value::from_serialize(serde_json::Map::new()),
        _ => return Err(Error::invalid("context", "must be a JSON object")),
    };
    let env = environment(language);
    let part = |name: &'static str, source| {
        env.template_from_named_str(name, source)
            .and_then(|t| t.render(&ctx))
            .map_err(|e| invalid(name, &e))
    };
    let subject = one_line(&part("subject", sources.subject)?);
    let text = tidy(&part("text", sources.text)?);
    let body = match sources.html {
        Some(html) => part(HTML, html)?.trim().to_owned(),
        None => text_to_html(&text),
    };
    let html = document(language, &subject, &body);
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// `text` without trailing spaces on its lines, with runs of blank lines (left by values
/// the context lacks) made one, and without blank lines at either end.
pub(super) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

/// `text` on one line: every control character (newlines included) and every run of
/// whitespace becomes one space, and the ends are trimmed.
pub(super) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `text` with the five HTML-significant characters escaped.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// Plain text as HTML: escaped, a paragraph per block of lines separated by a blank line, a
/// `<br>` per line break inside a paragraph.
fn text_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut paragraphs = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in text.split('\n').chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !lines.is_empty() {
                let escaped: Vec<String> = lines.iter().map(|l| escape(l.trim_end())).collect();
                paragraphs.push(format!("<p>{}</p>", escaped.join("<br>\n")));
                lines.clear();
            }
        } else {
            lines.push(line);
        }
    }
    paragraphs.join("\n")
}

/// A complete small HTML document around `body`, its direction and language on the root.
fn document(language: Language, subject: &str, body: &str) -> String {
    let dir = if language.is_rtl() { "rtl" } else { "ltr" };
    let lang = language.tag();
    let font = if language.is_rtl() {
        "Vazirmatn, Tahoma, sans-serif"
    } else {
        "Helvetica, Arial, sans-serif"
    };
    format!(
        "<!DOCTYPE html>\n<html dir=\"{dir}\" lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n</head>\n\
         <body style=\"font-family: {font}; line-height: 1.6; text-align: {align};\">\n\
         {body}\n</body>\n</html>\n",
        title = escape(subject),
        align = if language.is_rtl() { "right" } else { "left" },
    )
}

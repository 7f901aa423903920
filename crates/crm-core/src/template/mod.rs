//! Message templates: what customers and staff are sent, per workspace and language.
//!
//! A message is rendered from a template of its event (`request.reply`, `request.sla_breached`
//! ...) in a [`Language`], with a context of values (a JSON object), by
//! [minijinja](https://docs.rs/minijinja) into a [`Rendered`] subject, plain text and HTML
//! document. crm-rs ships a template for each of [`shipped_events`] in English and Persian; a
//! workspace replaces any of them with its own [`MessageTemplate`] (set through
//! `Session::set_template`).
//!
//! - Subject: plain text on one line (control characters and line breaks become spaces).
//! - Text: plain text, nothing escaped.
//! - HTML: every value inserted is escaped; without an HTML source, the HTML is the rendered
//!   text, escaped, in paragraphs. The document's root carries `dir` and `lang`
//!   (`dir="rtl" lang="fa"` for Persian).
//! - Filters in every template: `date` and `datetime` (Jalali with Persian digits in Persian,
//!   `2026-03-21` in English, in the time zone of the context's `tz`, Tehran by default) and
//!   `digits` (Persian digits in Persian). A value a filter cannot read is shown unchanged.
//!
//! ```
//! use crm_core::template::{Language, render};
//! use serde_json::json;
//!
//! let context = json!({
//!     "number": 42, "subject": "<b>late</b> order", "answer": "It ships today.",
//!     "customer_name": "Ali", "workspace": "Acme",
//! });
//! let mail = render("request.reply", Language::Persian, &context, None)?;
//! assert_eq!(mail.subject, "پاسخ: <b>late</b> order [#42]");
//! assert!(mail.text.contains("شمارهٔ ۴۲"));
//! assert!(mail.html.contains(r#"<html dir="rtl" lang="fa">"#));
//! assert!(mail.html.contains("&lt;b&gt;late&lt;/b&gt; order"));
//! # Ok::<(), crm_core::Error>(())
//! ```

mod engine;
mod filters;
mod language;
mod rendered;
mod shipped;
mod stored;

pub use filters::DEFAULT_TIME_ZONE;
pub use language::Language;
pub use rendered::Rendered;
pub use shipped::shipped_events;
pub(crate) use shipped::{fallback_chain, is_shipped};
pub use stored::MessageTemplate;

use crate::error::{Error, Result};
use crate::limits::{self, MAX_BODY, MAX_SUBJECT};
use engine::Sources;

/// The longest event name, in characters.
pub const MAX_EVENT: usize = 100;

/// Renders `event` in `language` with `context` (a JSON object of values; `null` for none),
/// using `custom` when given (the workspace's own template for that event and language), else
/// the shipped one: the exact event, else the family default (`request.default` for
/// `request.*`, `customer.default` for `customer.*`, the family being the part before the
/// first dot), else `default`.
///
/// Keys the context lacks render as nothing. Never panics.
///
/// # Errors
/// [`Error::Invalid`] when `context` is not an object, or the template fails to compile or
/// render (a filter that does not exist, an operation on values of the wrong type, a loop
/// that runs too long).
pub fn render(
    event: &str,
    language: Language,
    context: &serde_json::Value,
    custom: Option<&MessageTemplate>,
) -> Result<Rendered> {
    let sources = match custom {
        Some(t) => Sources {
            subject: &t.subject,
            text: &t.text,
            html: t.html.as_deref(),
        },
        None => shipped::lookup(event, language).1,
    };
    engine::render(sources, language, context)
}

/// Checks a template before it is stored: its event name (1 to [`MAX_EVENT`] characters of
/// `a-z`, `0-9`, `.`, `_`, `-`, not starting or ending with a dot), the sizes of its sources
/// (the subject at most [`MAX_SUBJECT`] characters, the text and HTML at most [`MAX_BODY`])
/// and that all three compile, and render with an empty context without naming a filter,
/// test or function that does not exist, passing one wrong arguments, or running a loop out of
/// fuel.
///
/// What the empty context does not reach (a branch it does not take) or depends on the
/// values (adding text to a number) can still fail when a message is rendered.
///
/// # Errors
/// [`Error::Invalid`] naming the part at fault (`template.event`, `template.subject`,
/// `template.text`, `template.html`) and, for a syntax error, where it is.
pub fn validate(template: &MessageTemplate) -> Result<()> {
    validate_event(&template.event)?;
    limits::text("template.subject", &template.subject, MAX_SUBJECT)?;
    limits::text("template.text", &template.text, MAX_BODY)?;
    if let Some(html) = &template.html {
        limits::text("template.html", html, MAX_BODY)?;
    }
    engine::compile(Sources {
        subject: &template.subject,
        text: &template.text,
        html: template.html.as_deref(),
    })
}

/// Checks an event name (see [`validate`]).
///
/// # Errors
/// [`Error::Invalid`] for `template.event`.
pub fn validate_event(event: &str) -> Result<()> {
    let fine = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if event.is_empty() || event.chars().count() > MAX_EVENT {
        return Err(Error::invalid(
            "template.event",
            format!("must be 1 to {MAX_EVENT} characters"),
        ));
    }
    if !event.chars().all(fine) || event.starts_with('.') || event.ends_with('.') {
        return Err(Error::invalid(
            "template.event",
            "lowercase letters a-z, digits, '.', '_' and '-', not starting or ending with '.'",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;

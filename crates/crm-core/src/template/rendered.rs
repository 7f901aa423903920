//! What rendering a template produces.

use serde::{Deserialize, Serialize};

/// What a template produced: one message in three forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// One line of plain text, without control characters (a mail header, an SMS preview).
    pub subject: String,
    /// The body as plain text, nothing escaped (SMS, the plain-text part of a mail).
    pub text: String,
    /// The body as a complete HTML document, every inserted value escaped, with `dir` and
    /// `lang` on its root element.
    pub html: String,
}

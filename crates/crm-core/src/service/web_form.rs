//! The web contact form: a payload type with validation, feeding intake.

use super::Session;
use super::intake::{InboundMessage, IntakeOutcome, Sender};
use crate::channel::Channel;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a contact form on a web site posts (as JSON or as an urlencoded HTML form).
///
/// Fields this type does not know are **ignored**, so a real HTML form can be deserialised as
/// it is posted, with its CSRF token, honeypot or submit button: check those in the web layer
/// before taking the form in. The known fields are validated by [`WebForm::into_message`].
///
/// ```
/// let form: crm_core::service::WebForm = serde_json::from_str(r#"{
///     "submission_id": "f-1001", "name": "سارا محمدی", "email": "sara@example.com",
///     "message": "سلام، فاکتور من نرسیده است", "topic": "billing", "csrf_token": "ignored"
/// }"#).unwrap();
/// assert!(form.into_message().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebForm {
    /// The form's own submission id: the same id twice is one submission.
    pub submission_id: String,
    /// The name given.
    #[serde(default)]
    pub name: Option<String>,
    /// Email given.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone given.
    #[serde(default)]
    pub phone: Option<String>,
    /// Subject given.
    #[serde(default)]
    pub subject: Option<String>,
    /// The message.
    pub message: String,
    /// The topic picked on the form (becomes the request's category).
    #[serde(default)]
    pub topic: Option<String>,
    /// When submitted (default: when taken in).
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
}

impl WebForm {
    /// The inbound message this form is.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the message is empty or neither an email nor a phone number
    /// was given (contact details themselves are checked by intake).
    pub fn into_message(self) -> Result<InboundMessage> {
        if self.message.trim().is_empty() {
            return Err(Error::invalid("message", "must not be empty"));
        }
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&self.email) && blank(&self.phone) {
            return Err(Error::invalid(
                "sender",
                "an email or a phone number is needed to answer",
            ));
        }
        let keep = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let sender = Sender {
            email: keep(self.email),
            phone: keep(self.phone),
            handle: None,
            name: keep(self.name),
        };
        let mut message =
            InboundMessage::new(Channel::WebForm, &self.submission_id, sender, &self.message);
        message.subject = keep(self.subject);
        message.category = keep(self.topic);
        message.received_at = self.submitted_at;
        Ok(message)
    }
}

impl Session {
    /// Takes in a web form submission (see [`Session::intake`]).
    ///
    /// # Errors
    /// As [`WebForm::into_message`] and [`Session::intake`].
    #[tracing::instrument(skip_all, fields(workspace = %self.ws, actor = %self.principal.actor(), operation = "intake_web_form", record = tracing::field::Empty))]
    pub async fn intake_web_form(&self, form: WebForm) -> Result<IntakeOutcome> {
        self.intake(form.into_message()?).await
    }
}

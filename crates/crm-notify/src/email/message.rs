//! Building the MIME message of an outbox notification.

use super::config::SmtpConfig;
use super::html;
use crm_core::channel::Channel;
use crm_core::notify::{Destination, NotifyError};
use crm_core::outbox::OutboxMessage;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

/// A message ready to hand over.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The envelope: the `From` address and the one recipient.
    pub envelope: lettre::address::Envelope,
    /// The whole message (headers and body), CRLF line ends.
    pub bytes: Vec<u8>,
    /// The `Message-ID` without angle brackets: `{outbox id}@{domain}`.
    pub message_id: String,
}

/// The `Message-ID` (without angle brackets) of `message` from `domain`: the same for every
/// attempt, so a receiver can drop a repeat.
pub fn message_id(message: &OutboxMessage, domain: &str) -> String {
    format!("{}@{domain}", message.id)
}

/// The mailbox a message to `to` goes to.
///
/// # Errors
/// [`NotifyError::Permanent`] for a staff member without a work email, a customer on a
/// channel other than email or a web form (answered by email), or a webhook; [`NotifyError::Bounced`] for an address that is
/// not one.
pub fn recipient(to: &Destination) -> Result<Mailbox, NotifyError> {
    let (name, address) = match to {
        Destination::Customer {
            channel: Channel::Email | Channel::WebForm,
            address,
            name,
            ..
        } => (name, address),
        Destination::Customer { channel, .. } => {
            return Err(NotifyError::permanent(format!(
                "the email notifier cannot deliver to a customer on {channel}"
            )));
        }
        Destination::Staff {
            email: Some(email),
            name,
            ..
        } => (name, email),
        Destination::Staff {
            email: None, name, ..
        } => {
            return Err(NotifyError::permanent(format!(
                "staff member {name} has no work email"
            )));
        }
        _ => {
            return Err(NotifyError::permanent(
                "the email notifier delivers to customers and staff only",
            ));
        }
    };
    let address: Address = address
        .trim()
        .parse()
        .map_err(|e| NotifyError::bounced(format!("{address:?} is not an email address: {e}")))?;
    let name = one_line(name);
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

/// Builds the message for `message` to `to`: `Message-ID`, `Date`, `From`, `To`, `Subject`,
/// `In-Reply-To` and `References` of the thread, `X-CRM-Event`, `Auto-Submitted` for staff,
/// and a `multipart/alternative` body with the text and the HTML (made from the text when
/// the notification has none).
///
/// # Errors
/// As [`recipient`]; [`NotifyError::Permanent`] when the configured `From` is not an
/// address.
pub fn build(
    config: &SmtpConfig,
    message: &OutboxMessage,
    to: &Destination,
) -> Result<Outgoing, NotifyError> {
    let n = &message.notification;
    let to_mailbox = recipient(to)?;
    let from_address: Address = config.from.address.parse().map_err(|e| {
        NotifyError::permanent(format!(
            "the configured From {:?} is not an email address: {e}",
            config.from.address
        ))
    })?;
    let from_name = one_line(&config.from.name);
    let from_name = from_name.trim();
    let from = Mailbox::new(
        (!from_name.is_empty()).then(|| from_name.to_owned()),
        from_address,
    );
    let id = message_id(message, &config.domain);
    let mut builder = Message::builder()
        .message_id(Some(format!("<{id}>")))
        .date_now()
        .from(from)
        .to(to_mailbox)
        .subject(one_line(&n.subject))
        .header(CrmEvent(one_line(&n.event)));
    let in_reply_to = n.in_reply_to.as_deref().and_then(clean_id);
    let mut references: Vec<String> = n.references.iter().filter_map(|r| clean_id(r)).collect();
    if let Some(parent) = &in_reply_to {
        if !references.contains(parent) {
            references.push(parent.clone());
        }
        builder = builder.in_reply_to(format!("<{parent}>"));
    }
    if !references.is_empty() {
        let joined: Vec<String> = references.iter().map(|r| format!("<{r}>")).collect();
        builder = builder.references(joined.join(" "));
    }
    if matches!(to, Destination::Staff { .. }) {
        builder = builder.header(AutoSubmitted);
    }
    let html = match &n.html {
        Some(html) => html.clone(),
        None => html::from_text(&n.subject, &n.body),
    };
    let email = builder
        .multipart(MultiPart::alternative_plain_html(n.body.clone(), html))
        .map_err(|e| NotifyError::permanent(format!("cannot build the email: {e}")))?;
    Ok(Outgoing {
        envelope: email.envelope().clone(),
        bytes: email.formatted(),
        message_id: id,
    })
}

/// `text` on one line: control characters (line breaks, tabs, ...) become spaces, so that a
/// subject or a name can never start a header of its own.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A message id without angle brackets and surrounding space, if it is one: printable
/// ASCII without spaces or brackets (anything else could break the header).
fn clean_id(id: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let ok = !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>');
    ok.then(|| id.to_owned())
}

/// `X-CRM-Event: {event}`: what happened, as the outbox's stable machine name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CrmEvent(String);

impl Header for CrmEvent {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-CRM-Event")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no automatic answers to staff notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::id::{CustomerId, OutboxId, StaffId};
    use crm_core::outbox::{Notification, Recipient};

    fn config() -> SmtpConfig {
        SmtpConfig::smtp("127.0.0.1", 25, super::super::Tls::None)
            .from("Acme", "support@acme.example")
            .domain("acme.example")
    }

    fn outbox(n: Notification) -> OutboxMessage {
        OutboxMessage::queued(OutboxId(uuid::Uuid::nil()), chrono::Utc::now(), n)
    }

    fn customer(channel: Channel, address: &str) -> Destination {
        Destination::Customer {
            customer: CustomerId(uuid::Uuid::nil()),
            channel,
            address: address.into(),
            name: "Ali".into(),
        }
    }

    fn note() -> Notification {
        let r = Recipient::Staff {
            staff: StaffId(uuid::Uuid::nil()),
        };
        Notification::new(r, "request.referred", "s".into(), "b".into())
    }

    #[test]
    fn refuses_what_is_not_an_email_destination() {
        let sms = recipient(&customer(Channel::Sms, "+989121234567")).unwrap_err();
        assert!(matches!(sms, NotifyError::Permanent(_)), "{sms}");
        let staff = Destination::Staff {
            staff: StaffId(uuid::Uuid::nil()),
            email: None,
            name: "Sara".into(),
        };
        let err = recipient(&staff).unwrap_err();
        assert!(matches!(err, NotifyError::Permanent(_)), "{err}");
        assert!(err.to_string().contains("Sara has no work email"), "{err}");
        let bad = recipient(&customer(Channel::Email, "ali at example")).unwrap_err();
        assert!(matches!(bad, NotifyError::Bounced(_)), "{bad}");
    }

    #[test]
    fn a_web_form_is_answered_by_email() {
        let to = recipient(&customer(Channel::WebForm, "Ali@Example.com")).unwrap();
        assert_eq!(to.email.to_string(), "Ali@Example.com");
    }

    #[test]
    fn unsafe_thread_ids_are_dropped() {
        assert_eq!(clean_id(" <a@b> "), Some("a@b".to_owned()));
        assert_eq!(clean_id("a@b\r\nBcc: x@y"), None);
        assert_eq!(clean_id("<>"), None);
        let mut n = note();
        n.in_reply_to = Some("p@x\r\nBcc: evil@x".into());
        n.references = vec!["r@x".into()];
        let staff = Destination::Staff {
            staff: StaffId(uuid::Uuid::nil()),
            email: Some("sara@acme.example".into()),
            name: "Sara".into(),
        };
        let out = build(&config(), &outbox(n), &staff).unwrap();
        let text = String::from_utf8(out.bytes).unwrap();
        assert!(!text.contains("evil"), "{text}");
        assert!(text.contains("References: <r@x>"), "{text}");
        assert!(!text.contains("In-Reply-To"), "{text}");
        assert!(text.contains("Auto-Submitted: auto-generated"), "{text}");
        assert!(text.contains("X-CRM-Event: request.referred"), "{text}");
    }

    #[test]
    fn a_subject_or_name_cannot_add_headers() {
        let mut n = note();
        n.subject = "Hi\r\nBcc: evil@attacker.example".into();
        let to = Destination::Customer {
            customer: CustomerId(uuid::Uuid::nil()),
            channel: Channel::Email,
            address: "ali@example.com".into(),
            name: "Ali \"the\" <x>,\r\nCc: evil2@attacker.example".into(),
        };
        let out = build(&config(), &outbox(n), &to).unwrap();
        let text = String::from_utf8(out.bytes).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        for line in headers.split("\r\n") {
            assert!(
                !line.starts_with("Bcc:") && !line.starts_with("Cc:"),
                "injected header line {line:?} in\n{headers}"
            );
        }
        assert_eq!(out.envelope.to().len(), 1);
    }

    proptest::proptest! {
        #[test]
        fn any_text_builds_a_message_without_panicking(
            subject in "\\PC*|[\r\n\t\u{0}-\u{1f}a-zش ]*",
            body in "\\PC*|[\r\n.a-zش ]*",
            name in "\\PC*|[\r\n\"<>,;:@a-zش ]*",
            event in "\\PC*|[\r\na-z.]*",
        ) {
            let mut n = note();
            n.subject = subject;
            n.body = body;
            n.event = event;
            let to = Destination::Customer {
                customer: CustomerId(uuid::Uuid::nil()),
                channel: Channel::Email,
                address: "ali@example.com".into(),
                name,
            };
            let out = build(&config(), &outbox(n), &to).unwrap();
            let text = String::from_utf8(out.bytes).unwrap();
            let headers = text.split("\r\n\r\n").next().unwrap_or_default();
            for line in headers.split("\r\n") {
                proptest::prop_assert!(
                    line.starts_with(' ') || line.starts_with('\t') || line.contains(':'),
                    "a header line that is not a header: {:?}", line
                );
            }
        }
    }

    #[test]
    fn customers_get_no_auto_submitted() {
        let out = build(
            &config(),
            &outbox(note()),
            &customer(Channel::Email, "ali@example.com"),
        )
        .unwrap();
        let text = String::from_utf8(out.bytes).unwrap();
        assert!(!text.contains("Auto-Submitted"), "{text}");
        assert_eq!(
            out.message_id,
            "00000000-0000-0000-0000-000000000000@acme.example"
        );
    }
}

//! Reading an email file (RFC 5322, `.eml`) into an inbound message, with `mail-parser`.
//!
//! - Sender: the first `From` address and its display name.
//! - External id: the `Message-ID` (without angle brackets); the same file taken in twice is
//!   one message.
//! - Thread: the first `References` id (the root of the conversation), else the
//!   `In-Reply-To` id, else the message's own id, so replies join the request their thread
//!   started.
//! - Subject and the first text body (or the HTML body, when there is no text one), with
//!   encoded words (`=?UTF-8?B?...?=`), quoted-printable and base64 decoded to UTF-8.
//! - Attachments: name, media type and size only.
//! - Received time: the `Date` header, when valid.

use chrono::{DateTime, Utc};
use crm::channel::Channel;
use crm::interaction::Attachment;
use crm::service::{InboundMessage, Sender};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

/// Parses `raw` as an email.
///
/// # Errors
/// A reason for people when it is not an email with a sender and a Message-ID.
pub(crate) fn parse(raw: &[u8]) -> Result<InboundMessage, String> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| "not an RFC 5322 email message".to_owned())?;
    let from = message
        .from()
        .and_then(|a| a.first())
        .ok_or_else(|| "the email has no From address".to_owned())?;
    let email = from
        .address()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| "the From header has no address".to_owned())?;
    let id = message
        .message_id()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| "the email has no Message-ID (needed to take it in once)".to_owned())?;
    let thread = first_id(message.references())
        .or_else(|| first_id(message.in_reply_to()))
        .unwrap_or_else(|| id.to_owned());
    let body = message
        .body_text(0)
        .map(|b| b.into_owned())
        .unwrap_or_default();
    let body = body.replace("\r\n", "\n").trim_end().to_owned();
    let attachments = message
        .attachments()
        .map(|part| Attachment {
            name: part
                .attachment_name()
                .map(str::to_owned)
                .unwrap_or_else(|| "unnamed".to_owned()),
            media_type: part.content_type().map_or_else(
                || "application/octet-stream".to_owned(),
                |ct| match ct.subtype() {
                    Some(sub) => format!("{}/{sub}", ct.ctype()),
                    None => ct.ctype().to_owned(),
                },
            ),
            size: part.len() as u64,
        })
        .collect();
    let sender = Sender {
        email: Some(email.to_owned()),
        name: from
            .name()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        ..Sender::default()
    };
    let mut inbound = InboundMessage::new(Channel::Email, id, sender, &body);
    inbound.thread = Some(thread);
    inbound.subject = message
        .subject()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    inbound.attachments = attachments;
    inbound.received_at = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
    Ok(inbound)
}

/// The first message id of a `References` or `In-Reply-To` header.
fn first_id(value: &HeaderValue<'_>) -> Option<String> {
    let first = match value {
        HeaderValue::Text(t) => Some(t.as_ref()),
        HeaderValue::TextList(list) => list.first().map(|t| t.as_ref()),
        _ => None,
    }?;
    let first = first.trim().trim_start_matches('<').trim_end_matches('>');
    (!first.is_empty()).then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPLY: &str = "From: =?UTF-8?B?2LnZhNuMINix2LbYp9uM24w=?= <ali@example.com>\r\n\
        To: support@acme.example\r\n\
        Subject: =?UTF-8?B?2YXYtNqp2YQg2LXZiNix2KrYrdiz2KfYqA==?=\r\n\
        Message-ID: <m2@example.com>\r\n\
        In-Reply-To: <m1@example.com>\r\n\
        References: <m0@example.com> <m1@example.com>\r\n\
        Date: Sat, 21 Mar 2026 10:00:00 +0330\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        Content-Transfer-Encoding: quoted-printable\r\n\
        \r\n\
        =D8=B3=D9=84=D8=A7=D9=85\r\n";

    #[test]
    fn decodes_persian_and_finds_the_thread_root() {
        let m = parse(REPLY.as_bytes()).unwrap();
        assert_eq!(m.external_id, "m2@example.com");
        assert_eq!(m.thread.as_deref(), Some("m0@example.com"));
        assert_eq!(m.subject.as_deref(), Some("مشکل صورتحساب"));
        assert_eq!(m.body, "سلام");
        assert_eq!(m.sender.email.as_deref(), Some("ali@example.com"));
        assert_eq!(m.sender.name.as_deref(), Some("علی رضایی"));
        assert_eq!(
            m.received_at.map(|t| t.to_rfc3339()),
            Some("2026-03-21T06:30:00+00:00".to_owned())
        );
    }

    #[test]
    fn refuses_a_message_without_id() {
        let raw = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
        assert!(parse(raw.as_bytes()).unwrap_err().contains("Message-ID"));
    }
}

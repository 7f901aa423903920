//! Reading what people type: channels, customers, cartable targets.

use crate::context::Directory;
use crate::error::{CliError, CliResult};
use crm::Session;
use crm::channel::{Channel, SocialNetwork};
use crm::customer::{ContactKind, Customer};
use crm::id::CustomerId;
use crm::request::Holder;

/// A channel by its stable name (`email`, `sms`, `social:telegram`, `web_form`, ...) or a
/// short form (`telegram`, `whatsapp`, `phone`, `web`, `call`).
///
/// # Errors
/// Invalid input for an unknown channel.
pub(crate) fn channel(text: &str) -> CliResult<Channel> {
    let t = text.trim().to_ascii_lowercase().replace('-', "_");
    if let Ok(c) = t.parse::<Channel>() {
        return Ok(c);
    }
    if let Ok(n) = t.parse::<SocialNetwork>() {
        return Ok(Channel::Social(n));
    }
    match t.as_str() {
        "phone" | "call" => Ok(Channel::PhoneCall),
        "web" | "webform" | "form" => Ok(Channel::WebForm),
        "inperson" | "visit" => Ok(Channel::InPerson),
        _ => {
            let known: Vec<String> = Channel::all().map(|c| c.to_string()).collect();
            Err(CliError::invalid(format!(
                "unknown channel {text:?}; one of: {}",
                known.join(", ")
            )))
        }
    }
}

/// The customer `reference` names: an id, an email, a phone number (any spelling, Persian
/// digits too), or `NETWORK:HANDLE` (`telegram:@jane`).
///
/// # Errors
/// Invalid input when nobody matches.
pub(crate) async fn customer(session: &Session, reference: &str) -> CliResult<Customer> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<CustomerId>() {
        return Ok(session.customer(id).await?);
    }
    let (kind, value) = match r.split_once(':') {
        Some((network, handle)) if network.parse::<SocialNetwork>().is_ok() => {
            let network = network
                .parse::<SocialNetwork>()
                .map_err(|e| CliError::invalid(e.to_string()))?;
            (ContactKind::Social(network), handle)
        }
        _ if r.contains('@') => (ContactKind::Email, r),
        _ => (ContactKind::Mobile, r),
    };
    session
        .find_by_contact(kind, value)
        .await?
        .ok_or_else(|| CliError::invalid(format!("no customer with {kind} {value:?}")))
}

/// A cartable target: `staff:EMAIL` (or a bare email), `department:NAME` (or `dept:NAME`),
/// or `officers`.
///
/// # Errors
/// Invalid input for an unknown person or department.
pub(crate) fn holder(dir: &Directory, target: &str) -> CliResult<Holder> {
    let t = target.trim();
    if t.eq_ignore_ascii_case("officers") {
        return Ok(Holder::Officers);
    }
    match t.split_once(':') {
        Some(("staff", who)) => Ok(Holder::Staff(dir.staff_by_ref(who)?.id)),
        Some(("department" | "dept", name)) => {
            Ok(Holder::Department(dir.department_by_ref(name)?.id))
        }
        _ if t.contains('@') => Ok(Holder::Staff(dir.staff_by_ref(t)?.id)),
        _ => Err(CliError::invalid(format!(
            "unknown target {t:?}: use staff:EMAIL, department:NAME or officers"
        ))),
    }
}

/// A request number as typed: `12` or `#12`, Persian digits welcome.
///
/// # Errors
/// Invalid input when it is not a number.
pub(crate) fn request_number(text: &str) -> Result<u64, String> {
    let ascii: String = text
        .trim()
        .trim_start_matches('#')
        .chars()
        .map(|c| match c {
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            _ => c,
        })
        .collect();
    ascii
        .parse::<u64>()
        .map_err(|_| format!("{text:?} is not a request number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_by_name_and_short_form() {
        assert_eq!(channel("sms").unwrap(), Channel::Sms);
        assert_eq!(
            channel("telegram").unwrap(),
            Channel::Social(SocialNetwork::Telegram)
        );
        assert_eq!(
            channel("social:whatsapp").unwrap(),
            Channel::Social(SocialNetwork::WhatsApp)
        );
        assert_eq!(channel("web-form").unwrap(), Channel::WebForm);
        assert!(channel("pigeon").is_err());
    }

    #[test]
    fn request_numbers_in_any_digits() {
        assert_eq!(request_number("#12"), Ok(12));
        assert_eq!(request_number("۱۲"), Ok(12));
        assert!(request_number("x").is_err());
    }
}

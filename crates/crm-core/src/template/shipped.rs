//! The templates crm-rs ships, in English and Persian, and the fallback chain that picks one.
//!
//! The sources are files under `template/shipped/{en,fa}/`, one per event, language and part
//! (`request.reply.subject`, `request.reply.text`, and `request.reply.html` where the HTML is
//! more than the text made into paragraphs).

use super::Language;
use super::engine::Sources;

/// One shipped template.
struct Shipped {
    event: &'static str,
    language: Language,
    subject: &'static str,
    text: &'static str,
    html: Option<&'static str>,
}

/// A shipped template of `$event` in `$lang` (the folder), with or without an HTML part.
macro_rules! shipped {
    ($event:literal, $lang:literal, $language:expr) => {
        Shipped {
            event: $event,
            language: $language,
            subject: include_str!(concat!("shipped/", $lang, "/", $event, ".subject")),
            text: include_str!(concat!("shipped/", $lang, "/", $event, ".text")),
            html: None,
        }
    };
    ($event:literal, $lang:literal, $language:expr, html) => {
        Shipped {
            html: Some(include_str!(concat!(
                "shipped/", $lang, "/", $event, ".html"
            ))),
            ..shipped!($event, $lang, $language)
        }
    };
}

/// Every shipped template: each event in both languages.
static SHIPPED: &[Shipped] = &[
    shipped!("request.reply", "en", Language::English, html),
    shipped!("request.reply", "fa", Language::Persian, html),
    shipped!("request.satisfaction_survey", "en", Language::English),
    shipped!("request.satisfaction_survey", "fa", Language::Persian),
    shipped!("request.default", "en", Language::English),
    shipped!("request.default", "fa", Language::Persian),
    shipped!("request.sla_breached", "en", Language::English),
    shipped!("request.sla_breached", "fa", Language::Persian),
    shipped!("request.sla_warning", "en", Language::English),
    shipped!("request.sla_warning", "fa", Language::Persian),
    shipped!("request.escalated", "en", Language::English),
    shipped!("request.escalated", "fa", Language::Persian),
    shipped!("customer.merged", "en", Language::English),
    shipped!("customer.merged", "fa", Language::Persian),
    shipped!("customer.default", "en", Language::English),
    shipped!("customer.default", "fa", Language::Persian),
    shipped!("default", "en", Language::English),
    shipped!("default", "fa", Language::Persian),
    shipped!("task.changed", "en", Language::English),
    shipped!("task.changed", "fa", Language::Persian),
    shipped!("task.reminder", "en", Language::English),
    shipped!("task.reminder", "fa", Language::Persian),
    shipped!("customer.greeting", "en", Language::English),
    shipped!("customer.greeting", "fa", Language::Persian),
];

/// The events with shipped templates, in the order of [`SHIPPED`].
static EVENTS: &[&str] = &[
    "request.reply",
    "request.satisfaction_survey",
    "request.default",
    "request.sla_breached",
    "request.sla_warning",
    "request.escalated",
    "customer.merged",
    "customer.default",
    "default",
    "task.changed",
    "task.reminder",
    "customer.greeting",
];

/// The events that have shipped templates (each in every language of [`Language::ALL`]).
pub fn shipped_events() -> &'static [&'static str] {
    EVENTS
}

/// The events tried for `event`, in order: the event itself, its family's default
/// (`request.default` for `request.*`: the family is the part before the first dot), then
/// `default`.
pub(crate) fn fallback_chain(event: &str) -> Vec<String> {
    let mut chain = vec![event.to_owned()];
    if let Some((family, _)) = event.split_once('.') {
        let family_default = format!("{family}.default");
        if !chain.contains(&family_default) {
            chain.push(family_default);
        }
    }
    if event != "default" {
        chain.push("default".to_owned());
    }
    chain
}

/// Whether a template of exactly `event` in `language` is shipped.
pub(crate) fn is_shipped(event: &str, language: Language) -> bool {
    exact(event, language).is_some()
}

/// The shipped template of exactly `event` in `language`, if there is one.
fn exact(event: &str, language: Language) -> Option<Sources<'static>> {
    SHIPPED
        .iter()
        .find(|s| s.event == event && s.language == language)
        .map(|s| Sources {
            subject: s.subject,
            text: s.text,
            html: s.html,
        })
}

/// The shipped template for `event` in `language`, following [`fallback_chain`]: always one
/// (every language has `default`), with the event it was shipped for.
pub(super) fn lookup(event: &str, language: Language) -> (String, Sources<'static>) {
    for candidate in fallback_chain(event) {
        if let Some(sources) = exact(&candidate, language) {
            return (candidate, sources);
        }
    }
    // Unreachable while `default` is shipped in every language (tested); an English
    // `default` otherwise, and a bare one if even that went missing.
    let fallback = Sources {
        subject: "{{ subject }}",
        text: "{{ body }}",
        html: None,
    };
    (
        "default".to_owned(),
        exact("default", Language::English).unwrap_or(fallback),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_is_shipped_in_every_language_and_compiles() {
        for event in shipped_events() {
            for language in Language::ALL {
                let sources = exact(event, language)
                    .unwrap_or_else(|| panic!("{event} in {language:?} is shipped"));
                super::super::engine::compile(sources)
                    .unwrap_or_else(|e| panic!("{event} {language:?}: {e}"));
            }
        }
        assert_eq!(SHIPPED.len(), EVENTS.len() * Language::ALL.len());
    }

    #[test]
    fn the_chain_goes_event_family_default() {
        assert_eq!(
            fallback_chain("request.reply"),
            ["request.reply", "request.default", "default"]
        );
        assert_eq!(
            fallback_chain("customer.created"),
            ["customer.created", "customer.default", "default"]
        );
        assert_eq!(
            fallback_chain("request.default"),
            ["request.default", "default"]
        );
        assert_eq!(fallback_chain("ping"), ["ping", "default"]);
        assert_eq!(fallback_chain("default"), ["default"]);
        assert_eq!(
            fallback_chain("sales.deal.won"),
            ["sales.deal.won", "sales.default", "default"]
        );
    }

    #[test]
    fn lookup_follows_the_chain() {
        assert_eq!(
            lookup("request.reply", Language::Persian).0,
            "request.reply"
        );
        assert_eq!(
            lookup("request.referred", Language::Persian).0,
            "request.default"
        );
        assert_eq!(
            lookup("customer.created", Language::English).0,
            "customer.default"
        );
        assert_eq!(lookup("deal.won", Language::English).0, "default");
        assert_eq!(lookup("", Language::Persian).0, "default");
    }
}

//! Unit and property tests of rendering.

use super::*;
use crate::id::TemplateId;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

fn custom(subject: &str, text: &str, html: Option<&str>) -> MessageTemplate {
    MessageTemplate {
        id: TemplateId(Uuid::from_u128(1)),
        version: 1,
        event: "request.reply".into(),
        language: Language::English,
        subject: subject.into(),
        text: text.into(),
        html: html.map(str::to_owned),
        updated_at: Utc.with_ymd_and_hms(2026, 3, 21, 8, 0, 0).unwrap(),
    }
}

/// Renders a one-off template's text part.
fn text_of(source: &str, language: Language, context: &Value) -> String {
    render("x", language, context, Some(&custom("s", source, None)))
        .unwrap()
        .text
}

fn is_invalid<T: std::fmt::Debug>(result: Result<T>, part: &str) -> bool {
    matches!(result, Err(Error::Invalid { ref field, .. }) if field == part)
}

const SCRIPT: &str = "<script>alert('x')</script>";

fn reply_context(answer: &str) -> Value {
    json!({
        "number": 7, "subject": SCRIPT, "answer": answer,
        "customer_name": "Ali & Sara", "workspace": "Acme",
    })
}

#[test]
fn html_escapes_inserted_values_and_text_keeps_them() {
    let context = reply_context(SCRIPT);
    // The shipped reply has an HTML source; the survey's HTML is made from its text; a
    // workspace's own HTML source is escaped too.
    let own = custom("{{ subject }}", "{{ answer }}", Some("<p>{{ answer }}</p>"));
    for (event, custom) in [
        ("request.reply", None),
        ("request.satisfaction_survey", None),
        ("request.reply", Some(&own)),
    ] {
        for language in Language::ALL {
            let mail = render(event, language, &context, custom).unwrap();
            assert!(!mail.html.contains("<script"), "{event}: {}", mail.html);
            assert!(
                mail.html.contains("&lt;script&gt;"),
                "{event}: {}",
                mail.html
            );
            assert!(mail.text.contains(SCRIPT), "{event}: {}", mail.text);
            if event == "request.reply" {
                assert!(mail.subject.contains(SCRIPT), "{event}: {}", mail.subject);
            }
        }
    }
    let mail = render("request.reply", Language::English, &context, None).unwrap();
    assert!(mail.html.contains("Ali &amp; Sara"));
    assert!(mail.text.contains("Dear Ali & Sara,"));
    // The template's own markup is kept.
    assert!(mail.html.contains("<strong>#7</strong>"));
}

#[test]
fn documents_carry_direction_and_language() {
    let context = reply_context("ok");
    let fa = render("request.reply", Language::Persian, &context, None).unwrap();
    assert!(
        fa.html
            .starts_with("<!DOCTYPE html>\n<html dir=\"rtl\" lang=\"fa\">")
    );
    assert!(fa.html.trim_end().ends_with("</html>"));
    assert!(fa.html.contains("<meta charset=\"utf-8\">"));
    let en = render("request.reply", Language::English, &context, None).unwrap();
    assert!(en.html.contains("<html dir=\"ltr\" lang=\"en\">"));
    // The title is the escaped subject.
    assert!(en.html.contains("<title>Re: &lt;script&gt;"));
}

#[test]
fn text_becomes_paragraphs_and_line_breaks() {
    let mail = render(
        "x",
        Language::English,
        &json!({"a": "one < two"}),
        Some(&custom(
            "s",
            "{{ a }}\nsecond line\n\n\nnext paragraph",
            None,
        )),
    )
    .unwrap();
    assert!(
        mail.html
            .contains("<p>one &lt; two<br>\nsecond line</p>\n<p>next paragraph</p>"),
        "{}",
        mail.html
    );
}

#[test]
fn persian_dates_are_jalali_with_persian_digits_in_tehran() {
    let at = json!({"at": "2026-03-21T08:00:00Z"});
    assert_eq!(
        text_of("{{ at|date }}", Language::Persian, &at),
        "۱۴۰۵/۰۱/۰۱"
    );
    assert_eq!(
        text_of("{{ at|date }}", Language::English, &at),
        "2026-03-21"
    );
    // Tehran is UTC+03:30.
    assert_eq!(
        text_of("{{ at|datetime }}", Language::Persian, &at),
        "۱۴۰۵/۰۱/۰۱ ۱۱:۳۰"
    );
    assert_eq!(
        text_of("{{ at|datetime }}", Language::English, &at),
        "2026-03-21 11:30"
    );
    // 21:00 UTC on the eve of Nowruz is already Farvardin 1 in Tehran, not in UTC.
    let eve = json!({"at": "2026-03-20T21:00:00Z"});
    assert_eq!(
        text_of("{{ at|date }}", Language::Persian, &eve),
        "۱۴۰۵/۰۱/۰۱"
    );
    let eve_utc = json!({"at": "2026-03-20T21:00:00Z", "tz": "UTC"});
    assert_eq!(
        text_of("{{ at|date }}", Language::Persian, &eve_utc),
        "۱۴۰۴/۱۲/۲۹"
    );
    assert_eq!(
        text_of("{{ at|datetime }}", Language::English, &eve_utc),
        "2026-03-20 21:00"
    );
    // A Unix timestamp, a plain date, an offset and an unknown zone (Tehran then).
    let more = json!({
        "ts": 1_774_080_000, "fts": 1_774_080_000.5, "day": "2026-03-21",
        "off": "2026-03-21T10:00:00+02:00", "tz": "Mars/Olympus",
    });
    assert_eq!(
        text_of(
            "{{ ts|datetime }} {{ fts|date }} {{ day|datetime }} {{ off|datetime }}",
            Language::Persian,
            &more
        ),
        "۱۴۰۵/۰۱/۰۱ ۱۱:۳۰ ۱۴۰۵/۰۱/۰۱ ۱۴۰۵/۰۱/۰۱ ۱۴۰۵/۰۱/۰۱ ۱۱:۳۰"
    );
}

#[test]
fn what_is_not_a_date_renders_unchanged() {
    let context = json!({
        "word": "soon", "tag": "<b>", "huge": 1e300, "big": u64::MAX, "list": [1, 2],
        "bad_day": "2026-02-30", "flag": true, "nan": "NaN", "neg": -1e20,
    });
    for key in [
        "word", "tag", "huge", "big", "list", "bad_day", "flag", "nan", "neg", "missing",
    ] {
        for filter in ["date", "datetime"] {
            for language in Language::ALL {
                assert_eq!(
                    text_of(&format!("{{{{ {key}|{filter} }}}}"), language, &context),
                    text_of(&format!("{{{{ {key} }}}}"), language, &context),
                    "{key}|{filter}"
                );
            }
        }
    }
    assert_eq!(
        text_of("{{ word|date }}", Language::Persian, &context),
        "soon"
    );
    // Unchanged, yet still escaped in HTML.
    let mail = render(
        "x",
        Language::English,
        &context,
        Some(&custom("s", "t", Some("{{ tag|date }}"))),
    )
    .unwrap();
    assert!(mail.html.contains("&lt;b&gt;"));
}

#[test]
fn digits_are_persian_in_persian_only() {
    let context = json!({"n": 1405, "s": "Order 12-B", "f": 2.5});
    let source = "{{ n|digits }} {{ s|digits }} {{ f|digits }} [{{ missing|digits }}]";
    assert_eq!(
        text_of(source, Language::Persian, &context),
        "۱۴۰۵ Order ۱۲-B ۲.۵ []"
    );
    assert_eq!(
        text_of(source, Language::English, &context),
        "1405 Order 12-B 2.5 []"
    );
}

#[test]
fn subjects_lose_control_characters() {
    let context = json!({"s": "Hello\r\nBcc: evil@example.com\t\u{7}\u{85}there  \n"});
    let mail = render(
        "default",
        Language::English,
        &json!({"subject": context["s"], "body": "b"}),
        None,
    )
    .unwrap();
    assert_eq!(mail.subject, "Hello Bcc: evil@example.com there");
    let own = custom("Re:\n{{ s }}\n", "t", None);
    let mail = render("x", Language::English, &context, Some(&own)).unwrap();
    assert_eq!(mail.subject, "Re: Hello Bcc: evil@example.com there");
    // The zero-width non-joiner Persian words need is kept.
    let mail = render(
        "default",
        Language::Persian,
        &json!({"subject": "درخواست\u{200c}ها"}),
        None,
    )
    .unwrap();
    assert_eq!(mail.subject, "درخواست\u{200c}ها");
}

#[test]
fn shipped_templates_fall_back_to_the_family_then_default() {
    let context = json!({
        "event": "request.referred", "number": 12, "subject": "Refund",
        "status": "referred", "holder": "Sara", "actor": "Reza",
        "at": "2026-03-21T08:00:00Z", "note": "please check",
        "body": "the body",
    });
    for language in Language::ALL {
        let family = render("request.referred", language, &context, None).unwrap();
        let default = render("request.default", language, &context, None).unwrap();
        assert_eq!(family, default);
        let customer = render("customer.created", language, &context, None).unwrap();
        assert_eq!(
            customer,
            render("customer.default", language, &context, None).unwrap()
        );
        let other = render("deal.won", language, &context, None).unwrap();
        assert_eq!(other.subject, "Refund");
        assert_eq!(other.text, "the body");
    }
    let en = render("request.referred", Language::English, &context, None).unwrap();
    assert_eq!(en.subject, "#12 referred: Refund");
    assert!(en.text.contains("Held by: Sara"), "{}", en.text);
    assert!(en.text.contains("When: 2026-03-21 11:30"), "{}", en.text);
    let fa = render("request.referred", Language::Persian, &context, None).unwrap();
    assert_eq!(fa.subject, "درخواست ۱۲ (ارجاع\u{200c}شده): Refund");
    assert!(fa.text.contains("زمان: ۱۴۰۵/۰۱/۰۱ ۱۱:۳۰"), "{}", fa.text);
    assert!(fa.text.contains("ارجاع درخواست"), "{}", fa.text);
    // A custom template replaces the shipped one.
    let own = custom("Custom {{ number }}", "Our words", None);
    let mine = render("request.reply", Language::English, &context, Some(&own)).unwrap();
    assert_eq!(
        (mine.subject.as_str(), mine.text.as_str()),
        ("Custom 12", "Our words")
    );
}

#[test]
fn missing_keys_render_as_nothing_and_blocks_leave_no_blank_lines() {
    let fa = render(
        "request.default",
        Language::Persian,
        &json!({"number": 3}),
        None,
    )
    .unwrap();
    assert_eq!(fa.text, "درخواست شمارهٔ ۳");
    let en = render("request.reply", Language::English, &Value::Null, None).unwrap();
    assert!(
        en.text
            .starts_with("Hello,\n\nThank you for contacting us."),
        "{}",
        en.text
    );
}

#[test]
fn broken_templates_are_invalid() {
    assert!(is_invalid(
        validate(&custom("{{ s", "t", None)),
        "template.subject"
    ));
    assert!(is_invalid(
        validate(&custom("s", "{% if x %}open", None)),
        "template.text"
    ));
    assert!(is_invalid(
        validate(&custom("s", "t", Some("{% for %}"))),
        "template.html"
    ));
    validate(&custom("{{ s }}", "{{ t|date }}", Some("<p>{{ u }}</p>"))).unwrap();
    // Event names.
    for event in ["", "Request.Reply", "a b", ".x", "x.", "تست"] {
        let mut t = custom("s", "t", None);
        t.event = event.into();
        assert!(is_invalid(validate(&t), "template.event"), "{event:?}");
    }
    let mut long = custom("s", "t", None);
    long.subject = "x".repeat(MAX_SUBJECT + 1);
    assert!(is_invalid(validate(&long), "template.subject"));
    // What only shows when run, whatever the context: a missing filter, a runaway loop.
    let unknown = custom("s", "{{ x|no_such_filter }}", None);
    assert!(is_invalid(validate(&unknown), "template.text"));
    let runaway = custom(
        "s",
        "t",
        Some("{% for a in range(10000) %}{% for b in range(10000) %}.{% endfor %}{% endfor %}"),
    );
    assert!(is_invalid(validate(&runaway), "template.html"));
    assert!(is_invalid(
        validate(&custom("{{ x|replace }}", "t", None)),
        "template.subject"
    ));
    // Type errors depend on the values: not refused up front.
    validate(&custom("{{ number + 1 }}", "t", None)).unwrap();
    // In a branch the empty context does not take, a missing filter is found when rendered.
    let hidden = custom("s", "{% if flag %}{{ x|no_such_filter }}{% endif %}", None);
    validate(&hidden).unwrap();
    let context = json!({"flag": true});
    assert!(is_invalid(
        render("x", Language::English, &context, Some(&hidden)),
        "template.text"
    ));
    assert!(is_invalid(
        render("x", Language::English, &context, Some(&runaway)),
        "template.html"
    ));
    assert!(is_invalid(
        render("x", Language::English, &json!([1, 2]), None),
        "context"
    ));
}

#[test]
fn stored_template_key_and_kind() {
    use crate::record::Entity;
    let mut t = custom("s", "t", None);
    assert_eq!(t.unique_keys(), ["template:request.reply:en"]);
    t.language = Language::Persian;
    assert_eq!(t.unique_keys(), ["template:request.reply:fa"]);
    assert_eq!(MessageTemplate::KIND.as_str(), "message_template");
    assert_eq!(MessageTemplate::KIND.tag(), 12);
    // `html` may be absent from stored data.
    let mut json = serde_json::to_value(&t).unwrap();
    json.as_object_mut().unwrap().remove("html");
    let back: MessageTemplate = serde_json::from_value(json).unwrap();
    assert_eq!(back.html, None);
}

#[test]
fn shipped_templates_take_values_of_any_json_type() {
    let kinds = [
        json!(null),
        json!(true),
        json!(-3),
        json!(2.5),
        json!(u64::MAX),
        json!([1, "<a>"]),
        json!({"k": "<v>"}),
        json!(""),
    ];
    for value in kinds {
        let context = Value::Object(
            KEYS.iter()
                .map(|k| ((*k).to_owned(), value.clone()))
                .collect(),
        );
        for event in shipped_events() {
            for language in Language::ALL {
                let mail = render(event, language, &context, None);
                let mail = mail.unwrap_or_else(|e| panic!("{event} {language:?} {value}: {e}"));
                assert!(!mail.html.contains("<a>") && !mail.html.contains("<v>"));
            }
        }
    }
}

/// The keys any shipped template reads.
const KEYS: [&str; 15] = [
    "number",
    "subject",
    "answer",
    "customer_name",
    "workspace",
    "event",
    "status",
    "holder",
    "note",
    "actor",
    "at",
    "due",
    "into_name",
    "body",
    "tz",
];

fn context_of(values: &[String]) -> Value {
    Value::Object(
        KEYS.iter()
            .zip(values)
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever strings the context holds, every shipped template and a workspace's own HTML
    /// template render, and every `<` in the HTML comes from the template: the HTML has as
    /// many as when the context's `<` are replaced by `x`.
    #[test]
    fn context_strings_never_break_rendering_or_html(
        values in proptest::collection::vec(
            prop_oneof![
                ".*",
                "[<>&\"' a-z0-9\\n\\r:-]{0,30}",
                Just("2026-03-21T08:00:00Z".to_owned()),
                Just("<script>".to_owned()),
            ],
            KEYS.len(),
        ),
    ) {
        let context = context_of(&values);
        let tame: Vec<String> = values.iter().map(|v| v.replace('<', "x")).collect();
        let tame = context_of(&tame);
        let own = custom(
            "{{ subject }} {{ at|datetime }}",
            "{{ body }}\n{{ number|digits }}",
            Some("<div>{{ answer }} {{ at|date }} {{ number|digits }}</div>"),
        );
        let mut cases: Vec<(&str, Option<&MessageTemplate>)> =
            shipped_events().iter().map(|e| (*e, None)).collect();
        cases.push(("request.reply", Some(&own)));
        for (event, custom) in cases {
            for language in Language::ALL {
                let wild = render(event, language, &context, custom);
                let wild = wild.map_err(|e| TestCaseError::fail(format!("{event}: {e}")))?;
                let calm = render(event, language, &tame, custom)
                    .map_err(|e| TestCaseError::fail(format!("{event}: {e}")))?;
                prop_assert_eq!(
                    wild.html.matches('<').count(),
                    calm.html.matches('<').count(),
                    "{} {:?}: {}", event, language, wild.html
                );
                prop_assert!(!wild.subject.chars().any(char::is_control));
            }
        }
    }
}

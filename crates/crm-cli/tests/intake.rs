//! Intake from an email file, from flags and from a web form; then the cartable process by
//! request number.

#![allow(clippy::unwrap_used)]

mod common;

use common::{fixture, ok, run, workspace};

#[test]
fn eml_intake_decodes_persian_subject_body_and_attachments() {
    let (_tmp, db) = workspace();
    let eml = fixture("persian-invoice.eml");
    let out = ok(&db, &["intake", "--eml", &eml]);
    assert!(out.contains("request #1 opened"), "{out}");
    assert!(out.contains("subject: مشکل در پرداخت صورتحساب"), "{out}");
    assert!(out.contains("customer: new lead سارا محمدی"), "{out}");

    // The same file again is one message.
    let again = ok(&db, &["intake", "--eml", &eml]);
    assert!(again.contains("duplicate delivery"), "{again}");

    let shown = ok(
        &db,
        &["--as", "maryam@acme.example", "request", "show", "1"],
    );
    assert!(shown.contains("مبلغ صورتحساب شماره ۴۵۶۷ دو بار"), "{shown}");
    assert!(
        shown.contains("attachment: receipt.pdf (application/pdf"),
        "{shown}"
    );
    let customer = ok(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "customer",
            "show",
            "sara.mohammadi@example.com",
        ],
    );
    assert!(customer.contains("سارا محمدی"), "{customer}");
}

#[test]
fn the_process_by_request_number() {
    let (_tmp, db) = workspace();
    let out = ok(
        &db,
        &[
            "intake",
            "--channel",
            "sms",
            "--from",
            "۰۹۱۲ ۱۲۳ ۴۵۶۷",
            "--id",
            "s-1",
            "--body",
            "سفارش من نرسیده",
        ],
    );
    assert!(out.contains("held by: officers"), "{out}");
    let m = ["--as", "maryam@acme.example"];
    let r = ["--as", "reza@acme.example"];
    let with = |who: &[&str; 2], rest: &[&str]| -> Vec<String> {
        who.iter().chain(rest).map(|s| (*s).to_owned()).collect()
    };
    let go = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&db, &args)
    };
    go(with(
        &m,
        &[
            "refer",
            "1",
            "--to",
            "department:مالی",
            "--note",
            "لطفا بررسی کنید",
        ],
    ));
    go(with(&r, &["take", "#1"]));
    go(with(&r, &["resolve", "1", "--answer", "ارسال شد"]));
    let review = go(with(&m, &["cartable", "review"]));
    assert!(review.contains("1 request(s)"), "{review}");
    go(with(&m, &["return", "1", "--note", "کد رهگیری؟"]));
    go(with(&r, &["resolve", "1", "--answer", "ارسال شد، کد ۱۲۳"]));
    go(with(&m, &["approve", "1"]));
    let replied = go(with(&m, &["reply", "1"]));
    assert!(replied.contains("replied on sms"), "{replied}");
    let rated = ok(&db, &["rate", "1", "5", "--comment", "ممنون"]);
    assert!(rated.contains("rated 5/5"), "{rated}");
    go(with(&m, &["close", "1"]));
    let shown = go(with(&m, &["request", "show", "1"]));
    for expected in [
        "status: closed",
        "returned by مریم احمدی",
        "rating: 5/5",
        "ارسال شد، کد ۱۲۳",
    ] {
        assert!(shown.contains(expected), "missing {expected:?}:\n{shown}");
    }

    // An agent may not approve; the request is unchanged (exit 1).
    let denied = run(&db, &["--as", "reza@acme.example", "approve", "1"]);
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert!(denied.stderr.starts_with("error: "), "{}", denied.stderr);
}

#[test]
fn web_form_intake_and_bad_input() {
    let (tmp, db) = workspace();
    let form = tmp.path().join("form.json");
    std::fs::write(
        &form,
        r#"{"submission_id": "f-1", "name": "Jane Doe", "email": "jane@example.com",
            "message": "Where is my order?", "topic": "sales"}"#,
    )
    .unwrap();
    let out = ok(&db, &["intake", "--web-form", form.to_str().unwrap()]);
    assert!(
        out.contains("category: sales") && out.contains("Jane Doe"),
        "{out}"
    );

    std::fs::write(
        &form,
        r#"{"submission_id": "f-2", "message": "no contact"}"#,
    )
    .unwrap();
    let bad = run(&db, &["intake", "--web-form", form.to_str().unwrap()]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let missing = run(&db, &["intake", "--channel", "sms", "--from", "0912"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

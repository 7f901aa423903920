//! Text from customers is printed safely; errors are clear, with the right exit codes, and
//! change nothing.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ok, run, workspace};

#[test]
fn bidi_overrides_in_a_name_are_printed_escaped() {
    let (tmp, db) = workspace();
    let file = tmp.path().join("c.csv");
    std::fs::write(
        &file,
        "given_name,family_name,email\nEvil\u{202e}txt.exe,Name\u{2066},evil@example.com\n",
    )
    .unwrap();
    ok(&db, &["import", file.to_str().unwrap()]);
    let out = ok(&db, &["customer", "show", "evil@example.com"]);
    assert!(out.contains("Evil\\u{202e}txt.exe Name\\u{2066}"), "{out}");
    assert!(
        !out.contains('\u{202e}') && !out.contains('\u{2066}'),
        "{out}"
    );
    let found = ok(&db, &["search", "evil"]);
    assert!(!found.contains('\u{202e}'), "{found}");
}

#[test]
fn escape_sequences_are_refused_and_nothing_is_stored() {
    let (_tmp, db) = workspace();
    let r = run(
        &db,
        &[
            "intake",
            "--channel",
            "sms",
            "--from",
            "09121234567",
            "--id",
            "x-1",
            "--name",
            "Ali\u{1b}[2J",
            "--body",
            "hi",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("control character U+001B"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
    let none = run(&db, &["customer", "show", "09121234567"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("no customer"), "{}", none.stderr);
}

#[test]
fn an_unknown_actor_is_an_error() {
    let (_tmp, db) = workspace();
    let r = run(&db, &["--as", "ghost@acme.example", "cartable"]);
    assert_ne!(r.code, 0);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error: --as \"ghost@acme.example\": no staff member"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn a_locked_store_is_reported_clearly() {
    let (_tmp, db) = workspace();
    let held = crm::sled_store::SledStore::open(crm::sled_store::SledConfig::new(&db)).unwrap();
    let r = run(&db, &["staff", "list"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("is in use by another crm process"),
        "{}",
        r.stderr
    );
    drop(held);
}

#[test]
fn usage_errors_exit_with_2_and_help_is_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("none");
    let r = run(&db, &["cartable"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("crm init"), "{}", r.stderr);
    let r = run(&db, &["frobnicate"]);
    assert_eq!(r.code, 2);
    for args in [
        &["--help"][..],
        &["intake", "--help"],
        &["department", "assign", "--help"],
        &["report", "--help"],
    ] {
        let out = ok(&db, args);
        assert!(out.contains("Usage:"), "{out}");
    }
}

#[test]
fn a_taken_email_or_phone_says_who_has_it_and_exits_with_2() {
    let (_tmp, db) = workspace();
    let r = run(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "Twin",
            "--email",
            "MARYAM@acme.example",
            "--role",
            "agent",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("staff-email:maryam@acme.example already exists, held by staff مریم احمدی"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("run the command again"), "{}", r.stderr);
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Ali",
            "--family-name",
            "Rezaei",
            "--mobile",
            "09121234567",
        ],
    );
    let r = run(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Other",
            "--family-name",
            "One",
            "--mobile",
            "+98 912 123 4567",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("tel:+989121234567 already exists, held by customer Ali Rezaei"),
        "{}",
        r.stderr
    );
    let found = ok(&db, &["search", "other"]);
    assert!(!found.contains("Other"), "{found}");
}

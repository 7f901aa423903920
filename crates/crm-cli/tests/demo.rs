//! `crm demo` seeds a workspace in a fresh directory and walks through the whole process.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ok, run};

#[test]
fn demo_seeds_and_walks_through_the_process() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("demo");
    let out = ok(&db, &["demo"]);
    for expected in [
        "300 customers",
        "An email arrives from a known customer",
        "customer: known, علی رضایی",
        "Persian digits in the number",
        "customer: new lead Jane Doe",
        "already taken in (duplicate delivery): nothing changed",
        "ping-pongs 1",
        "returns it",
        "approves -> approved",
        "request.reply to email ali.rezaei@example.com: sent",
        "request.satisfaction_survey to email ali.rezaei@example.com: sent",
        "rating 5/5",
        "joined -> in_progress",
        "merged the new lead into علی رضایی",
        "The customer's 360° view",
        "سه‌ماههٔ",
        "Try it yourself",
        "cargo install --path crates/crm-cli",
        // The sales story.
        "A web lead form arrives",
        "the same submission again: recognised",
        "-> sales_qualified",
        "won: 480000000 IRR (48000000 toman)",
        "without the competitor's name: refused",
        "lost: competitor: پارس‌آفیس",
        "forecast snapshots frozen",
        "The won/lost report of",
        // The activities story.
        "reminders sent 1 (a second run: 0); greetings sent 1",
        "task.reminder: sent",
        "customer.greeting: sent",
        // The club story.
        "club balance ",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // The reply and the survey were written as .eml files into the mail folder.
    let mails = std::fs::read_dir(db.join("mail")).unwrap().count();
    assert!(mails >= 2, "{mails} mails");
    // The directory is usable afterwards, with the workspace recorded in crm-cli.json.
    assert!(db.join("crm-cli.json").exists());
    let cartable = ok(&db, &["--as", "maryam@acme.example", "cartable", "review"]);
    assert!(cartable.contains("awaiting my review"), "{cartable}");
    let found = ok(&db, &["--as", "maryam@acme.example", "search", "علی رضا"]);
    assert!(found.contains("علی رضایی"), "{found}");
    let deals = ok(&db, &["--as", "sina@acme.example", "deal", "list"]);
    assert!(
        deals.contains("proposal") && deals.contains("needs"),
        "{deals}"
    );

    // A second demo refuses the non-empty directory and changes nothing.
    let again = run(&db, &["demo"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
}

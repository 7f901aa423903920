//! `--json` on the commands that show records the first hour's tests do not cover: intake,
//! merge, routing rules, webhooks, goals and forecasts. Each output parses as JSON and
//! carries the record.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ok, workspace};
use serde_json::Value;

fn json(db: &std::path::Path, args: &[&str]) -> Value {
    let out = ok(db, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("crm {args:?}: {e}\n{out}"))
}

#[test]
fn records_print_as_json() {
    let (_tmp, db) = workspace();
    let taken = json(
        &db,
        &[
            "intake",
            "--channel",
            "email",
            "--from",
            "ali@example.com",
            "--id",
            "m-1",
            "--body",
            "سلام",
            "--json",
        ],
    );
    assert_eq!(taken["request"]["number"], 1);
    assert_eq!(taken["new_customer"], true);
    let lead = taken["customer"]["id"].as_str().unwrap().to_owned();

    let admin = ["--as", "sara@acme.example"];
    let with = |rest: &[&str]| -> Vec<String> {
        admin.iter().chain(rest).map(|s| (*s).to_owned()).collect()
    };
    let add = with(&[
        "customer",
        "add",
        "--given-name",
        "Ali",
        "--email",
        "ali.work@example.com",
    ]);
    ok(&db, &add.iter().map(String::as_str).collect::<Vec<_>>());
    let merged = json(
        &db,
        &with(&["merge", "ali.work@example.com", &lead, "--json"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(merged["contacts"].as_array().unwrap().len(), 2, "{merged}");

    let rules = json(
        &db,
        &["--as", "sara@acme.example", "rule", "list", "--json"],
    );
    assert!(rules.is_array());
    ok(
        &db,
        &[
            "--as",
            "sara@acme.example",
            "webhook",
            "add",
            "erp",
            "https://erp.example.com/h",
        ],
    );
    let hooks = json(
        &db,
        &["--as", "sara@acme.example", "webhook", "list", "--json"],
    );
    assert_eq!(hooks[0]["name"], "erp");
    let goals = json(
        &db,
        &["--as", "sara@acme.example", "goal", "list", "--json"],
    );
    assert!(goals.is_array());
    let forecast = json(
        &db,
        &["--as", "sara@acme.example", "forecast", "show", "--json"],
    );
    assert!(
        forecast["period"].is_object() || forecast["period"].is_string(),
        "{forecast}"
    );
}

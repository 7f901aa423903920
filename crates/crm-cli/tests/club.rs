//! The club commands on the real binary: a programme, joining, a card found by its number in
//! Persian digits, points earned on an order, a hold captured once, an adjustment only a
//! manager may make, and the ledger.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ok, run, workspace};

#[test]
fn a_member_earns_holds_and_spends_points() {
    let (_tmp, db) = workspace();
    ok(
        &db,
        &[
            "club",
            "programme",
            "--name",
            "باشگاه",
            "--per",
            "10000",
            "--joining",
            "100",
        ],
    );
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Ali",
            "--family-name",
            "Rezaei",
            "--email",
            "ali@example.com",
        ],
    );
    let out = ok(&db, &["club", "join", "--customer", "ali@example.com"]);
    assert!(out.contains("balance 100"), "{out}");
    let number: String = out
        .split_whitespace()
        .skip(1)
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let persian: String = number
        .chars()
        .map(|c| {
            c.to_digit(10)
                .map_or(c, |d| char::from_u32(0x06F0 + d).unwrap())
        })
        .collect();
    let out = ok(&db, &["club", "card", &persian]);
    assert!(out.contains("balance 100"), "{out}");
    ok(
        &db,
        &[
            "order",
            "add",
            "--customer",
            "ali@example.com",
            "--total",
            "250000",
        ],
    );
    let out = ok(&db, &["club", "card", &number]);
    assert!(out.contains("balance 125"), "{out}");
    let hold = ok(
        &db,
        &["club", "hold", &number, "--points", "60", "--key", "pos-1"],
    );
    let again = ok(
        &db,
        &["club", "hold", &number, "--points", "60", "--key", "pos-1"],
    );
    assert_eq!(hold, again, "the same key, the same hold");
    let hold_id = hold.split_whitespace().nth(1).unwrap().to_owned();
    let out = ok(&db, &["club", "capture", &hold_id]);
    assert!(out.contains("captured"), "{out}");
    let refused = run(
        &db,
        &[
            "club", "hold", &number, "--points", "1000", "--key", "pos-2",
        ],
    );
    assert_ne!(refused.code, 0, "more than the balance");
    let agent = run(
        &db,
        &[
            "--as",
            "reza@acme.example",
            "club",
            "adjust",
            &number,
            "--points",
            "5",
            "--note",
            "x",
        ],
    );
    assert_ne!(agent.code, 0, "an agent may not adjust");
    let out = ok(
        &db,
        &[
            "club", "adjust", &number, "--points", "-5", "--note", "typo",
        ],
    );
    assert!(out.contains("balance 60"), "{out}");
    let ledger = ok(&db, &["club", "ledger", &number, "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&ledger).unwrap();
    let points: Vec<i64> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["points"].as_i64().unwrap())
        .collect();
    assert_eq!(points, vec![-5, -60, 25, 100], "newest first");
}

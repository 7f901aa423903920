//! The officer's first hour (issue 14), each item driven through the real binary: duplicates,
//! errors in words, the administrator's cartable, a closed stdout, generated intake ids,
//! request lists, customer edit, settings, import --update, `--json`, completions and search.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{crm, ok, run, workspace};
use serde_json::Value;
use std::io::Read;
use std::process::Stdio;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

#[test]
fn a_duplicate_says_who_holds_it_and_exits_2() {
    let (_tmp, db) = workspace();
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "علی",
            "--family-name",
            "رضایی",
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
            "--mobile",
            "+98 912 123 4567",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("tel:+989121234567 already exists, held by customer علی رضایی"),
        "{}",
        r.stderr
    );
    let r = run(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "Copy",
            "--email",
            "MARYAM@acme.example",
            "--role",
            "agent",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("already exists, held by staff مریم احمدی"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("run the command again"), "{}", r.stderr);
}

#[test]
fn refusals_name_the_person_and_the_action() {
    let (_tmp, db) = workspace();
    let r = run(
        &db,
        &["--as", "reza@acme.example", "department", "add", "فروش"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Reza Karimi (agent) may not manage staff and departments"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("staff:"), "{}", r.stderr);
}

#[test]
fn the_administrator_works_requests_referred_to_them() {
    let (_tmp, db) = workspace();
    let out = ok(
        &db,
        &[
            "intake",
            "--channel",
            "sms",
            "--from",
            "09121234567",
            "--body",
            "سلام",
        ],
    );
    // No --id: one is generated and printed.
    assert!(out.contains("message id: cli-"), "{out}");
    assert!(out.contains("request #1 opened"), "{out}");
    ok(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "refer",
            "1",
            "--to",
            "sara@acme.example",
            "--note",
            "please look",
        ],
    );
    // `crm init`'s administrator (the default --as) sees it and works it.
    let mine = ok(&db, &["cartable", "--json"]);
    let mine = json(&mine);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["number"], 1);
    ok(&db, &["take", "1"]);
    ok(
        &db,
        &["refer", "1", "--to", "reza@acme.example", "--note", "yours"],
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let (_tmp, db) = workspace();
    for args in [
        vec!["report"],
        vec!["completions", "bash"],
        vec!["staff", "list"],
        vec!["export", "-"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("crm"))
            .arg("--db")
            .arg(&db)
            .args(&args)
            .env_remove("CRM_DB")
            .env_remove("CRM_AS")
            .env_remove("CRM_WORKSPACE")
            .env("RUST_BACKTRACE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end at once, as `| head -0` does.
        drop(child.stdout.take());
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "crm {args:?}: {status:?}\n{stderr}");
        assert!(!stderr.contains("panicked"), "crm {args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "crm {args:?}: {stderr}");
    }
}

#[test]
fn request_lists_filter_and_print_json() {
    let (_tmp, db) = workspace();
    for (channel, from, id) in [
        ("sms", "09121234567", "m1"),
        ("email", "a@example.com", "m2"),
        ("sms", "09127654321", "m3"),
    ] {
        ok(
            &db,
            &[
                "intake",
                "--channel",
                channel,
                "--from",
                from,
                "--id",
                id,
                "--body",
                "x",
            ],
        );
    }
    ok(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "refer",
            "2",
            "--to",
            "reza@acme.example",
            "--note",
            "n",
        ],
    );
    let numbers = |args: &[&str]| -> Vec<u64> {
        let mut all = vec!["--as", "maryam@acme.example", "request", "list", "--json"];
        all.extend_from_slice(args);
        json(&ok(&db, &all))
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["number"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(numbers(&[]), [3, 2, 1]);
    assert_eq!(numbers(&["--channel", "sms"]), [3, 1]);
    assert_eq!(numbers(&["--status", "referred"]), [2]);
    assert_eq!(numbers(&["--holder", "reza@acme.example"]), [2]);
    assert_eq!(numbers(&["--holder", "officers"]), [3, 1]);
    assert_eq!(numbers(&["--customer", "۰۹۱۲۷۶۵۴۳۲۱"]), [3]);
    assert_eq!(numbers(&["--since", "1d"]), [3, 2, 1]);
    assert_eq!(numbers(&["--since", "2999-01-01"]), Vec::<u64>::new());
    assert_eq!(numbers(&["--limit", "1"]), [3]);
    let r = run(&db, &["request", "list", "--status", "lost"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(&db, &["request", "list", "--since", "yesterday"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let one = json(&ok(&db, &["request", "show", "2", "--json"]));
    assert_eq!(one["number"], 2);
    assert_eq!(one["status"], "referred");
}

#[test]
fn customers_are_edited_and_found_in_every_spelling() {
    let (_tmp, db) = workspace();
    let added = json(&ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "علی",
            "--family-name",
            "رضایی",
            "--mobile",
            "09121234567",
            "--json",
        ],
    ));
    assert_eq!(added["version"], 1);
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "محمد رضا",
            "--family-name",
            "کریمی\u{200c}نژاد",
            "--email",
            "M.Karimi@Example.com",
        ],
    );
    let found = |query: &str| -> Vec<String> {
        let mut names: Vec<String> = json(&ok(&db, &["search", query, "--json"]))
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let p = &c["party"];
                format!(
                    "{} {}",
                    p["given_name"].as_str().unwrap_or(""),
                    p["family_name"].as_str().unwrap_or("")
                )
            })
            .collect();
        names.sort();
        names
    };
    // A Latin spelling finds nothing until the customer has a Latin name.
    assert!(found("ali").is_empty());
    let edited = json(&ok(
        &db,
        &[
            "customer",
            "edit",
            "09121234567",
            "--latin-name",
            "Ali Rezaei",
            "--tag",
            "vip",
            "--add-email",
            "ali@example.com",
            "--json",
        ],
    ));
    assert_eq!(edited["tags"], serde_json::json!(["vip"]));
    let ali = ["علی رضایی".to_owned()];
    let karimi = ["محمد رضا کریمی\u{200c}نژاد".to_owned()];
    for q in [
        "ali",
        "Ali Rez",
        "REZAEI",
        "علی",
        " ALI@example.COM ",
        "۰۹۱۲ ۱۲۳ ۴۵۶۷",
        "+98 912-123-4567",
    ] {
        assert_eq!(found(q), ali, "{q}");
    }
    for q in [
        "محمدرضا",
        "محمد رضا",
        "محمد\u{200c}رضا",
        "کریمی نژاد",
        "کریمی\u{200c}نژاد",
        "کریمینژاد",
        "محمدرضا کریمی نژاد",
        "m.karimi@example.com",
    ] {
        assert_eq!(found(q), karimi, "{q}");
    }
    assert!(found("نژاد کریمی").is_empty());
    // Nothing to change, and a contact point another customer holds: exit 2, unchanged.
    assert_eq!(run(&db, &["customer", "edit", "ali@example.com"]).code, 2);
    let r = run(
        &db,
        &[
            "customer",
            "edit",
            "ali@example.com",
            "--tag",
            "x",
            "--add-email",
            "m.karimi@example.com",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("already exists, held by customer محمد رضا"),
        "{}",
        r.stderr
    );
    let shown = json(&ok(&db, &["customer", "show", "ali@example.com", "--json"]));
    assert_eq!(shown["tags"], serde_json::json!(["vip"]));
    // The Latin name is removed with an empty value.
    ok(
        &db,
        &["customer", "edit", "ali@example.com", "--latin-name", ""],
    );
    assert!(found("ali rez").is_empty());
}

#[test]
fn settings_are_shown_and_set_by_administrators() {
    let (_tmp, db) = workspace();
    let shown = ok(&db, &["settings", "show"]);
    assert!(shown.contains("max_hops = 4"), "{shown}");
    ok(&db, &["settings", "set", "max_hops", "6"]);
    assert_eq!(
        json(&ok(&db, &["settings", "show", "--json"]))["max_hops"],
        6
    );
    for (key, value) in [("max_hops", "many"), ("max_hops", "0"), ("no_such", "1")] {
        let r = run(&db, &["settings", "set", key, value]);
        assert_eq!(r.code, 2, "{key} {value}: {}", r.stderr);
    }
    let r = run(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "settings",
            "set",
            "max_hops",
            "2",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        json(&ok(&db, &["settings", "show", "--json"]))["max_hops"],
        6
    );
}

#[test]
fn import_update_changes_the_customer_matched_by_contact_key() {
    let (tmp, db) = workspace();
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Ali",
            "--mobile",
            "09121234567",
        ],
    );
    let csv = tmp.path().join("in.csv");
    std::fs::write(
        &csv,
        "given_name,family_name,email,mobile,stage,tags\n\
         علی,رضایی,ali@example.com,+98 912 123 4567,customer,gold\n\
         New,Person,new@example.com,,,\n",
    )
    .unwrap();
    let csv = csv.to_str().unwrap();
    // Without --update the known number refuses its row.
    let r = run(&db, &["import", csv, "--dry-run"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = ok(&db, &["import", csv, "--update"]);
    assert!(
        out.contains("1 of 2 row(s) imported, 1 updated, 0 refused"),
        "{out}"
    );
    let c = json(&ok(&db, &["customer", "show", "۰۹۱۲۱۲۳۴۵۶۷", "--json"]));
    assert_eq!(c["party"]["given_name"], "علی");
    assert_eq!(c["stage"], "customer");
    assert_eq!(c["tags"], serde_json::json!(["gold"]));
    assert_eq!(c["contacts"].as_array().unwrap().len(), 2);
    ok(&db, &["customer", "show", "new@example.com"]);
}

#[test]
fn completions_generate_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = crm(std::path::Path::new("unused"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains("crm"), "{shell}");
        assert!(script.contains("cartable"), "{shell}");
        assert!(script.contains("settings"), "{shell}");
    }
    assert_ne!(
        crm(std::path::Path::new("unused"))
            .args(["completions", "cmd.exe"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn lists_print_json_that_parses() {
    let (_tmp, db) = workspace();
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Neda",
            "--email",
            "neda@example.com",
        ],
    );
    let staff = json(&ok(&db, &["staff", "list", "--json"]));
    let emails: Vec<&str> = staff
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["email"].as_str())
        .collect();
    assert!(emails.contains(&"maryam@acme.example"), "{staff}");
    let departments = json(&ok(&db, &["department", "list", "--json"]));
    assert_eq!(departments[0]["name"], "مالی");
    for list in [
        ["pipeline", "list", "--json"],
        ["product", "list", "--json"],
    ] {
        assert!(json(&ok(&db, &list)).is_array(), "{list:?}");
    }
    let leads = json(&ok(&db, &["lead", "list", "--json"]));
    assert!(leads.is_array());
    let orders = json(&ok(
        &db,
        &["order", "list", "--customer", "neda@example.com", "--json"],
    ));
    assert_eq!(orders, serde_json::json!([]));
    let officers = json(&ok(
        &db,
        &[
            "--as",
            "maryam@acme.example",
            "cartable",
            "officers",
            "--json",
        ],
    ));
    assert_eq!(officers, serde_json::json!([]));
}

#[test]
fn tables_fit_the_width_columns_sets() {
    let (_tmp, db) = workspace();
    ok(
        &db,
        &[
            "customer",
            "add",
            "--given-name",
            "Bartholomew-Alexander",
            "--family-name",
            "Montgomery-Fitzwilliam-Worthington",
            "--email",
            "bartholomew.alexander.montgomery@example.com",
        ],
    );
    let out = crm(&db)
        .env("COLUMNS", "60")
        .args(["search", "bartholomew"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let table: Vec<&str> = text.lines().skip(1).collect();
    assert!(table.len() > 4, "{text}");
    for line in table {
        assert!(
            line.chars().count() <= 60,
            "{} wide: {line}",
            line.chars().count()
        );
    }
}

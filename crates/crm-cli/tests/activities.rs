//! Activities on the real binary: `crm task add|list|done|follow`, `crm greetings`,
//! `crm staff deactivate --successor`, and a reminder sent exactly once by a `crm run` worker
//! that is SIGKILLed and restarted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{ok, run, spawn, workspace};
use std::path::Path;
use std::time::Duration;

/// The id at the end of `task <title> added (<id>)`.
fn task_id(out: &str) -> String {
    out.trim()
        .rsplit('(')
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_owned()
}

/// Tehran's local time `minutes` from now (Iran keeps +03:30 all year).
fn tehran_in(minutes: i64) -> chrono::NaiveDateTime {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).naive_utc()
        + chrono::Duration::minutes(210)
}

#[test]
fn tasks_are_added_listed_followed_and_done() {
    let (_tmp, db) = workspace();
    let reza = ["--as", "reza@acme.example"];
    let maryam = ["--as", "maryam@acme.example"];
    let go = |who: &[&str; 2], rest: &[&str]| {
        let args: Vec<&str> = who.iter().chain(rest).copied().collect();
        ok(&db, &args)
    };
    let soon = tehran_in(60);
    let date = soon.format("%Y-%m-%d").to_string();
    let at = soon.format("%H:%M").to_string();
    let call = task_id(&go(
        &maryam,
        &[
            "task",
            "add",
            "Call Ali back",
            "--kind",
            "call",
            "--assignee",
            "reza@acme.example",
            "--due",
            &date,
            "--at",
            &at,
            "--priority",
            "high",
        ],
    ));
    go(&reza, &["task", "add", "Someday", "--due", "1406-01-01"]);
    let list = go(&reza, &["task", "list"]);
    let first = list.find("Call Ali back").unwrap();
    assert!(first < list.find("Someday").unwrap(), "by due date: {list}");
    assert!(list.contains("high") && list.contains("call"), "{list}");
    let today = go(&reza, &["task", "list", "--today"]);
    let (_, due_today) = today.split_once("today:").unwrap();
    assert!(
        due_today.contains("Call Ali back") || soon.date() != tehran_in(0).date(),
        "{today}"
    );
    // Maryam follows it; Reza completes it; it leaves his list.
    go(&maryam, &["task", "follow", &call]);
    let following = go(&maryam, &["task", "list", "--following"]);
    assert!(following.contains("Call Ali back"), "{following}");
    let done = go(&reza, &["task", "done", &call]);
    assert!(done.contains("done"), "{done}");
    let list = go(&reza, &["task", "list"]);
    assert!(!list.contains("Call Ali back"), "{list}");
    // Bad input: refused with exit code 1 (or 2 for clap's usage errors), nothing added.
    let bad = run(
        &db,
        &[
            "--as",
            "reza@acme.example",
            "task",
            "add",
            "x",
            "--due",
            "1405-13-01",
        ],
    );
    assert_ne!(bad.code, 0, "{}", bad.stdout);
    assert!(bad.stderr.contains("1405-13-01"), "{}", bad.stderr);
    let bad = run(
        &db,
        &["--as", "reza@acme.example", "task", "done", "not-an-id"],
    );
    assert_ne!(bad.code, 0);
    let again = run(&db, &["--as", "reza@acme.example", "task", "done", &call]);
    assert_eq!(
        again.code, 2,
        "a done task cannot be done again: {}",
        again.stderr
    );
    assert!(
        again.stderr.contains("the task is done"),
        "{}",
        again.stderr
    );
}

#[test]
fn greetings_list_by_date_and_a_leaver_hands_over() {
    let (_tmp, db) = workspace();
    let out = ok(&db, &["greetings", "--date", "1405-01-01"]);
    assert!(out.contains("occasion"), "{out}");
    let bad = run(&db, &["greetings", "--date", "1404-12-30"]);
    assert_eq!(bad.code, 2, "Esfand 1404 has 29 days: {}", bad.stderr);
    // Reza holds a task and a customer; deactivating him hands both to Maryam.
    ok(
        &db,
        &[
            "--as",
            "reza@acme.example",
            "task",
            "add",
            "Visit",
            "--due",
            "1405-10-01",
        ],
    );
    let out = ok(
        &db,
        &[
            "staff",
            "deactivate",
            "reza@acme.example",
            "--successor",
            "maryam@acme.example",
        ],
    );
    assert!(out.contains("1 tasks"), "{out}");
    let list = ok(&db, &["--as", "maryam@acme.example", "task", "list"]);
    assert!(list.contains("Visit"), "{list}");
    let staff = ok(&db, &["staff", "list"]);
    let reza = staff
        .lines()
        .find(|l| l.contains("reza@acme.example"))
        .unwrap();
    assert!(reza.contains("no"), "{reza}");
    let refused = run(&db, &["--as", "reza@acme.example", "task", "list"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("deactivated"), "{}", refused.stderr);
    let again = run(
        &db,
        &[
            "staff",
            "deactivate",
            "reza@acme.example",
            "--successor",
            "maryam@acme.example",
        ],
    );
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("already inactive"),
        "{}",
        again.stderr
    );
}

fn reminders_in_outbox(db: &Path) -> usize {
    let mut n = 0;
    for status in [
        "queued",
        "sent",
        "delivered",
        "failed",
        "bounced",
        "suppressed",
        "parked",
    ] {
        let out = ok(
            db,
            &[
                "--as",
                "maryam@acme.example",
                "outbox",
                "list",
                "--status",
                status,
                "--json",
                "--limit",
                "500",
            ],
        );
        let all: serde_json::Value = serde_json::from_str(&out).unwrap();
        n += all
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m.to_string().contains("task.reminder"))
            .count();
    }
    n
}

#[test]
fn a_reminder_goes_out_once_across_a_killed_and_restarted_worker() {
    let (_tmp, db) = workspace();
    // Due in 5 minutes, reminded 10 minutes before: due at once.
    let soon = tehran_in(5);
    ok(
        &db,
        &[
            "--as",
            "reza@acme.example",
            "task",
            "add",
            "Call back",
            "--due",
            &soon.format("%Y-%m-%d").to_string(),
            "--at",
            &soon.format("%H:%M").to_string(),
            "--remind",
            "10",
            "--remind",
            "60",
        ],
    );
    let args: Vec<String> = ["run", "--poll-ms", "50"].map(str::to_owned).to_vec();
    // Kill the worker (SIGKILL) again and again, at different points of its work, until both
    // reminders are out, then twice more: each goes out exactly once.
    let mut after_both = 0;
    for round in 0..20u64 {
        let mut worker = spawn(&db, &args);
        std::thread::sleep(Duration::from_millis(300 + 400 * round));
        worker.kill().unwrap();
        worker.wait().unwrap();
        let n = reminders_in_outbox(&db);
        assert!(n <= 2, "a reminder went out twice: {n}");
        if n == 2 {
            after_both += 1;
            if after_both == 3 {
                return;
            }
        }
    }
    panic!("the reminders never went out");
}

#[test]
fn occasions_and_quiet_hours_are_entered_on_the_command_line() {
    let (_tmp, db) = workspace();
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
    ok(
        &db,
        &[
            "customer",
            "edit",
            "ali@example.com",
            "--birthday",
            "1370-05-12",
        ],
    );
    ok(
        &db,
        &[
            "customer",
            "edit",
            "ali@example.com",
            "--anniversary",
            "06-21",
            "--occasion-calendar",
            "gregorian",
        ],
    );
    let on = ok(&db, &["greetings", "--date", "1405-05-12"]);
    assert!(on.contains("Ali"), "{on}");
    let off = ok(&db, &["greetings", "--date", "1405-05-13"]);
    assert!(!off.contains("Ali"), "{off}");
    let gregorian = ok(&db, &["greetings", "--date", "2027-06-21"]);
    assert!(gregorian.contains("Ali"), "{gregorian}");
    // A second birthday replaces the first; both kinds are kept.
    let json = ok(
        &db,
        &[
            "customer",
            "edit",
            "ali@example.com",
            "--birthday",
            "1991-08-03",
            "--json",
        ],
    );
    let c: serde_json::Value = serde_json::from_str(&json).unwrap();
    let occasions = c["occasions"].as_array().unwrap();
    assert_eq!(occasions.len(), 2, "{json}");
    assert!(
        occasions
            .iter()
            .any(|o| o["calendar"] == "gregorian" && o["month"] == 8 && o["year"] == 1991),
        "{json}"
    );
    // Bad dates are refused and change nothing.
    for bad in [
        &["--birthday", "1404-12-30"][..],
        &["--birthday", "05-12"],
        &["--anniversary", "1370-07-31"],
        &["--occasion-calendar", "jalali"],
        &["--language", "de"],
    ] {
        let mut args = vec!["customer", "edit", "ali@example.com"];
        args.extend_from_slice(bad);
        let r = run(&db, &args);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
    }
    let json = ok(&db, &["customer", "show", "ali@example.com", "--json"]);
    assert_eq!(json.matches("\"month\"").count(), 2, "{json}");
    assert!(!json.contains("\"language\""), "{json}");
    // The language they are greeted in.
    let json = ok(
        &db,
        &[
            "customer",
            "edit",
            "ali@example.com",
            "--language",
            "fa-IR",
            "--json",
        ],
    );
    let c: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        c["fields"]["language"],
        serde_json::json!({"type": "text", "value": "fa"}),
        "{json}"
    );
    let json = ok(
        &db,
        &[
            "customer",
            "edit",
            "ali@example.com",
            "--language",
            "auto",
            "--json",
        ],
    );
    assert!(!json.contains("\"language\""), "{json}");
    // The customers the greeting job greets.
    ok(&db, &["settings", "set", "greeting_filter.tag", "vip"]);
    let shown = ok(&db, &["settings", "show"]);
    assert!(shown.contains("greeting_filter.tag = \"vip\""), "{shown}");
    let r = run(&db, &["settings", "set", "greeting_filter.stage", "nobody"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // Quiet hours.
    ok(&db, &["settings", "set", "quiet-hours", "22:00-08:00"]);
    let shown = ok(&db, &["settings", "show"]);
    assert!(
        shown.contains("quiet_hours.start = \"22:00:00\""),
        "{shown}"
    );
    assert!(shown.contains("quiet_hours.end = \"08:00:00\""), "{shown}");
    let r = run(&db, &["settings", "set", "quiet-hours", "22:00"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(
        &db,
        &[
            "--as",
            "reza@acme.example",
            "settings",
            "set",
            "quiet-hours",
            "23:00-07:00",
        ],
    );
    assert_ne!(r.code, 0, "not an administrator");
    let shown = ok(&db, &["settings", "show"]);
    assert!(
        shown.contains("quiet_hours.start = \"22:00:00\""),
        "{shown}"
    );
    ok(&db, &["settings", "set", "quiet-hours", "off"]);
    let shown = ok(&db, &["settings", "show"]);
    assert!(shown.contains("quiet_hours = null"), "{shown}");
}

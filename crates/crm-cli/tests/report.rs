//! Reports in the Jalali and Gregorian calendars, as tables, JSON and CSV.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ok, run, workspace};

#[test]
fn jalali_report_has_persian_labels_and_json_and_csv_forms() {
    let (_tmp, db) = workspace();
    ok(
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
        ],
    );
    let m = "maryam@acme.example";

    let out = ok(
        &db,
        &[
            "--as",
            m,
            "--calendar",
            "jalali",
            "report",
            "--period",
            "1405-Q3",
        ],
    );
    assert!(
        out.contains("report 1405-Q3 — پاییز ۱۴۰۵ (سه‌ماههٔ ۳: مهر تا آذر)"),
        "{out}"
    );
    assert!(
        out.contains("from ۱۴۰۵/۰۷/۰۱ ۰۰:۰۰ to ۱۴۰۵/۱۰/۰۱ ۰۰:۰۰"),
        "{out}"
    );

    let month = ok(
        &db,
        &[
            "--as",
            m,
            "--calendar",
            "jalali",
            "report",
            "--period",
            "1405-01",
        ],
    );
    assert!(month.contains("فروردین ۱۴۰۵"), "{month}");

    let json = ok(
        &db,
        &[
            "--as", m, "report", "--period", "1405-09", "--format", "json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["label"], "آذر ۱۴۰۵");
    assert!(doc["total"].is_u64());

    let csv = ok(
        &db,
        &[
            "--as", m, "report", "--period", "2026-Q4", "--format", "csv",
        ],
    );
    assert!(csv.starts_with("section,key,metric,value"), "{csv}");
    assert!(csv.contains("summary,,total,"), "{csv}");

    let bad = run(&db, &["--as", m, "report", "--period", "1405-Q5"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let agent = run(&db, &["--as", "reza@acme.example", "report"]);
    assert_eq!(agent.code, 1, "{}", agent.stderr);
}

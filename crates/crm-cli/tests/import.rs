//! CSV import with per-row errors, the dry run, and export.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ok, run, workspace};

const CSV: &str = "given_name,family_name,email,mobile,tags,stage\n\
علی,رضایی,ali@example.com,09121234567,vip,customer\n\
Bad,Email,not-an-email,,,\n\
Jane,Doe,jane@example.com,,,lead\n\
,,nobody@example.com,,,\n\
Copy,Cat,ALI@example.com,,,\n\
مریم,,maryam@example.ir,۰۹۳۵ ۱۱۱ ۲۲۳۳,,qualified\n\
Odd,Stage,odd@example.com,,,superstar\n";

#[test]
fn import_reports_bad_rows_by_line_and_dry_run_changes_nothing() {
    let (tmp, db) = workspace();
    let file = tmp.path().join("customers.csv");
    std::fs::write(&file, CSV).unwrap();
    let path = file.to_str().unwrap();

    let dry = run(&db, &["import", path, "--dry-run"]);
    assert_eq!(dry.code, 1, "{}\n{}", dry.stdout, dry.stderr);
    assert!(
        dry.stdout
            .contains("dry run: 3 of 7 row(s) would be imported, 4 refused"),
        "{}",
        dry.stdout
    );
    for line in ["line 3:", "line 5:", "line 6:", "line 8:"] {
        assert!(
            dry.stderr.contains(line),
            "missing {line} in {}",
            dry.stderr
        );
    }
    assert!(
        dry.stderr
            .contains("line 6: email:ali@example.com is already on line 2"),
        "{}",
        dry.stderr
    );
    let export = tmp.path().join("after-dry-run.csv");
    ok(&db, &["export", export.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&export).unwrap().lines().count(),
        1,
        "header only"
    );

    let real = run(&db, &["import", path]);
    assert_eq!(real.code, 1, "{}\n{}", real.stdout, real.stderr);
    assert!(
        real.stdout.contains("3 of 7 row(s) imported, 4 refused"),
        "{}",
        real.stdout
    );
    assert!(
        real.stderr.contains("line 3: invalid contact.email"),
        "{}",
        real.stderr
    );
    let found = ok(&db, &["search", "علی"]);
    assert!(found.contains("علی رضایی"), "{found}");
    let ali = ok(&db, &["customer", "show", "ali@example.com"]);
    assert!(
        ali.contains("tags: vip") && ali.contains("stage customer"),
        "{ali}"
    );
    let shown = ok(&db, &["customer", "show", "+989351112233"]);
    assert!(
        shown.contains("مریم") && shown.contains("stage qualified"),
        "{shown}"
    );

    // Importing the same file again: every row now clashes or is bad; nothing changes.
    let again = run(&db, &["import", path]);
    assert_eq!(again.code, 1);
    assert!(
        again.stdout.contains("0 of 7 row(s) imported"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stderr
            .contains("line 2: email:ali@example.com already belongs to"),
        "{}",
        again.stderr
    );

    // Export writes every customer, and a round trip through a new workspace works.
    ok(&db, &["export", export.to_str().unwrap()]);
    let text = std::fs::read_to_string(&export).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.starts_with("id,type,given_name,family_name"), "{text}");
}

#[test]
fn an_unusable_file_imports_nothing_with_exit_code_2() {
    let (tmp, db) = workspace();
    let file = tmp.path().join("bad.csv");
    std::fs::write(&file, "name,colour\nAli,blue\n").unwrap();
    let r = run(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unknown column"), "{}", r.stderr);
}

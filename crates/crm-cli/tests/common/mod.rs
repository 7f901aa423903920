//! Helpers shared by the tests: run the real `crm` binary over a temporary data directory.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The output of one run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The variables `crm` reads that a test must not inherit.
const CRM_VARS: [&str; 5] = [
    "CRM_DB",
    "CRM_AS",
    "CRM_WORKSPACE",
    "CRM_CALENDAR",
    "CRM_TZ",
];

/// A `crm` command over the data directory `db`, with no `CRM_*` variables from outside.
pub fn crm(db: &Path) -> Command {
    let mut cmd = Command::cargo_bin("crm").unwrap();
    for var in CRM_VARS {
        cmd.env_remove(var);
    }
    cmd.arg("--db").arg(db);
    cmd
}

/// Starts `crm --db DB ARGS...` as a child process (to signal or kill), its output
/// discarded.
pub fn spawn(db: &Path, args: &[String]) -> std::process::Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("crm"));
    for var in CRM_VARS {
        cmd.env_remove(var);
    }
    cmd.arg("--db").arg(db).args(args);
    cmd.stdout(std::process::Stdio::null());
    cmd.stderr(std::process::Stdio::null());
    cmd.spawn().unwrap()
}

/// Runs `crm --db DB ARGS...` and collects what it printed.
pub fn run(db: &Path, args: &[&str]) -> Run {
    let out = crm(db).args(args).output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and asserts success; returns stdout.
pub fn ok(db: &Path, args: &[&str]) -> String {
    let r = run(db, args);
    assert_eq!(
        r.code, 0,
        "crm {args:?} failed\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
    r.stdout
}

/// A workspace with an officer (maryam@acme.example) and an agent in billing
/// (reza@acme.example), in a new temporary directory.
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("data");
    let db_str = db.to_str().unwrap().to_owned();
    let db = PathBuf::from(db_str);
    ok(
        &db,
        &[
            "init",
            "--name",
            "Acme",
            "--admin-name",
            "Sara",
            "--admin-email",
            "sara@acme.example",
        ],
    );
    ok(&db, &["department", "add", "مالی"]);
    ok(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "مریم احمدی",
            "--email",
            "maryam@acme.example",
            "--role",
            "officer",
        ],
    );
    ok(
        &db,
        &[
            "staff",
            "add",
            "--name",
            "Reza Karimi",
            "--email",
            "reza@acme.example",
            "--role",
            "agent",
            "--department",
            "مالی",
        ],
    );
    (tmp, db)
}

/// The path of a fixture file.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

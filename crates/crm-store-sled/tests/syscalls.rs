//! The order of the system calls that make commits survive a power loss, read off a real
//! writer run under `strace -f`:
//!
//! - every acknowledged commit (the writer prints `ack N` once `commit` returned) comes after
//!   an `fdatasync` of the journal segment that completed after the segment's last write;
//! - every journal segment removed was first made redundant: sled's log file `db` was
//!   fsynced after the segment was closed and before it was unlinked;
//! - every segment created, renamed or removed is followed by an fsync of the journal's
//!   directory before the next acknowledgement.
//!
//! `strace` comes from Debian's package (`.ci/run` installs it); without it the test says
//! `SKIPPED` (which CI refuses).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crm_core::Crm;
use crm_core::customer::{ContactKind, FieldValue};
use crm_core::service::{NewCustomer, NewStaff};
use crm_core::staff::Role;
use crm_store_sled::{SledConfig, SledStore};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// Set in the child process: the store's directory.
const CHILD_DIR: &str = "CRM_SYSCALLS_CHILD_DIR";
/// Commits the writer makes: enough for several segments and checkpoints.
const COMMITS: usize = 400;

/// The writer, run under strace by [`commits_are_durable_in_this_order`].
#[test]
fn syscalls_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // sled's own background flush (which fsyncs its log) is off: every fsync of sled's
        // files in the trace is the store's.
        let config = SledConfig::new(Path::new(&dir)).flush_every_ms(None);
        let store = Arc::new(SledStore::open(config).unwrap());
        let crm = Crm::new(store.clone());
        let (ws, admin) = crm
            .create_workspace("Acme", "IR", NewStaff::new("Sara", Role::Admin))
            .await
            .unwrap();
        let s = crm.session(ws.id, admin.id).await.unwrap();
        // Large records fill journal segments quickly.
        let filler = "x".repeat(4000);
        for n in 0..COMMITS {
            let mut new = NewCustomer::person("Syscall", &format!("N{n}"))
                .contact(ContactKind::Email, &format!("s{n}@example.com"));
            for f in 0..4 {
                new.fields
                    .insert(format!("notes{f}"), FieldValue::Text(filler.clone()));
            }
            s.create_customer(new).await.unwrap();
            let mut out = std::io::stdout().lock();
            writeln!(out, "ack {n}").unwrap();
            out.flush().unwrap();
        }
        drop(s);
        drop(crm);
        drop(store);
    });
}

/// One completed system call of the trace.
#[derive(Debug, Clone)]
struct Call {
    name: String,
    /// The path of the fd or file argument, when strace named one.
    path: String,
    /// The text of the call (arguments and result).
    text: String,
}

/// The completed, successful calls of a `strace -f -y` trace, in order of completion.
fn completed_calls(trace: &str) -> Vec<Call> {
    let mut pending: HashMap<(String, String), String> = HashMap::new();
    let mut calls = Vec::new();
    for line in trace.lines() {
        let Some((pid, rest)) = line.split_once(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        let whole = if let Some(start) = rest.strip_suffix(" <unfinished ...>") {
            let name = start.split('(').next().unwrap_or("").to_owned();
            pending.insert((pid.to_owned(), name), start.to_owned());
            continue;
        } else if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some((name, tail)) = resumed.split_once(" resumed>") else {
                continue;
            };
            match pending.remove(&(pid.to_owned(), name.to_owned())) {
                Some(start) => format!("{start}{tail}"),
                None => continue,
            }
        } else {
            rest.to_owned()
        };
        let Some((name, args)) = whole.split_once('(') else {
            continue;
        };
        let Some((_, result)) = whole.rsplit_once(" = ") else {
            continue;
        };
        if result.trim_start().starts_with('-') {
            continue;
        }
        let path = if name.starts_with("rename") {
            quoted(args).pop().unwrap_or_default()
        } else if name.starts_with("unlink") {
            quoted(args).into_iter().next().unwrap_or_default()
        } else {
            fd_path(args)
        };
        calls.push(Call {
            name: name.to_owned(),
            path,
            text: whole.clone(),
        });
    }
    calls
}

/// The path strace resolved for the first fd argument: `3</a/b>`.
fn fd_path(args: &str) -> String {
    args.find('<')
        .and_then(|s| {
            let rest = &args[s + 1..];
            rest.find('>').map(|e| rest[..e].to_owned())
        })
        .unwrap_or_default()
}

/// The quoted strings of a call's arguments (paths, for unlink and rename).
fn quoted(args: &str) -> Vec<String> {
    args.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn is_sync(call: &Call) -> bool {
    call.name == "fsync" || call.name == "fdatasync"
}

#[test]
fn commits_are_durable_in_this_order() {
    if Command::new("strace").arg("-V").output().is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: strace not installed (the system-call order test)"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    let trace = tmp.path().join("trace");
    let status = Command::new("strace")
        .args(["-f", "-y", "-qq", "-s", "16", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=write,pwrite64,fsync,fdatasync,unlink,unlinkat,rename,renameat,renameat2",
        ])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "syscalls_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, &dir)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "the writer failed");
    let text = std::fs::read_to_string(&trace).unwrap();
    let calls = completed_calls(&text);
    let journal = format!("{}/journal", dir.display());
    let db_file = format!("{}/db", dir.display());
    let in_journal = |c: &Call| c.path.starts_with(&format!("{journal}/"));
    let segment = |c: &Call| in_journal(c) && c.path.ends_with(".log");
    let is_ack = |c: &Call| c.name == "write" && c.text.contains("\"ack ");

    let acks: Vec<usize> = (0..calls.len()).filter(|i| is_ack(&calls[*i])).collect();
    assert_eq!(acks.len(), COMMITS, "every commit acknowledged once");

    // 1. Every acknowledgement follows a sync of the journal after its last write.
    for &ack in &acks {
        let last_write = (0..ack)
            .rev()
            .find(|i| {
                let c = &calls[*i];
                (c.name == "pwrite64" || c.name == "write") && segment(c)
            })
            .expect("a journal write before an acknowledgement");
        let synced = (last_write + 1..ack).any(|i| is_sync(&calls[i]) && segment(&calls[i]));
        assert!(
            synced,
            "ack at call {ack} without a journal sync after call {last_write}"
        );
    }

    // 2. Every removed segment was closed, then sled's log fsynced, then it was unlinked.
    let removals: Vec<usize> = (0..calls.len())
        .filter(|i| calls[*i].name.starts_with("unlink") && segment(&calls[*i]))
        .collect();
    assert!(
        removals.len() >= 2,
        "the writer made no checkpoint: {removals:?}"
    );
    for &removal in &removals {
        let path = &calls[removal].path;
        // Made when renamed into place; closed when the next segment is.
        let named = |c: &Call| c.name.starts_with("rename") && segment(c);
        let made = (0..removal).find(|i| named(&calls[*i]) && calls[*i].path == *path);
        let closed = made
            .and_then(|m| (m + 1..removal).find(|i| named(&calls[*i]) && calls[*i].path != *path));
        // Removed at open or close without a rotation: from its making on.
        let from = closed.or(made).unwrap_or(0);
        let sled_synced = (from..removal).any(|i| is_sync(&calls[i]) && calls[i].path == db_file);
        assert!(
            sled_synced,
            "{path} removed at call {removal} without an fsync of sled's db after call {from}"
        );
    }

    // 3. Every change to the journal's directory is synced before the next acknowledgement.
    for i in 0..calls.len() {
        let c = &calls[i];
        let changes_dir =
            (c.name.starts_with("unlink") || c.name.starts_with("rename")) && in_journal(c);
        if !changes_dir {
            continue;
        }
        let next_ack = acks.iter().copied().find(|a| *a > i).unwrap_or(calls.len());
        let dir_synced = (i + 1..next_ack).any(|j| is_sync(&calls[j]) && calls[j].path == journal);
        assert!(
            dir_synced,
            "call {i} ({}) not followed by a sync of {journal}",
            c.text
        );
    }
}

//! Starts the aiosmtpd sink (tests/servers/smtp_sink.py) for a test and parses what it
//! received with Python's `email` package. Shared by crm-notify's and crm-cli's tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sink script (the same path from crm-notify and crm-cli).
pub const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crm-notify/tests/servers/smtp_sink.py"
);

/// The Python interpreter: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether python3 with aiosmtpd is here; if not, prints the SKIPPED line CI fails on.
pub fn available(test: &str) -> bool {
    let ok = Command::new(python())
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        // Straight to stderr, which the test harness does not capture: CI fails on it.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: {test}: aiosmtpd not installed"
        );
    }
    ok
}

/// A running aiosmtpd on 127.0.0.1, saving every message into its own directory; killed
/// on drop.
pub struct Sink {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// Where it saves messages.
    pub dir: tempfile::TempDir,
}

impl Sink {
    /// Starts a sink with extra `args` (`--auth u:p`, `--slow-data 3`, ...), or prints
    /// `SKIPPED: {test}: aiosmtpd not installed` and returns `None`.
    pub fn start(test: &str, args: &[&str]) -> Option<Sink> {
        if !available(test) {
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(python())
            .arg(SCRIPT)
            .arg("serve")
            .args(["--port", "0", "--dir"])
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start smtp_sink.py");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the port");
        let port: u16 = match line.trim().strip_prefix("PORT ").map(str::parse) {
            Some(Ok(port)) => port,
            _ => {
                let _ = child.kill();
                panic!("smtp_sink.py did not start: {line:?}");
            }
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "smtp sink never accepted on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Sink { child, port, dir })
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }

    /// Waits up to 10 s for `n` messages.
    pub fn wait_for(&self, n: usize) -> Vec<PathBuf> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let files = self.messages();
            if files.len() >= n || Instant::now() > deadline {
                return files;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What Python's `email` package (policy.default) reads in the message at `path`.
pub fn parse(path: &Path) -> serde_json::Value {
    let out = Command::new(python())
        .arg(SCRIPT)
        .arg("parse")
        .arg(path)
        .output()
        .expect("run the parser");
    assert!(
        out.status.success(),
        "parser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("parser JSON")
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Writes to `out` the answer a mail client would send from `from` to the message at
/// `received` (Python's `email` package: `In-Reply-To` its Message-ID, `References` its
/// References plus its Message-ID).
pub fn answer(received: &Path, out: &Path, from: &str, body: &str) {
    let status = Command::new(python())
        .arg(SCRIPT)
        .arg("answer")
        .arg(received)
        .arg(out)
        .args(["--from", from, "--body", body])
        .status()
        .expect("run the answer writer");
    assert!(status.success(), "the answer writer failed");
}

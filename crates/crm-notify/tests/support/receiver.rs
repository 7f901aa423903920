//! Starts tests/servers/webhook_receiver.py (the independent verifier) and reads its log.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether python3 with the `standardwebhooks` package is here; if not, prints
/// `SKIPPED: <test>: standardwebhooks not installed` on stderr.
pub fn available(test: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED: {test}: standardwebhooks not installed"
        );
    }
    ok
}

/// A running receiver; killed when dropped.
pub struct Receiver {
    child: Child,
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

/// One request the receiver got.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Received {
    /// Whether `standardwebhooks` verified it with one of the receiver's secrets.
    pub verified: bool,
    /// Why not, if not.
    pub error: Option<String>,
    /// The `webhook-id` header.
    pub id: Option<String>,
    /// The `webhook-signature` header.
    pub signature: Option<String>,
    /// The `content-type` header.
    pub content_type: Option<String>,
    /// The body.
    pub body: String,
    /// What it answered.
    pub status: u16,
}

impl Receiver {
    /// Starts a receiver knowing `secrets` (written `whsec_...`), with extra arguments
    /// (`--fail-first 1`, `--sleep 2`, `--redirect URL`).
    pub fn start(secrets: &[String], extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("received.jsonl");
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/servers/webhook_receiver.py");
        let mut command = Command::new("python3");
        command.arg(script).args(["--port", "0", "--log"]).arg(&log);
        for secret in secrets {
            command.args(["--secret", secret]);
        }
        let mut child = command
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let Some(port) = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse::<u16>().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the webhook receiver did not start: {line:?}");
        };
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/hook"),
            log,
            _dir: dir,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits up to 5 s for `n` requests, and returns what was received.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n || start.elapsed() > Duration::from_secs(5) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

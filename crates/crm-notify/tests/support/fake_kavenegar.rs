//! A fake Kavenegar REST server on loopback: records each request and answers as Kavenegar
//! does (`return.status`, `entries`), with switches to be slow, to fail, or to report a
//! message status.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request the fake got.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, API key included.
    pub path: String,
    /// Query and form fields, decoded.
    pub fields: HashMap<String, String>,
}

#[derive(Default)]
struct State {
    key: String,
    requests: Vec<Recorded>,
    statuses: HashMap<String, u64>,
    next_id: u64,
    delay: Duration,
    fail_with: Option<u16>,
}

/// The server; stops when dropped.
pub struct FakeKavenegar {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeKavenegar {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeKavenegar {
    /// A server that accepts the API key `key`.
    pub async fn start(key: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            key: key.to_owned(),
            next_id: 8_792_343,
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, state).await;
                });
            }
        });
        Self { url, state, task }
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Makes the status of message `id` be `code` (Kavenegar's codes: 1 queued, 10
    /// delivered, 11 undelivered, 14 blocked, ...).
    pub fn set_status(&self, id: &str, code: u64) {
        self.state
            .lock()
            .unwrap()
            .statuses
            .insert(id.to_owned(), code);
    }

    /// Waits `delay` before answering.
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// Answers every request with HTTP `status` (no Kavenegar body), or normally for `None`.
    pub fn fail_with(&self, status: Option<u16>) {
        self.state.lock().unwrap().fail_with = status;
    }
}

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

fn fields(text: &str) -> HashMap<String, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[head_end..]).into_owned();
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_owned();
    let target = request_line.next().unwrap_or("").to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut all = fields(query);
    all.extend(fields(&body));
    let recorded = Recorded {
        method,
        path: path.to_owned(),
        fields: all.clone(),
    };
    let (delay, answer) = {
        let mut s = state.lock().unwrap();
        s.requests.push(recorded);
        (s.delay, answer(&mut s, path, &all))
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (status, body) = answer;
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn ret(status: u16, message: &str) -> (u16, String) {
    (
        status,
        serde_json::json!({"return": {"status": status, "message": message}, "entries": null})
            .to_string(),
    )
}

fn answer(s: &mut State, path: &str, fields: &HashMap<String, String>) -> (u16, String) {
    if let Some(status) = s.fail_with {
        return (status, "<html>bad gateway</html>".to_owned());
    }
    let Some(rest) = path.strip_prefix("/v1/") else {
        return ret(404, "method not found");
    };
    let Some((key, method)) = rest.split_once('/') else {
        return ret(404, "method not found");
    };
    if key != s.key {
        return ret(403, "کد شناسائی API-Key معتبر نمی‌باشد");
    }
    match method {
        "sms/send.json" => {
            let receptor = fields.get("receptor").cloned().unwrap_or_default();
            let message = fields.get("message").cloned().unwrap_or_default();
            if message.is_empty() {
                return ret(413, "پیام خالی است");
            }
            if !receptor
                .trim_start_matches('+')
                .chars()
                .all(|c| c.is_ascii_digit())
                || receptor.len() < 11
            {
                return ret(411, "گیرنده نامعتبر است");
            }
            s.next_id += 1;
            let id = s.next_id;
            s.statuses.insert(id.to_string(), 1);
            (
                200,
                serde_json::json!({
                    "return": {"status": 200, "message": "تایید شد"},
                    "entries": [{
                        "messageid": id,
                        "message": message,
                        "status": 1,
                        "statustext": "در صف ارسال",
                        "sender": fields.get("sender").cloned().unwrap_or_default(),
                        "receptor": receptor,
                        "date": 1_765_000_000,
                        "cost": 120,
                    }],
                })
                .to_string(),
            )
        }
        "sms/status.json" => {
            let id = fields.get("messageid").cloned().unwrap_or_default();
            let status = s.statuses.get(&id).copied().unwrap_or(100);
            (
                200,
                serde_json::json!({
                    "return": {"status": 200, "message": "تایید شد"},
                    "entries": [{"messageid": id.parse::<u64>().unwrap_or(0), "status": status, "statustext": "وضعیت"}],
                })
                .to_string(),
            )
        }
        _ => ret(404, "method not found"),
    }
}

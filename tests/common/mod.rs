//! In-process protocol harness: the real service over `tokio::io::duplex`,
//! framed JSON-RPC both ways. The client side keeps reading, so the server's
//! one-slot outgoing channel never blocks, and answers the server's own
//! requests (`workspace/configuration`, `client/registerCapability`).

#![allow(dead_code)]

pub mod pipelined;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
    DuplexStream, ReadHalf, WriteHalf,
};

pub struct TestClient {
    writer: WriteHalf<DuplexStream>,
    reader: BufReader<ReadHalf<DuplexStream>>,
    next_id: i64,
    /// Notifications received so far, in order.
    pub notifications: Vec<Value>,
    /// What `workspace/configuration` answers for the `copydesk` section.
    pub settings: Value,
    pub probe: copydesk::lsp::Probe,
}

pub const ARTICLE: &str = include_str!("../fixtures/sochi-putin-erdogan.txt");

/// A temporary workspace holding the reference article and its lexicon.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in ["sochi-putin-erdogan.txt", "sochi.lexicon.json"] {
        std::fs::copy(fixtures.join(f), dir.path().join(f)).unwrap();
    }
    dir
}

pub fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Writes one framed JSON-RPC message.
pub async fn write_message(w: &mut (impl AsyncWrite + Unpin), msg: &Value) {
    let body = serde_json::to_vec(msg).unwrap();
    w.write_all(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes())
        .await
        .unwrap();
    w.write_all(&body).await.unwrap();
    w.flush().await.unwrap();
}

/// Reads one framed JSON-RPC message; `None` when the stream ends.
pub async fn read_message(r: &mut (impl AsyncBufRead + Unpin)) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = Some(v.parse::<usize>().expect("a numeric Content-Length"));
        }
    }
    let mut body = vec![0; len.expect("a Content-Length header")];
    r.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("the server writes JSON"))
}

/// The real service on a tokio task, as `tower_lsp_server` serves it over
/// stdio; returns the client's ends of the pipe.
pub fn start_server() -> (
    ReadHalf<DuplexStream>,
    WriteHalf<DuplexStream>,
    copydesk::lsp::Probe,
) {
    let (client_side, server_side) = tokio::io::duplex(1 << 20);
    let connection = copydesk::lsp::service();
    let probe = connection.probe();
    let (server_read, server_write) = tokio::io::split(server_side);
    tokio::spawn(connection.serve(server_read, server_write));
    let (r, w) = tokio::io::split(client_side);
    (r, w, probe)
}

impl TestClient {
    pub async fn start() -> TestClient {
        let (r, w, probe) = start_server();
        TestClient {
            writer: w,
            reader: BufReader::new(r),
            next_id: 1,
            notifications: Vec::new(),
            settings: Value::Null,
            probe,
        }
    }

    /// Starts, initializes with the given client capabilities and
    /// initializationOptions, and waits for the lexicons to load.
    pub async fn initialized(
        root: &Path,
        capabilities: Value,
        options: Value,
    ) -> (TestClient, Value) {
        let mut c = TestClient::start().await;
        let result = c
            .request(
                "initialize",
                json!({"processId": null, "rootUri": uri_of(root), "capabilities": capabilities, "initializationOptions": options,
                       "workspaceFolders": [{"uri": uri_of(root), "name": "ws"}]}),
            )
            .await;
        c.notify("initialized", json!({})).await;
        c.wait_for_notification("copydesk/status").await;
        (c, result)
    }

    /// A session over a fresh copy of the fixture workspace, with the
    /// fixture lexicon configured, and a draft of `text` open in it.
    pub async fn with_draft(
        capabilities: Value,
        name: &str,
        text: &str,
    ) -> (TestClient, String, tempfile::TempDir) {
        let ws = workspace();
        let (mut c, _) = TestClient::initialized(
            ws.path(),
            capabilities,
            json!({"lexicons": ["sochi.lexicon.json"]}),
        )
        .await;
        let language = if name.ends_with(".md") {
            "markdown"
        } else {
            "plaintext"
        };
        let uri = c.open(&ws.path().join(name), language, text).await;
        (c, uri, ws)
    }

    /// `textDocument/hover` at a position; the result (null where nothing).
    pub async fn hover(&mut self, uri: &str, position: Value) -> Value {
        self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await
    }

    pub async fn send(&mut self, msg: Value) {
        write_message(&mut self.writer, &msg).await;
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    async fn read_message(&mut self) -> Value {
        tokio::time::timeout(Duration::from_secs(20), read_message(&mut self.reader))
            .await
            .expect("server answered in time")
            .expect("server closed the stream")
    }

    /// Handles one incoming message; returns it if it is a response.
    async fn pump(&mut self) -> Option<Value> {
        let msg = self.read_message().await;
        match (msg.get("id"), msg.get("method")) {
            (Some(id), Some(method)) => {
                let result = match method.as_str().unwrap() {
                    "workspace/configuration" => json!([self.settings.clone()]),
                    _ => Value::Null,
                };
                let id = id.clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}))
                    .await;
                None
            }
            (None, Some(_)) => {
                self.notifications.push(msg);
                None
            }
            _ => Some(msg),
        }
    }

    /// Sends a request and returns its whole response message.
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            if let Some(resp) = self.pump().await {
                if resp["id"] == json!(id) {
                    return resp;
                }
            }
        }
    }

    /// Sends a request and returns its result, failing on an error.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let resp = self.request_raw(method, params).await;
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    /// Waits for the next notification of `method` not yet consumed.
    pub async fn wait_for_notification(&mut self, method: &str) -> Value {
        loop {
            if let Some(i) = self
                .notifications
                .iter()
                .position(|n| n["method"] == method)
            {
                return self.notifications.remove(i)["params"].clone();
            }
            self.pump().await;
        }
    }

    pub async fn open(&mut self, path: &Path, language_id: &str, text: &str) -> String {
        let uri = uri_of(path);
        self.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}})).await;
        uri
    }
}

/// (line, column in UTF-16) of the `nth` occurrence of `needle` in `text`.
pub fn pos16(text: &str, needle: &str, nth: usize) -> Value {
    let at = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle} #{nth} not in text"))
        .0;
    pos16_at(text, at)
}

/// (line, column in UTF-16) of byte offset `at` in `text`.
pub fn pos16_at(text: &str, at: usize) -> Value {
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": text[line_start..at].encode_utf16().count()})
}

pub fn range16(text: &str, needle: &str, nth: usize) -> Value {
    let start = pos16(text, needle, nth);
    let end = json!({"line": start["line"], "character": start["character"].as_u64().unwrap() as usize + needle.encode_utf16().count()});
    json!({"start": start, "end": end})
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

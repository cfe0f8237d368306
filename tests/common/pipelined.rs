//! A protocol client for the reliability tests: the real service in
//! process over `tokio::io::duplex`, with a reader task that drains the
//! server's output all the time (answering its requests), so that a test
//! can send thousands of messages without waiting for each answer, or
//! send a request and cancel it before it is answered.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{BufReader, DuplexStream, WriteHalf};
use tokio::sync::{mpsc, Mutex};

use super::{read_message, start_server, uri_of, write_message};

/// How long any single wait may take before the test fails: a hang guard
/// only, far above what any answer needs.
pub const HANG_GUARD: Duration = Duration::from_secs(180);

type Writer = Arc<Mutex<WriteHalf<DuplexStream>>>;

pub struct Client {
    writer: Writer,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Notifications received but not yet consumed by a wait.
    pending: Vec<Value>,
    /// Responses received but not yet consumed, by id.
    responses: HashMap<String, Value>,
    next_id: i64,
    pub probe: copydesk::lsp::Probe,
}

async fn write(writer: &Writer, msg: &Value) {
    write_message(&mut *writer.lock().await, msg).await;
}

impl Client {
    /// Starts the server; `settings` answers `workspace/configuration`.
    pub fn start(settings: Value) -> Client {
        let (r, w, probe) = start_server();
        let writer: Writer = Arc::new(Mutex::new(w));
        let (tx, incoming) = mpsc::unbounded_channel();
        let reply = writer.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(r);
            while let Some(msg) = read_message(&mut reader).await {
                if let (Some(id), Some(method)) = (msg.get("id"), msg.get("method")) {
                    let result = match method.as_str() {
                        Some("workspace/configuration") => json!([settings.clone()]),
                        _ => Value::Null,
                    };
                    write(
                        &reply,
                        &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                    )
                    .await;
                } else if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            writer,
            incoming,
            pending: Vec::new(),
            responses: HashMap::new(),
            next_id: 1,
            probe,
        }
    }

    /// Starts, initializes and waits for the lexicons to load.
    pub async fn initialized(root: &Path, capabilities: Value, options: Value) -> Client {
        let mut c = Client::start(Value::Null);
        let init = c
            .call(
                "initialize",
                json!({"processId": null, "rootUri": uri_of(root), "capabilities": capabilities,
                       "initializationOptions": options,
                       "workspaceFolders": [{"uri": uri_of(root), "name": "ws"}]}),
            )
            .await;
        assert!(init.get("result").is_some(), "{init}");
        c.notify("initialized", json!({})).await;
        c.notification("copydesk/status", |_| true).await;
        c
    }

    pub async fn send(&self, msg: Value) {
        write(&self.writer, &msg).await;
    }

    pub async fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Sends a request without waiting; returns its id.
    pub async fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// Sends a request and waits for its whole response message.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params).await;
        self.response(id).await
    }

    /// Sends a request and returns its result, failing on an error.
    pub async fn result(&mut self, method: &str, params: Value) -> Value {
        let resp = self.call(method, params).await;
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    /// Files a message: responses by id, notifications in order.
    fn file(&mut self, msg: Value) {
        if msg.get("method").is_none() {
            self.responses.insert(msg["id"].to_string(), msg);
        } else {
            self.pending.push(msg);
        }
    }

    async fn recv(&mut self, what: &str) {
        let msg = tokio::time::timeout(HANG_GUARD, self.incoming.recv())
            .await
            .unwrap_or_else(|_| panic!("no {what} within the hang guard"))
            .unwrap_or_else(|| panic!("server closed the stream waiting for {what}"));
        self.file(msg);
    }

    /// The next notification (in arrival order) that `pred` accepts; the
    /// others are kept for later waits.
    pub async fn next(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            if let Some(i) = self.pending.iter().position(&pred) {
                return self.pending.remove(i);
            }
            self.recv(what).await;
        }
    }

    pub async fn response(&mut self, id: i64) -> Value {
        let key = id.to_string();
        loop {
            if let Some(r) = self.responses.remove(&key) {
                return r;
            }
            self.recv(&format!("response {id}")).await;
        }
    }

    /// Responses that have already arrived, without waiting.
    pub fn arrived(&mut self) -> Vec<Value> {
        while let Ok(msg) = self.incoming.try_recv() {
            self.file(msg);
        }
        self.responses.drain().map(|(_, v)| v).collect()
    }

    /// The params of the next notification of `method` that `pred` accepts.
    pub async fn notification(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.next(method, |m| m["method"] == method && pred(&m["params"]))
            .await["params"]
            .clone()
    }

    /// The params of the next `window/logMessage` whose message contains `needle`.
    pub async fn log_containing(&mut self, needle: &str) -> Value {
        self.notification("window/logMessage", |p| {
            p["message"].as_str().is_some_and(|m| m.contains(needle))
        })
        .await
    }

    /// Notifications of `method` received so far and not consumed.
    pub fn seen(&self, method: &str) -> Vec<Value> {
        self.pending
            .iter()
            .filter(|m| m["method"] == method)
            .map(|m| m["params"].clone())
            .collect()
    }

    pub async fn open(&self, path: &Path, language_id: &str, text: &str) -> String {
        let uri = uri_of(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language_id, "version": 1, "text": text}}),
        )
        .await;
        uri
    }
}

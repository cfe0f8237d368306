//! Malformed protocol input sent to the copydesk binary over stdio: each
//! message gets the JSON-RPC answer the specification prescribes (or none,
//! for a notification), and the server keeps serving until `exit`.
//!
//! Runs the binary named by `COPYDESK_BIN` (CI points it at the release
//! build), else the one cargo built for this test.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

/// A hang guard only: far above what any answer needs.
const HANG_GUARD: Duration = Duration::from_secs(120);

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    /// Messages read but not consumed yet.
    pending: Vec<Value>,
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn msg(v: Value) -> Vec<u8> {
    frame(&serde_json::to_vec(&v).unwrap())
}

impl Server {
    fn start(cwd: &std::path::Path) -> Server {
        let bin = std::env::var("COPYDESK_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_copydesk").to_string());
        let mut child = Command::new(bin)
            .arg("serve")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("copydesk starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("the server frames its messages")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("the server writes JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Server {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn next(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i);
        }
        loop {
            let m = self
                .incoming
                .recv_timeout(HANG_GUARD)
                .unwrap_or_else(|e| panic!("no {what}: {e}"));
            if pred(&m) {
                return m;
            }
            self.pending.push(m);
        }
    }

    fn response(&mut self, id: Value) -> Value {
        self.next(&format!("response to {id}"), |m| {
            m.get("method").is_none() && m["id"] == id
        })
    }

    /// Every response not consumed yet, after a round trip that proves the
    /// server has read everything sent before it.
    fn drain_responses(&mut self, probe_id: i64) -> Vec<Value> {
        self.write(&msg(
            json!({"jsonrpc": "2.0", "id": probe_id, "method": "workspace/symbol", "params": {"query": "zz"}}),
        ));
        self.response(json!(probe_id));
        let (responses, rest): (Vec<Value>, Vec<Value>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|m| m.get("method").is_none());
        self.pending = rest;
        responses
    }
}

fn error_code(resp: &Value) -> i64 {
    resp["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error: {resp}"))
}

#[test]
fn malformed_input_gets_the_prescribed_answers_and_the_server_serves_on() {
    let ws = tempfile::tempdir().unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(
        fixtures.join("sochi.lexicon.json"),
        ws.path().join("sochi.lexicon.json"),
    )
    .unwrap();
    let root = format!("file://{}", ws.path().display());
    let doc = format!("{root}/d.md");
    let mut s = Server::start(ws.path());
    let mut tried = 0;

    // Before initialize: requests are refused with ServerNotInitialized,
    // notifications dropped.
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": doc}, "position": {"line": 0, "character": 0}}}),
    ));
    assert_eq!(error_code(&s.response(json!(1))), -32002);
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    ));
    assert_eq!(error_code(&s.response(json!(2))), -32002);
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": doc, "languageId": "markdown", "version": 1, "text": "Putin."}}})));
    tried += 3;

    // Framing and JSON errors: a ParseError (-32700) or InvalidRequest
    // (-32600) answered with a null id; the stream recovers at the next
    // Content-Length.
    let broken: Vec<(&str, Vec<u8>, i64)> = vec![
        (
            "truncated JSON",
            frame(br#"{"jsonrpc": "2.0", "id": 3, "method": "#),
            -32700,
        ),
        ("not JSON at all", frame(b"hello, server"), -32700),
        (
            "invalid UTF-8",
            frame(b"{\"jsonrpc\": \"2.0\", \"id\": \xff}"),
            -32700,
        ),
        (
            "no Content-Length",
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "Content-Length not a number",
            b"Content-Length: twelve\r\n\r\n".to_vec(),
            -32700,
        ),
        (
            "Content-Length overflowing",
            b"Content-Length: 99999999999999999999999999\r\n\r\n".to_vec(),
            -32700,
        ),
        (
            "unsupported charset",
            b"Content-Length: 2\r\nContent-Type: application/json; charset=latin1\r\n\r\n{}"
                .to_vec(),
            -32700,
        ),
        ("a JSON number", frame(b"42"), -32600),
        ("an empty batch", frame(b"[]"), -32600),
        (
            "neither a method nor an id",
            frame(br#"{"jsonrpc": "2.0"}"#),
            -32600,
        ),
        (
            "no jsonrpc member",
            frame(br#"{"id": 4, "method": "shutdown"}"#),
            -32600,
        ),
        (
            "JSON-RPC 1.0",
            frame(br#"{"jsonrpc": "1.0", "id": 5, "method": "initialize", "params": {}}"#),
            -32600,
        ),
        (
            "method not a string",
            frame(br#"{"jsonrpc": "2.0", "method": 7}"#),
            -32600,
        ),
    ];
    for (what, bytes, code) in &broken {
        s.write(bytes);
        let resp = s.next(what, |m| m.get("method").is_none() && m["id"].is_null());
        assert_eq!(error_code(&resp), *code, "{what}: {resp}");
        tried += 1;
    }

    // An initialize with parameters of the wrong type is InvalidParams and
    // leaves the server uninitialised; a good one then succeeds.
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 7, "method": "initialize",
        "params": {"processId": "not a number", "capabilities": {}}}),
    ));
    assert_eq!(error_code(&s.response(json!(7))), -32602);
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 8, "method": "initialize", "params": {
        "processId": null, "rootUri": root, "capabilities": {},
        "initializationOptions": {"lexicons": ["sochi.lexicon.json"]}}}),
    ));
    let init = s.response(json!(8));
    assert_eq!(init["result"]["serverInfo"]["name"], "copydesk", "{init}");
    s.write(&msg(
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    s.next("lexicons loaded", |m| m["method"] == "copydesk/status");
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 9, "method": "initialize",
        "params": {"processId": null, "capabilities": {}}}),
    ));
    assert_eq!(
        error_code(&s.response(json!(9))),
        -32600,
        "a second initialize"
    );
    tried += 3;

    // The didOpen sent before initialize was dropped.
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 10, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": doc}, "position": {"line": 0, "character": 1}}}),
    ));
    assert_eq!(s.response(json!(10))["result"], Value::Null);
    tried += 1;

    // Unknown methods; wrong parameter types.
    let requests: Vec<(&str, Value, i64)> = vec![
        (
            "an unknown request",
            json!({"method": "copydesk/frobnicate", "params": {}}),
            -32601,
        ),
        (
            "an unknown $/ request",
            json!({"method": "$/frobnicate", "params": {}}),
            -32601,
        ),
        (
            "hover without params",
            json!({"method": "textDocument/hover"}),
            -32602,
        ),
        (
            "hover with a string position",
            json!({"method": "textDocument/hover", "params": {"textDocument": {"uri": doc}, "position": "0:1"}}),
            -32602,
        ),
        (
            "hover with a negative line",
            json!({"method": "textDocument/hover", "params": {"textDocument": {"uri": doc}, "position": {"line": -1, "character": 0}}}),
            -32602,
        ),
        (
            "hover with a line beyond u32",
            json!({"method": "textDocument/hover", "params": {"textDocument": {"uri": doc}, "position": {"line": 5_000_000_000u64, "character": 0}}}),
            -32602,
        ),
        (
            "hover with a malformed URI",
            json!({"method": "textDocument/hover", "params": {"textDocument": {"uri": "::not a uri::"}, "position": {"line": 0, "character": 0}}}),
            -32602,
        ),
        (
            "rename with params as an array",
            json!({"method": "textDocument/rename", "params": [1, 2, 3]}),
            -32602,
        ),
        (
            "workspace/symbol with a numeric query",
            json!({"method": "workspace/symbol", "params": {"query": 12}}),
            -32602,
        ),
    ];
    for (i, (what, body, code)) in requests.iter().enumerate() {
        let id = 100 + i as i64;
        let mut m = body.clone();
        m["jsonrpc"] = json!("2.0");
        m["id"] = json!(id);
        s.write(&msg(m));
        let resp = s.response(json!(id));
        assert_eq!(error_code(&resp), *code, "{what}: {resp}");
        tried += 1;
    }
    // A string id is answered with the same id.
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": "abc", "method": "workspace/symbol", "params": {"query": "Putin"}}),
    ));
    let resp = s.response(json!("abc"));
    assert_eq!(resp["result"][0]["name"], "Vladimir V. Putin", "{resp}");
    tried += 1;

    // Notifications that are wrong in any way get no answer at all.
    let notifications = vec![
        json!({"method": "copydesk/unknownNotification", "params": {}}),
        json!({"method": "$/unknownNotification", "params": {}}),
        json!({"method": "$/cancelRequest", "params": {"id": 987654}}),
        json!({"method": "textDocument/didOpen", "params": {"textDocument": {"uri": doc, "text": 5}}}),
        json!({"method": "textDocument/didChange", "params": "nonsense"}),
        json!({"method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///never/opened.md"}}}),
        json!({"method": "workspace/didChangeWatchedFiles", "params": {"changes": [{"uri": 3, "type": 1}]}}),
    ];
    for mut n in notifications {
        n["jsonrpc"] = json!("2.0");
        s.write(&msg(n));
        tried += 1;
    }
    let stray = s.drain_responses(200);
    assert_eq!(
        stray,
        Vec::<Value>::new(),
        "notifications are never answered"
    );

    // Edits the server cannot apply are ignored with a logged warning and
    // never change the document; positions past the end clamp.
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": doc, "languageId": "markdown", "version": 3, "text": "Putin met"}}})));
    let edits = vec![
        (
            json!({"textDocument": {"uri": "file:///not/open.md", "version": 9}, "contentChanges": [{"text": "x"}]}),
            "which is not open",
        ),
        (
            json!({"textDocument": {"uri": doc, "version": 2}, "contentChanges": [{"text": "stale"}]}),
            "not newer than 3",
        ),
        (
            json!({"textDocument": {"uri": doc, "version": 4}, "contentChanges": [{"range": {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 2}}, "text": "x"}]}),
            "ends (0:2) before it starts (0:5)",
        ),
    ];
    for (params, says) in edits {
        s.write(&msg(
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}),
        ));
        let log = s.next(says, |m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"].as_str().unwrap().contains(says)
        });
        assert_eq!(log["params"]["type"], 2, "{log}");
        tried += 1;
    }
    // Past the end of the line and of the document: appended at the end.
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": doc, "version": 5},
        "contentChanges": [{"range": {"start": {"line": 0, "character": 4000}, "end": {"line": 99, "character": 0}}, "text": " Erdogan."}]}})));
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 11, "method": "textDocument/documentSymbol",
        "params": {"textDocument": {"uri": doc}}}),
    ));
    let symbols = s.response(json!(11));
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Vladimir V. Putin", "Recep Tayyip Erdogan"],
        "{symbols}"
    );
    assert_eq!(
        symbols["result"][1]["selectionRange"],
        json!({"start": {"line": 0, "character": 10}, "end": {"line": 0, "character": 17}}),
        "the edit (0:4000..99:0) went after \"Putin met\" (4 of its 5 versions ignored or refused)"
    );
    tried += 1;
    // Requests at positions past the end of a line or of the document.
    for (i, (line, character)) in [(0u32, 4000u32), (4000, 0), (u32::MAX, u32::MAX)]
        .into_iter()
        .enumerate()
    {
        let id = 300 + i as i64;
        for method in [
            "textDocument/hover",
            "textDocument/definition",
            "textDocument/documentHighlight",
            "textDocument/completion",
        ] {
            s.write(&msg(json!({"jsonrpc": "2.0", "id": id, "method": method,
                "params": {"textDocument": {"uri": doc}, "position": {"line": line, "character": character}}})));
            let resp = s.response(json!(id));
            assert!(
                resp.get("error").is_none(),
                "{method} at {line}:{character}: {resp}"
            );
            tried += 1;
        }
    }
    s.write(&msg(json!({"jsonrpc": "2.0", "id": 12, "method": "textDocument/semanticTokens/range",
        "params": {"textDocument": {"uri": doc}, "range": {"start": {"line": 7, "character": 0}, "end": {"line": 0, "character": 0}}}})));
    assert_eq!(s.response(json!(12))["result"]["data"], json!([]));
    tried += 1;

    // A huge message: a 20 MB draft, above the default limit of 8 MiB, is
    // held but not analysed, and the user is told.
    let huge = "Putin met Erdogan in Sochi. ".repeat(20 * 1024 * 1024 / 28);
    let big = format!("{root}/big.md");
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": big, "languageId": "markdown", "version": 1, "text": huge}}})));
    let told = s.next("the size warning", |m| m["method"] == "window/showMessage");
    assert!(
        told["params"]["message"]
            .as_str()
            .unwrap()
            .contains("is larger than 8388608 bytes"),
        "{told}"
    );
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 13, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": big}, "position": {"line": 0, "character": 1}}}),
    ));
    assert_eq!(s.response(json!(13))["result"], Value::Null);
    // A huge request: a 4 MB workspace/symbol query.
    let query = "x".repeat(4 << 20);
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 14, "method": "workspace/symbol", "params": {"query": query}}),
    ));
    assert_eq!(s.response(json!(14))["result"], json!([]));
    tried += 2;

    // Still serving, then a clean shutdown: requests after shutdown are
    // InvalidRequest, and exit ends the process with status 0.
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 15, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": doc}, "position": {"line": 0, "character": 12}}}),
    ));
    let h = s.response(json!(15));
    assert!(h["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**Recep Tayyip Erdogan**"));
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 16, "method": "shutdown"}),
    ));
    assert_eq!(s.response(json!(16))["result"], Value::Null);
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 17, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": doc}, "position": {"line": 0, "character": 12}}}),
    ));
    assert_eq!(error_code(&s.response(json!(17))), -32600);
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "exit"})));
    tried += 2;
    let status = wait_exit(&mut s.child);
    assert_eq!(status.code(), Some(0));
    eprintln!("malformed input: {tried} cases answered as prescribed");
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + HANG_GUARD;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn closing_stdin_ends_the_server() {
    let ws = tempfile::tempdir().unwrap();
    let mut s = Server::start(ws.path());
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "capabilities": {}}}),
    ));
    s.response(json!(1));
    let Server {
        mut child, stdin, ..
    } = s;
    drop(stdin);
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status}");
}

/// A 5 MB draft (the reference article, repeated) is analysed in full and
/// edited at its end. Against the release binary only (`COPYDESK_BIN`): a
/// debug build takes minutes over it.
#[test]
fn a_five_megabyte_draft_is_analysed_and_edited() {
    if std::env::var("COPYDESK_BIN").is_err() {
        eprintln!("skipped: set COPYDESK_BIN to the release binary to run it");
        return;
    }
    let ws = tempfile::tempdir().unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(
        fixtures.join("sochi.lexicon.json"),
        ws.path().join("sochi.lexicon.json"),
    )
    .unwrap();
    let article = std::fs::read_to_string(fixtures.join("sochi-putin-erdogan.txt")).unwrap();
    let root = format!("file://{}", ws.path().display());
    let mut s = Server::start(ws.path());
    s.write(&msg(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "processId": null, "rootUri": root, "capabilities": {},
        "initializationOptions": {"lexicons": ["sochi.lexicon.json"]}}}),
    ));
    s.response(json!(1));
    s.write(&msg(
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    s.next("lexicons loaded", |m| m["method"] == "copydesk/status");
    let putins = |s: &mut Server, id: i64, uri: &str| -> usize {
        s.write(&msg(
            json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol",
            "params": {"textDocument": {"uri": uri}}}),
        ));
        let r = s.response(json!(id));
        r["result"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .find(|s| s["name"] == "Vladimir V. Putin")
            .map_or(0, |s| s["children"].as_array().unwrap().len())
    };
    let one = format!("{root}/one.txt");
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": one, "languageId": "plaintext", "version": 1, "text": article}}})));
    let per_article = putins(&mut s, 2, &one);
    assert!(per_article > 0);
    let copies = 5 * 1024 * 1024 / article.len() + 1;
    let draft = vec![article.as_str(); copies].join("\n\n");
    let big = format!("{root}/big.txt");
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": big, "languageId": "plaintext", "version": 1, "text": draft}}})));
    assert_eq!(putins(&mut s, 3, &big), per_article * copies);
    let lines = draft.matches('\n').count();
    let last = draft.rsplit('\n').next().unwrap().encode_utf16().count();
    s.write(&msg(json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
        "textDocument": {"uri": big, "version": 2},
        "contentChanges": [{"range": {"start": {"line": lines, "character": last}, "end": {"line": lines, "character": last}}, "text": " Putin."}]}})));
    assert_eq!(putins(&mut s, 4, &big), per_article * copies + 1);
    s.write(&msg(json!({"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": big}, "position": {"line": lines, "character": last + 2}}})));
    let h = s.response(json!(5));
    assert_eq!(
        h["result"]["range"],
        json!({"start": {"line": lines, "character": last + 1}, "end": {"line": lines, "character": last + 6}})
    );
}

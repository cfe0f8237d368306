//! Protocol-level benchmark: starts the release server and drives it over
//! stdio as an editor would, timing what a reporter waits for, and reading
//! the server's memory from /proc.
//!
//! ```sh
//! cargo bench --bench lsp                       # every copydesk row
//! cargo bench --bench lsp -- --rows edit,open   # some rows
//! cargo bench --bench lsp -- --harper /path/to/harper-ls   # and harper-ls, same run
//! cargo bench --bench lsp -- --rules-off        # diagnostics wait on the analysis alone
//! ```
//!
//! Rows: `open` (open the 50,000-word draft → first diagnostics), `edit`
//! (one-character edits in its middle → the diagnostics of that version),
//! `requests` (hover, definition, completion), `cold` (start with the 100k
//! lexicon → first hover answered), `load1m` (start with the 1M lexicon →
//! lexicon loaded, peak RSS), `rss` (ten 50,000-word drafts open with the
//! 100k lexicon), `check` (`copydesk check` throughput, when the command
//! exists, with the index cache just written and with it read back from
//! disk).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod workload;

/// How long any one answer may take before the run is declared broken.
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flavor {
    Copydesk,
    Harper,
}

struct Server {
    child: Child,
    writer: Arc<Mutex<ChildStdin>>,
    rx: Receiver<(Instant, Value)>,
    /// Messages received while waiting for something else.
    pending: VecDeque<(Instant, Value)>,
    next_id: i64,
    started: Instant,
    full_sync: bool,
}

fn write_message(w: &mut impl Write, v: &Value) {
    let body = serde_json::to_vec(v).expect("a JSON value serialises");
    let _ = write!(w, "Content-Length: {}\r\n\r\n", body.len());
    let _ = w.write_all(&body);
    let _ = w.flush();
}

/// The next message and when its last byte arrived: the moment the server
/// has published it, before this client spends any time parsing it (an
/// editor's parser is not the server's cost, and a large `publishDiagnostics`
/// takes this client over a millisecond to parse).
fn read_message(r: &mut impl BufRead) -> Option<(Instant, Value)> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    let at = Instant::now();
    Some((at, serde_json::from_slice(&body).ok()?))
}

/// What the client answers to `workspace/configuration`.
fn configuration(flavor: Flavor, settings: &Value, params: &Value) -> Value {
    let items = params["items"].as_array().cloned().unwrap_or_default();
    let answer = |item: &Value| match (flavor, item["section"].as_str()) {
        (Flavor::Copydesk, _) => settings.clone(),
        (Flavor::Harper, Some("harper-ls")) => json!({"maxFileLength": 100_000_000}),
        (Flavor::Harper, _) => json!({"harper-ls": {"maxFileLength": 100_000_000}}),
    };
    Value::Array(items.iter().map(answer).collect())
}

impl Server {
    fn start(flavor: Flavor, program: &Path, args: &[&str], settings: Value) -> Server {
        let started = Instant::now();
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let writer = Arc::new(Mutex::new(child.stdin.take().expect("stdin is piped")));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        let answer = writer.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::with_capacity(1 << 16, stdout);
            while let Some((at, msg)) = read_message(&mut r) {
                // Requests from the server are answered at once, as an
                // editor does, so they never hold up what is measured.
                if let (Some(method), Some(id)) = (msg["method"].as_str(), msg.get("id")) {
                    let result = match method {
                        "workspace/configuration" => {
                            configuration(flavor, &settings, &msg["params"])
                        }
                        _ => Value::Null,
                    };
                    let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
                    write_message(&mut *answer.lock().unwrap(), &reply);
                    continue;
                }
                if tx.send((at, msg)).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            writer,
            rx,
            pending: VecDeque::new(),
            next_id: 1,
            started,
            full_sync: false,
        }
    }

    fn send(&self, v: Value) {
        write_message(&mut *self.writer.lock().unwrap(), &v);
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// The first message (pending or new) that `want` accepts; the others
    /// stay pending.
    fn wait_for(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> (Instant, Value) {
        if let Some(i) = self.pending.iter().position(|(_, m)| want(m)) {
            return self.pending.remove(i).expect("the position is in bounds");
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((at, m)) if want(&m) => return (at, m),
                Ok(other) => {
                    self.pending.push_back(other);
                    if self.pending.len() > 10_000 {
                        self.pending.pop_front();
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {TIMEOUT:?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server exited waiting for {what}")
                }
            }
        }
    }

    fn call(&mut self, method: &str, params: Value) -> (Duration, Value) {
        let t0 = Instant::now();
        let id = self.request(method, params);
        let (at, msg) = self.wait_for(method, |m| m["id"] == id && m.get("method").is_none());
        (at - t0, msg)
    }

    fn initialize(&mut self, root: &Path, settings: &Value) -> Value {
        let root_uri = uri_of(root);
        let (_, init) = self.call(
            "initialize",
            json!({
                "processId": std::process::id(),
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "bench"}],
                "initializationOptions": settings,
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "workspace": {"configuration": true, "didChangeConfiguration": {"dynamicRegistration": false}},
                    "textDocument": {
                        "synchronization": {"didSave": true},
                        "publishDiagnostics": {"versionSupport": true},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {"completionItem": {"snippetSupport": false}}
                    }
                }
            }),
        );
        let sync = &init["result"]["capabilities"]["textDocumentSync"];
        let change = sync.get("change").unwrap_or(sync);
        self.full_sync = change.as_i64() == Some(1);
        self.notify("initialized", json!({}));
        init
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
    }

    fn close(&self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    /// Diagnostics for `uri`, of `version` when the server says which.
    fn wait_diagnostics(&mut self, uri: &str, version: i64) -> Instant {
        let uri = uri.to_string();
        self.wait_for("publishDiagnostics", move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["version"].as_i64().is_none_or(|v| v == version)
        })
        .0
    }

    fn rss(&self) -> Memory {
        Memory::of(self.child.id())
    }

    fn stop(mut self) {
        let _ = self.call("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Memory {
    rss_kib: u64,
    peak_kib: u64,
}

impl Memory {
    fn of(pid: u32) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            rss_kib: field("VmRSS:"),
            peak_kib: field("VmHWM:"),
        }
    }
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// LSP position (UTF-16) of a byte offset.
fn position(text: &str, at: usize) -> Value {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count();
    let character: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": character})
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Row {
    name: String,
    server: Flavor,
    samples: Vec<Duration>,
    memory: Option<Memory>,
    note: String,
}

impl Row {
    fn new(name: &str, server: Flavor, mut samples: Vec<Duration>) -> Row {
        samples.sort();
        Row {
            name: name.into(),
            server,
            samples,
            memory: None,
            note: String::new(),
        }
    }

    fn p50(&self) -> Duration {
        percentile(&self.samples, 50.0)
    }

    fn p95(&self) -> Duration {
        percentile(&self.samples, 95.0)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

struct Setup {
    /// Every rule off: the diagnostics wait on the analysis alone.
    rules_off: bool,
    copydesk: PathBuf,
    harper: Option<PathBuf>,
    workdir: PathBuf,
    draft: String,
    example: String,
    edits: usize,
    requests: usize,
    opens: usize,
    starts: usize,
    /// The first of the draft variants the `check` row reads: 0 when
    /// measuring, [`TRAIN_VARIANTS`] when training.
    variants_from: u64,
}

/// With `--train`, the drafts are these variants and later ones, which no
/// measuring run reads: a profile collected for profile-guided
/// optimisation (scripts/pgo-build.sh) must not be tuned to the very
/// drafts the figures come from.
const TRAIN_VARIANTS: u64 = 10;

impl Setup {
    fn settings(&self, lexicon: Option<&Path>) -> Value {
        let lexicons: Vec<String> = lexicon
            .map(|p| p.display().to_string())
            .into_iter()
            .collect();
        let mut settings = json!({"lexicons": lexicons, "diagnostics": {"delayMs": 0}});
        if self.rules_off {
            let off: serde_json::Map<String, Value> = copydesk::rules::Rule::ALL
                .iter()
                .map(|r| (r.code().to_string(), json!("off")))
                .collect();
            settings["rules"] = Value::Object(off);
        }
        settings
    }

    fn start(&self, flavor: Flavor, lexicon: Option<&Path>) -> Server {
        let settings = self.settings(lexicon);
        let (program, args): (&Path, &[&str]) = match flavor {
            Flavor::Copydesk => (&self.copydesk, &["serve", "--stdio"]),
            Flavor::Harper => (
                self.harper.as_deref().expect("harper-ls was given"),
                &["--stdio"],
            ),
        };
        let mut s = Server::start(flavor, program, args, settings.clone());
        s.initialize(&self.workdir, &settings);
        s
    }

    /// A started server with its lexicon loaded (copydesk says so in
    /// `copydesk/status`).
    fn ready(&self, flavor: Flavor, lexicon: Option<&Path>) -> Server {
        let mut s = self.start(flavor, lexicon);
        if flavor == Flavor::Copydesk {
            let (_, status) = s.wait_for("copydesk/status", |m| m["method"] == "copydesk/status");
            assert!(
                status["params"]["error"].is_null(),
                "the lexicon did not load: {status}"
            );
        }
        s
    }

    fn draft_uri(&self, n: usize) -> String {
        uri_of(&self.workdir.join(format!("draft-{n}.md")))
    }
}

/// Open the draft → its first diagnostics, `opens` times (a new document each time).
fn row_open(setup: &Setup, flavor: Flavor, lexicon: Option<&Path>) -> Row {
    let mut s = setup.ready(flavor, lexicon);
    let mut samples = Vec::new();
    for n in 0..setup.opens {
        let uri = setup.draft_uri(1000 + n);
        let t0 = Instant::now();
        s.open(&uri, &setup.draft);
        let at = s.wait_diagnostics(&uri, 1);
        samples.push(at - t0);
        s.close(&uri);
    }
    let mut row = Row::new("open 50k-word draft → first diagnostics", flavor, samples);
    row.memory = Some(s.rss());
    s.stop();
    row
}

/// Where one-character edits go: inside a word of a prose paragraph near the
/// middle of the draft.
fn edit_point(text: &str) -> usize {
    let mid = text.len() / 2;
    let para = text[mid..].find("\n\n").map_or(mid, |i| mid + i + 2);
    let rest = &text[para..];
    // A paragraph of running prose: starts with a letter.
    let mut at = para;
    for p in rest.split("\n\n") {
        if p.starts_with(|c: char| c.is_ascii_uppercase()) && p.len() > 200 {
            break;
        }
        at += p.len() + 2;
    }
    let p = &text[at..];
    let word = p[p.len().min(100)..]
        .find(' ')
        .map_or(at, |i| at + p.len().min(100) + i + 1);
    word + 1
}

/// One-character edits in the middle of the draft (type a letter, delete
/// it), each timed to the diagnostics of its version.
fn row_edit(setup: &Setup, flavor: Flavor, lexicon: Option<&Path>) -> Row {
    let mut s = setup.ready(flavor, lexicon);
    let uri = setup.draft_uri(0);
    s.open(&uri, &setup.draft);
    s.wait_diagnostics(&uri, 1);
    let mut text = setup.draft.clone();
    let at = edit_point(&text);
    let mut samples = Vec::new();
    for k in 0..setup.edits {
        let version = k as i64 + 2;
        let typing = k % 2 == 0;
        let pos = position(&text, at);
        let change = if typing {
            text.insert(at, 'x');
            json!({"range": {"start": pos, "end": pos}, "text": "x"})
        } else {
            text.remove(at);
            let end = json!({"line": pos["line"], "character": pos["character"].as_i64().unwrap_or(0) + 1});
            json!({"range": {"start": pos, "end": end}, "text": ""})
        };
        let change = if s.full_sync {
            json!({"text": text})
        } else {
            change
        };
        let t0 = Instant::now();
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        );
        let got = s.wait_diagnostics(&uri, version);
        samples.push(got - t0);
    }
    let mut row = Row::new(
        "one-character edit mid-draft → its diagnostics",
        flavor,
        samples,
    );
    row.memory = Some(s.rss());
    s.stop();
    row
}

/// A name's offset in the middle third of the draft.
fn name_in_middle(text: &str, name: &str) -> usize {
    let mid = text.len() / 2;
    text.match_indices(name)
        .map(|(i, _)| i)
        .min_by_key(|&i| i.abs_diff(mid))
        .unwrap_or_else(|| panic!("the draft names {name}"))
}

/// Hover, definition and completion on the draft, its analysis current.
fn rows_requests(setup: &Setup, lexicon: Option<&Path>) -> Vec<Row> {
    let flavor = Flavor::Copydesk;
    let mut s = setup.ready(flavor, lexicon);
    let uri = setup.draft_uri(0);
    s.open(&uri, &setup.draft);
    s.wait_diagnostics(&uri, 1);
    let name = name_in_middle(&setup.draft, "Erdogan");
    let on_name = position(&setup.draft, name + 2);
    let in_prefix = position(&setup.draft, name + 4); // after "Erdo"
    let mut rows = Vec::new();
    for (method, label, pos) in [
        ("textDocument/hover", "hover on a name", &on_name),
        ("textDocument/definition", "definition of a name", &on_name),
        (
            "textDocument/completion",
            "completion of “Erdo”",
            &in_prefix,
        ),
    ] {
        let params = json!({"textDocument": {"uri": uri}, "position": pos});
        let (_, first) = s.call(method, params.clone());
        assert!(
            !first["result"].is_null(),
            "{method} answered nothing: {first}"
        );
        let samples = (0..setup.requests)
            .map(|_| s.call(method, params.clone()).0)
            .collect();
        let mut row = Row::new(label, flavor, samples);
        row.note = "round trip over stdio (an upper bound on time in the server)".into();
        rows.push(row);
    }
    s.stop();
    rows
}

/// Start with the 100k lexicon → first hover answered, from process start.
fn row_cold(setup: &Setup, lexicon: &Path) -> Row {
    let mut samples = Vec::new();
    let example_name = name_in_middle(&setup.example, "Erdogan");
    let pos = position(&setup.example, example_name + 2);
    for _ in 0..setup.starts {
        let mut s = setup.start(Flavor::Copydesk, Some(lexicon));
        let uri = setup.draft_uri(7);
        s.open(&uri, &setup.example);
        s.wait_for("copydesk/status", |m| m["method"] == "copydesk/status");
        let (_, hover) = s.call(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": pos}),
        );
        let at = Instant::now();
        assert!(!hover["result"].is_null(), "no hover card: {hover}");
        samples.push(at - s.started);
        s.stop();
    }
    Row::new(
        "cold start, 100k lexicon → first hover answered",
        Flavor::Copydesk,
        samples,
    )
}

/// Start with the 1M lexicon → `copydesk/status` says it is loaded.
fn row_load(setup: &Setup, lexicon: &Path) -> Row {
    let mut samples = Vec::new();
    let mut peak = Memory::default();
    for _ in 0..setup.starts.min(3) {
        let mut s = setup.start(Flavor::Copydesk, Some(lexicon));
        let (at, status) = s.wait_for("copydesk/status", |m| m["method"] == "copydesk/status");
        assert!(status["params"]["error"].is_null(), "{status}");
        samples.push(at - s.started);
        std::thread::sleep(Duration::from_millis(200));
        let m = s.rss();
        peak.peak_kib = peak.peak_kib.max(m.peak_kib);
        peak.rss_kib = peak.rss_kib.max(m.rss_kib);
        s.stop();
    }
    let mut row = Row::new(
        "load the 1M lexicon (start → loaded)",
        Flavor::Copydesk,
        samples,
    );
    row.memory = Some(peak);
    row
}

/// Ten copies of the 50,000-word draft open, every one analysed.
fn row_rss(setup: &Setup, flavor: Flavor, lexicon: Option<&Path>) -> Row {
    let mut s = setup.ready(flavor, lexicon);
    let t0 = Instant::now();
    for n in 0..10 {
        let uri = setup.draft_uri(100 + n);
        s.open(&uri, &setup.draft);
    }
    for n in 0..10 {
        let uri = setup.draft_uri(100 + n);
        s.wait_diagnostics(&uri, 1);
    }
    let elapsed = t0.elapsed();
    std::thread::sleep(Duration::from_millis(300));
    let mut row = Row::new(
        "ten 50k-word drafts open (all analysed)",
        flavor,
        vec![elapsed],
    );
    row.memory = Some(s.rss());
    s.stop();
    row
}

/// Where the 100k lexicon's index cache is when a `check` row starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CacheState {
    /// Written by the run just before: the page cache holds it as the
    /// writes left it.
    Written,
    /// Evicted from the page cache, then read back from disk by the run
    /// just before, through its mapping: a CI machine after a reboot.
    ReadBack,
}

/// `copydesk check` over ten different 50,000-word drafts with the 100k
/// lexicon: MB/s on one core, with the index cache in the given state.
///
/// The drafts differ (the long draft and nine variants of it): ten copies
/// of one draft would let anything the checker remembers between files
/// flatter the figure. Two figures: ten drafts with the lexicon load
/// included (what one CI run of ten files costs), and the throughput once
/// the lexicon is loaded: the extra time the nine other drafts take, from
/// runs of one and of ten drafts interleaved so that both see the same
/// machine.
fn row_check(setup: &Setup, lexicon: &Path, state: CacheState) -> Option<Row> {
    let help = Command::new(&setup.copydesk)
        .arg("check")
        .arg("--help")
        .output()
        .ok()?;
    if !help.status.success() {
        return None;
    }
    let dir = setup.workdir.join("check");
    std::fs::create_dir_all(&dir).ok()?;
    let mut sizes = Vec::new();
    let files: Vec<PathBuf> = (0..10u64)
        .map(|n| {
            let p = dir.join(format!("draft-{n}.md"));
            let text = match n {
                0 => setup.draft.clone(),
                _ => workload::long_draft_variant(setup.variants_from + n),
            };
            sizes.push(text.len() as f64);
            std::fs::write(&p, text).expect("draft written");
            p
        })
        .collect();
    let run = |files: &[PathBuf]| -> Option<Duration> {
        let t0 = Instant::now();
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(&setup.copydesk)
            .arg("check")
            .arg("--lexicon")
            .arg(lexicon)
            .args(files)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        Some(t0.elapsed())
    };
    // Where `check` keeps it: the first place that holds one.
    let locations = copydesk::workspace::CacheSettings::standard().locations(lexicon);
    let cache = || locations.iter().find(|p| p.is_file()).cloned();
    let (label, first) = match state {
        CacheState::Written => {
            // Whatever binary wrote it last, this one writes it anew.
            if let Some(old) = cache() {
                let _ = std::fs::remove_file(old);
            }
            run(&files[..1])?;
            ("cache just written", None)
        }
        CacheState::ReadBack => {
            run(&files[..1])?;
            let Some(cache) = cache() else {
                eprintln!("{}: no index cache: row skipped", lexicon.display());
                return None;
            };
            if let Err(e) = evict(&cache) {
                eprintln!("{}: not evicted ({e}): row skipped", cache.display());
                return None;
            }
            ("cache read back from disk", Some(run(&files)?))
        }
    };
    let mut ten = Vec::new();
    let mut one = Vec::new();
    for _ in 0..setup.starts.min(5) {
        ten.push(run(&files)?);
        one.push(run(&files[..1])?);
    }
    let mut row = Row::new(
        &format!("`copydesk check`, ten different drafts, one core, {label}"),
        Flavor::Copydesk,
        ten,
    );
    let one = Row::new("", Flavor::Copydesk, one);
    let nine_more = row.p50().saturating_sub(one.p50()).as_secs_f64();
    let all: f64 = sizes.iter().sum();
    row.note = format!(
        "{:.1} MB/s at the median ({:.2} MB), lexicon load included; one draft {:.0} ms; \
         {:.1} MB/s once the lexicon is loaded (nine more drafts {:.0} ms)",
        all / row.p50().as_secs_f64() / 1e6,
        all / 1e6,
        one.p50().as_secs_f64() * 1e3,
        (all - sizes[0]) / nine_more / 1e6,
        nine_more * 1e3,
    );
    if let Some(first) = first {
        row.note += &format!(
            "; the run that read it back {:.0} ms",
            first.as_secs_f64() * 1e3
        );
    }
    Some(row)
}

/// Drops `path` from the page cache, so that the next run reads it from disk.
#[cfg(target_os = "linux")]
fn evict(path: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)?;
    // Dirty pages are not dropped.
    file.sync_all()?;
    // SAFETY: a plain call on a descriptor that `file` keeps open.
    match unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) } {
        0 => Ok(()),
        e => Err(std::io::Error::from_raw_os_error(e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn evict(_: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let rows: Vec<String> = arg_value(&args, "--rows")
        .unwrap_or_else(|| "open,edit,requests,cold,load1m,rss,check".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let number = |name: &str, default: usize| {
        arg_value(&args, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    // `--train`: drive the given server once through each row's traffic,
    // on drafts the measuring runs never use, to collect a profile for
    // profile-guided optimisation; the figures it prints mean nothing
    // (an instrumented build is slower).
    let train = args.iter().any(|a| a == "--train");
    let variants_from = if train { TRAIN_VARIANTS } else { 0 };
    let workdir = workload::cache_dir().join(if train { "train" } else { "workspace" });
    std::fs::create_dir_all(&workdir).expect("workspace directory");
    let (example, example_name) = workload::example_draft();
    let setup = Setup {
        rules_off: args.iter().any(|a| a == "--rules-off"),
        // Another build of the server, to compare two in one run.
        copydesk: arg_value(&args, "--copydesk").map_or_else(
            || PathBuf::from(env!("CARGO_BIN_EXE_copydesk")),
            PathBuf::from,
        ),
        harper: arg_value(&args, "--harper").map(PathBuf::from),
        workdir,
        draft: workload::long_draft_variant(variants_from),
        example,
        edits: number("--edits", 200),
        requests: number("--requests", 200),
        opens: number("--opens", 20),
        starts: number("--starts", if train { 1 } else { 5 }),
        variants_from,
    };
    let want = |r: &str| rows.iter().any(|x| x == r);
    // On disk too, to read or to check with other tools.
    std::fs::write(setup.workdir.join("draft.md"), &setup.draft).expect("draft written");
    eprintln!(
        "draft: {} words, {} bytes; example: {example_name}",
        setup.draft.split_whitespace().count(),
        setup.draft.len()
    );
    let lex_100k = workload::lexicon_file(workload::LEXICON_100K.0, workload::LEXICON_100K.1);
    let mut out: Vec<Row> = Vec::new();
    let mut servers = vec![Flavor::Copydesk];
    if setup.harper.is_some() {
        servers.push(Flavor::Harper);
    }
    for &flavor in &servers {
        let lexicon = (flavor == Flavor::Copydesk).then_some(lex_100k.as_path());
        if want("open") {
            out.push(row_open(&setup, flavor, lexicon));
        }
        if want("edit") {
            out.push(row_edit(&setup, flavor, lexicon));
        }
        if want("rss") {
            out.push(row_rss(&setup, flavor, lexicon));
        }
    }
    if want("requests") {
        out.extend(rows_requests(&setup, Some(&lex_100k)));
    }
    if want("cold") {
        out.push(row_cold(&setup, &lex_100k));
    }
    if want("load1m") {
        let lex_1m = workload::lexicon_file(workload::LEXICON_1M.0, workload::LEXICON_1M.1);
        out.push(row_load(&setup, &lex_1m));
    }
    if want("check") {
        for state in [CacheState::Written, CacheState::ReadBack] {
            match row_check(&setup, &lex_100k, state) {
                Some(r) => out.push(r),
                None => eprintln!("`copydesk check` row skipped"),
            }
        }
    }
    report(&out);
}

fn report(rows: &[Row]) {
    println!("| measure | server | n | p50 ms | p95 ms | RSS MiB | peak RSS MiB | note |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        let (rss, peak) = r.memory.map_or((String::new(), String::new()), |m| {
            (mib(m.rss_kib), mib(m.peak_kib))
        });
        println!(
            "| {} | {:?} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.server,
            r.samples.len(),
            ms(r.p50()),
            ms(r.p95()),
            rss,
            peak,
            r.note
        );
    }
    // Ratios where both servers ran the same row.
    for r in rows.iter().filter(|r| r.server == Flavor::Harper) {
        if let Some(c) = rows
            .iter()
            .find(|c| c.server == Flavor::Copydesk && c.name == r.name)
        {
            let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64().max(1e-9);
            let mem = match (c.memory, r.memory) {
                (Some(cm), Some(hm)) => format!(
                    ", RSS harper-ls/copydesk {:.2}×",
                    hm.rss_kib as f64 / cm.rss_kib.max(1) as f64
                ),
                _ => String::new(),
            };
            println!(
                "\nratio {}: harper-ls/copydesk p50 {:.1}×, p95 {:.1}×{mem}",
                r.name,
                ratio(c.p50(), r.p50()),
                ratio(c.p95(), r.p95())
            );
        }
    }
}

//! The language server: lifecycle, documents, settings and lexicons, and the
//! request handlers. Handlers take a snapshot of a document under the state
//! lock, release it, and do their work on the snapshot; analysis runs on the
//! blocking pool so that reading input never waits for it.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ropey::Rope;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

use super::diagnostics;
use super::document::Document;
use super::framing::Sanitized;
use super::guard::{spawn_logged, Guarded};
use super::output::{self, FrameWriter, Outbox, Output};
use super::position::{to_byte, to_range, Encoding};
use super::tokens;
use crate::analysis::{self, cards, DocAnalysis, EntityId, Incremental, LexiconIndex};
use crate::config::Settings;
use crate::lexicon::EntityKind;
use crate::rules::{self, Finding, RuleConfig};
use crate::text::prose::DocKind;
use crate::workspace::{self, CacheSettings};

/// Bounds on the workspace scan behind `textDocument/references`.
const REFERENCE_SCAN_MAX_FILES: usize = 2000;
const REFERENCE_SCAN_MAX_BYTES: u64 = 4 * 1024 * 1024;
/// `workspace/executeCommand`: build (or update) a lexicon from a document.
/// Arguments: the document's URI, and optionally the lexicon's path
/// (relative to the workspace root); by default `<article>.lexicon.json`
/// beside the article, where discovery finds it.
pub const BUILD_LEXICON: &str = "copydesk.buildLexicon";
const COMPLETION_LIMIT: usize = 50;
const WORKSPACE_SYMBOL_LIMIT: usize = 200;

/// The language service and the queue its messages leave by, ready to
/// serve one connection.
pub struct Connection {
    service: Guarded<Backend>,
    socket: tower_lsp_server::ClientSocket,
    writer: FrameWriter,
    output: Output,
}

pub fn service() -> Connection {
    let (outbox, writer, output) = output::queue();
    let (service, socket) = LspService::new(|client| Backend::new(client, outbox));
    let client = service.inner().client.clone();
    Connection {
        service: Guarded::new(service, client),
        socket,
        writer,
        output,
    }
}

impl Connection {
    pub fn probe(&self) -> Probe {
        self.service.inner().probe()
    }

    /// Serves the connection until the client exits or closes `input`;
    /// every message is written to `out` before this returns.
    pub async fn serve<R, W>(self, input: R, out: W)
    where
        R: tokio::io::AsyncRead + Unpin,
        W: tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            service,
            socket,
            writer,
            mut output,
        } = self;
        let stop = output.stopper();
        let written = tokio::spawn(output.run(out));
        tower_lsp_server::Server::new(Sanitized::new(input), writer, socket)
            .concurrency_level(12)
            .serve(service)
            .await;
        // Tasks still running may hold the outbox: what they queued by now
        // is written, later messages are dropped (the client has exited).
        stop.stop();
        let _ = written.await;
    }
}

pub struct Backend {
    client: Client,
    /// Where diagnostics are published (see `output`).
    outbox: Outbox,
    state: Arc<Mutex<State>>,
    /// Becomes true once the first lexicon load has finished (well or not):
    /// document requests wait for it, so that a hover sent right after
    /// connecting is answered with the lexicon, not with nothing.
    loaded: tokio::sync::watch::Sender<bool>,
    reloads: Arc<Reloads>,
}

/// Lexicon reloads run one at a time and only the last one asked for
/// counts. Run side by side, a reload asked for earlier (with the settings
/// of then) could finish last and put the old lexicon back in use, with a
/// status that hides the newer settings' error.
#[derive(Default)]
struct Reloads {
    /// How many reloads have been asked for so far.
    asked: AtomicU64,
    /// Held by the reload that is running.
    running: tokio::sync::Mutex<()>,
}

/// How long a request waits for the first lexicon load before answering
/// without it.
const FIRST_LOAD_WAIT: Duration = Duration::from_secs(10);

struct OpenDoc {
    doc: Document,
    /// The analysis of (version, index generation): computed once and
    /// shared by every request that needs it meanwhile (under a burst of
    /// requests, one analysis per version, not one per request).
    analysis: Option<(i32, u64, SharedAnalysis)>,
    /// The text of the current version, copied out of the rope once and
    /// shared by every snapshot, analysis and rule check of that version.
    text: Option<SharedText>,
    /// The paragraphs analysed so far, reused by the next version's analysis.
    incremental: Arc<Mutex<Incremental>>,
    /// The rule findings per unit of paragraphs, reused by the next version's check.
    rules: Arc<Mutex<rules::Checker>>,
    /// The last diagnostics, reused for the findings the next version keeps.
    converter: Arc<Mutex<diagnostics::Converter>>,
    /// Set once the user has been told this document is too large.
    told_too_large: bool,
}

type SharedAnalysis = Arc<tokio::sync::OnceCell<Arc<DocAnalysis>>>;

/// A version's text. `Arc<String>` rather than `Arc<str>`: the text is
/// gathered from the rope's chunks into a `String`, and an `Arc<str>` would
/// copy it a second time.
type SharedText = Arc<String>;

/// The rope's text, its chunks copied into a string of the right size
/// (`to_string` goes through the formatter, chunk by chunk, and grows the
/// string as it goes).
fn text_of(rope: &Rope) -> String {
    let mut text = String::with_capacity(rope.len_bytes());
    for chunk in rope.chunks() {
        text.push_str(chunk);
    }
    text
}

/// Where [`Probe::inject_fault`] makes the server panic, once: for the
/// tests that prove no panic reaches the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Inside the next document analysis, on the blocking pool.
    Analysis,
    /// In the next request handler or diagnostics task that takes a
    /// snapshot, on the protocol task itself.
    Snapshot,
    /// At the start of the next lexicon reload.
    Reload,
}

#[derive(Default)]
struct State {
    encoding: Encoding,
    root: Option<PathBuf>,
    docs: HashMap<Uri, OpenDoc>,
    init_options: Value,
    /// The `copydesk` section from `workspace/configuration` or a
    /// `didChangeConfiguration` push; wins over `init_options`.
    client_settings: Value,
    settings: Settings,
    index: Arc<LexiconIndex>,
    index_generation: u64,
    /// Source articles read for diagnostics' related locations.
    source_texts: Arc<Mutex<diagnostics::SourceCache>>,
    supports_configuration: bool,
    supports_watch_registration: bool,
    supports_tokens_refresh: bool,
    /// The client pulls diagnostics (`textDocument/diagnostic`): then we do
    /// not also push them, or the editor would show each twice.
    pull_diagnostics: bool,
    supports_diagnostic_refresh: bool,
    rule_config: RuleConfig,
    /// Markdown where the client declares it (hover: unless it declares
    /// only plain text; completion: only when it declares Markdown).
    hover_markdown: bool,
    completion_markdown: bool,
    shutting_down: bool,
    /// A panic to raise on purpose, set only through [`Probe::inject_fault`].
    fault: Option<Fault>,
}

/// What a request works on: a consistent view of one document.
struct Snapshot {
    uri: Uri,
    kind: DocKind,
    text: SharedText,
    rope: Rope,
    analysis: Arc<DocAnalysis>,
    index: Arc<LexiconIndex>,
    /// The generation of `index`.
    generation: u64,
    enc: Encoding,
    root: Option<PathBuf>,
}

/// What a snapshot of one document is made from, taken under the state
/// lock by [`Backend::pending`], before its analysis is known.
#[derive(Clone)]
struct Pending {
    uri: Uri,
    rope: Rope,
    /// The version's text, if copied out of the rope already.
    text: Option<SharedText>,
    kind: DocKind,
    index: Arc<LexiconIndex>,
    generation: u64,
    enc: Encoding,
    root: Option<PathBuf>,
    /// Where the version's analysis is shared.
    cell: SharedAnalysis,
    incremental: Arc<Mutex<Incremental>>,
    fault: Option<Fault>,
}

impl Pending {
    /// The version's text. Copied out of the rope by the first who needs
    /// it, and kept only if the document is still at this version: an edit
    /// (or a reopening) replaces the analysis cell along with the text.
    fn text(&self, state: &Mutex<State>) -> SharedText {
        if let Some(text) = &self.text {
            return text.clone();
        }
        let text = SharedText::new(text_of(&self.rope));
        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = st.docs.get_mut(&self.uri) {
            let same = matches!(&open.analysis, Some((_, _, c)) if Arc::ptr_eq(c, &self.cell));
            if same && open.text.is_none() {
                open.text = Some(text.clone());
            }
        }
        text
    }

    /// Analyses the version (on the blocking pool).
    fn analyze(&self, text: &SharedText) -> Arc<DocAnalysis> {
        let mut inc = self.incremental.lock().unwrap_or_else(|p| p.into_inner());
        self.analyze_with(text, &mut inc)
    }

    fn analyze_with(&self, text: &SharedText, inc: &mut Incremental) -> Arc<DocAnalysis> {
        if self.fault == Some(Fault::Analysis) {
            panic!("injected fault in the analysis");
        }
        Arc::new(inc.analyze_shared(text, self.kind, &self.index, self.generation))
    }

    /// The snapshot, its analysis shared through the cell or made here and
    /// shared from now on: for the diagnostics task, which then checks the
    /// snapshot on the same thread of the blocking pool (one hand-off to
    /// the pool per keystroke, not two).
    fn snapshot_here(self, state: &Mutex<State>) -> Snapshot {
        let text = self.text(state);
        let analysis = match self.cell.get() {
            Some(analysis) => analysis.clone(),
            None => {
                let mut inc = self.incremental.lock().unwrap_or_else(|p| p.into_inner());
                // A request may have made it while this waited for the lock.
                match self.cell.get() {
                    Some(analysis) => analysis.clone(),
                    None => {
                        let analysis = self.analyze_with(&text, &mut inc);
                        // Refused only while a request is making it too:
                        // that one's will be shared.
                        let _ = self.cell.set(analysis.clone());
                        analysis
                    }
                }
            }
        };
        self.into_snapshot(text, analysis)
    }

    fn into_snapshot(self, text: SharedText, analysis: Arc<DocAnalysis>) -> Snapshot {
        Snapshot {
            uri: self.uri,
            kind: self.kind,
            text,
            rope: self.rope,
            analysis,
            index: self.index,
            generation: self.generation,
            enc: self.enc,
            root: self.root,
        }
    }
}

/// What checking a document needs besides its snapshot: its rule cache and
/// last diagnostics (none for a document no longer open) and the settings.
struct Rules {
    config: RuleConfig,
    checker: Option<Arc<Mutex<rules::Checker>>>,
    converter: Option<Arc<Mutex<diagnostics::Converter>>>,
    source_texts: Arc<Mutex<diagnostics::SourceCache>>,
}

impl Rules {
    /// The findings and diagnostics of a snapshot (on the blocking pool).
    fn check(self, snap: Snapshot, publish: Option<i32>) -> Checked {
        let Rules {
            config,
            checker,
            converter,
            source_texts,
        } = self;
        let findings = match checker {
            // Only the paragraphs the edits touched are checked again.
            Some(checker) => checker.lock().unwrap_or_else(|p| p.into_inner()).check(
                &snap.text,
                &snap.analysis,
                &snap.index,
                snap.generation,
                &config,
            ),
            None => rules::check(&snap.text, &snap.analysis, &snap.index, &config),
        };
        let mut cache = source_texts.lock().unwrap_or_else(|p| p.into_inner());
        cache.keep_for(snap.generation, &snap.root);
        let mut sources = diagnostics::SourceTexts::new(&snap.index, snap.root.clone(), &mut cache);
        let (diagnostics, frame) = match converter {
            // Only the findings the edits changed are converted afresh,
            // and serialized afresh in the frame.
            Some(converter) => {
                let mut converter = converter.lock().unwrap_or_else(|p| p.into_inner());
                let diagnostics = converter.convert(
                    &findings,
                    &diagnostics::Version {
                        text: &snap.text,
                        rope: &snap.rope,
                        revision: snap.analysis.revision,
                    },
                    snap.enc,
                    snap.generation,
                    &mut sources,
                );
                let frame = publish.map(|v| converter.frame(&snap.uri, Some(v)));
                (diagnostics, frame)
            }
            None => {
                let diagnostics =
                    diagnostics::to_diagnostics(&findings, &snap.text, snap.enc, &mut sources);
                (Arc::new(diagnostics), None)
            }
        };
        drop(sources);
        drop(cache);
        Checked {
            snap,
            findings,
            diagnostics,
            frame,
        }
    }
}

/// What [`Backend::diagnostics_for`] found for a snapshot.
struct Checked {
    snap: Snapshot,
    findings: Vec<Finding>,
    diagnostics: Arc<Vec<Diagnostic>>,
    /// The `publishDiagnostics` frame, when asked for.
    frame: Option<Vec<u8>>,
}

fn internal(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: message.into().into(),
        data: None,
    }
}

impl Backend {
    fn new(client: Client, outbox: Outbox) -> Self {
        Backend {
            client,
            outbox,
            state: Arc::new(Mutex::new(State {
                index: Arc::new(LexiconIndex::empty()),
                ..State::default()
            })),
            loaded: tokio::sync::watch::Sender::new(false),
            reloads: Arc::default(),
        }
    }

    /// A poisoned lock means a panic happened while holding it; the state is
    /// still usable (every mutation is a whole-value replacement), so serve on.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The analysis of a document at its current version, computed on the
    /// blocking pool if needed. `Ok(None)` for unknown or too-large documents.
    async fn snapshot(&self, uri: &Uri) -> Result<Option<Snapshot>> {
        let Some(pending) = self.pending(uri).await else {
            return Ok(None);
        };
        let text = pending.text(&self.state);
        // A failed (or cancelled) computation leaves the cell empty: the
        // next request for this version tries again.
        let cell = pending.cell.clone();
        let pending = Arc::new(pending);
        let analysis = cell
            .get_or_try_init(|| {
                let (pending, text) = (pending.clone(), text.clone());
                async move { run_blocking(move || pending.analyze(&text)).await }
            })
            .await?
            .clone();
        Ok(Some(
            Arc::unwrap_or_clone(pending).into_snapshot(text, analysis),
        ))
    }

    /// What a snapshot of a document at its current version is made from,
    /// taken under the state lock: the analysis is still to be found or
    /// made. `None` for unknown or too-large documents.
    async fn pending(&self, uri: &Uri) -> Option<Pending> {
        let mut loaded = self.loaded.subscribe();
        let _ = tokio::time::timeout(FIRST_LOAD_WAIT, loaded.wait_for(|done| *done)).await;
        let fault = self
            .state()
            .fault
            .take_if(|f| matches!(f, Fault::Snapshot | Fault::Analysis));
        if fault == Some(Fault::Snapshot) {
            panic!("injected fault in a snapshot");
        }
        let (pending, too_large) = {
            let mut st = self.state();
            let (index, generation, enc, root, max) = (
                st.index.clone(),
                st.index_generation,
                st.encoding,
                st.root.clone(),
                st.settings.max_file_bytes,
            );
            let open = st.docs.get_mut(uri)?;
            let too_large = open.doc.rope.len_bytes() > max;
            let tell = too_large && !std::mem::replace(&mut open.told_too_large, too_large);
            let version = open.doc.version;
            let cell = match &open.analysis {
                Some((v, g, cell)) if *v == version && *g == generation => cell.clone(),
                _ => {
                    let cell = Arc::new(tokio::sync::OnceCell::new());
                    open.analysis = Some((version, generation, cell.clone()));
                    cell
                }
            };
            let pending = Pending {
                uri: uri.clone(),
                rope: open.doc.rope.clone(),
                text: open.text.clone(),
                kind: open.doc.kind,
                index,
                generation,
                enc,
                root,
                cell,
                incremental: open.incremental.clone(),
                fault,
            };
            (pending, (too_large, tell, max))
        };
        let (too_large, tell, max) = too_large;
        if too_large {
            if tell {
                let client = self.client.clone();
                let name = uri.path().to_string();
                tokio::spawn(async move {
                    client
                        .show_message(
                            MessageType::WARNING,
                            format!("copydesk: {name} is larger than {max} bytes; names and attribution are not checked in it (raise copydesk.limits.maxFileBytes to change this)"),
                        )
                        .await;
                });
            }
            return None;
        }
        Some(pending)
    }

    async fn log(&self, typ: MessageType, message: String) {
        self.client.log_message(typ, message).await;
    }

    /// Reloads the lexicons and settings, unless a reload asked for after
    /// this one is waiting: that one reads the settings and the files
    /// afresh, so this one's result would only be replaced.
    async fn reload(&self) {
        let ticket = self.reloads.asked.fetch_add(1, Ordering::SeqCst) + 1;
        let _running = self.reloads.running.lock().await;
        if self.reloads.asked.load(Ordering::SeqCst) != ticket {
            return;
        }
        self.reload_now().await;
        self.loaded.send_replace(true);
    }

    /// Re-reads settings and lexicons and swaps in a new index. Lexicons that
    /// fail to load are reported with file, line and column; the last good
    /// version of each stays in use.
    async fn reload_now(&self) {
        if self
            .state()
            .fault
            .take_if(|f| *f == Fault::Reload)
            .is_some()
        {
            panic!("injected fault in a lexicon reload");
        }
        let (root, init, client_settings, supports_configuration) = {
            let st = self.state();
            (
                st.root.clone(),
                st.init_options.clone(),
                st.client_settings.clone(),
                st.supports_configuration,
            )
        };
        let client_settings = if supports_configuration {
            match self.fetch_configuration().await {
                Some(v) => {
                    self.state().client_settings = v.clone();
                    v
                }
                None => client_settings,
            }
        } else {
            client_settings
        };
        let mut messages: Vec<String> = Vec::new();
        let mut settings = Settings::default();
        let mut config_lexicons = None;
        if let Some(root) = &root {
            match workspace::read_config(root) {
                Ok(Some((s, warnings))) => {
                    config_lexicons = s.lexicons.clone();
                    settings = s;
                    messages.extend(warnings.into_iter().map(|w| format!("copydesk.toml: {w}")));
                }
                Ok(None) => {}
                Err(e) => messages.push(format!("{e} (settings from it are not applied)")),
            }
        }
        settings.lexicons = None;
        let mut user_lexicons = None;
        for layer in [&init, &client_settings] {
            let mut probe = Settings::default();
            probe.overlay_client(layer);
            if probe.lexicons.is_some() {
                user_lexicons = probe.lexicons;
            }
            messages.extend(settings.overlay_client(layer));
        }
        settings.lexicons = user_lexicons.clone().or(config_lexicons.clone());

        let (paths, refused) = workspace::lexicon_paths(
            root.as_deref(),
            user_lexicons.as_deref(),
            config_lexicons.as_deref(),
        );
        let to_load: Vec<PathBuf> = paths.iter().map(|(p, _)| p.clone()).collect();
        // The index in use is the last good version of every lexicon: one
        // that fails to load now is taken from it.
        let previous = self.state().index.clone();
        let loaded = match run_blocking(move || {
            workspace::load_index(&to_load, Some(&previous), &CacheSettings::standard())
        })
        .await
        {
            Ok(l) => l,
            Err(e) => {
                self.log(
                    MessageType::ERROR,
                    format!("copydesk: loading lexicons failed: {}", e.message),
                )
                .await;
                return;
            }
        };
        let mut errors = refused;
        errors.extend(loaded.errors);
        let kept = loaded.kept;
        if let Some(note) = loaded.cache_note {
            self.log(MessageType::INFO, format!("copydesk: {note}"))
                .await;
        }
        let index = Arc::new(loaded.index);
        let status: Vec<Value> = index
            .lexicons
            .iter()
            .map(|l| json!({"path": l.path.display().to_string(), "entities": l.entities.len(), "claims": l.claims.len()}))
            .collect();
        {
            let mut st = self.state();
            st.index = index;
            st.index_generation += 1;
            let (rule_config, _unknown) = RuleConfig::with_overrides(
                settings
                    .rules
                    .iter()
                    .map(|(code, sev)| (code.as_str(), *sev)),
            );
            st.rule_config = rule_config;
            st.settings = settings;
        }
        for e in &errors {
            let suffix = if kept.contains(&e.path) {
                " — the last version that loaded stays in use"
            } else {
                ""
            };
            self.client
                .show_message(
                    MessageType::ERROR,
                    format!("copydesk: cannot load lexicon {e}{suffix}"),
                )
                .await;
        }
        for m in messages {
            self.client
                .show_message(MessageType::WARNING, format!("copydesk: {m}"))
                .await;
        }
        let error_text = (!errors.is_empty()).then(|| {
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        });
        self.client
            .send_notification::<StatusNotification>(
                json!({"lexicons": status, "error": error_text}),
            )
            .await;
        self.client
            .log_message(
                MessageType::INFO,
                format!("copydesk: lexicons loaded: {}", status.len()),
            )
            .await;
        let uris: Vec<Uri> = self.state().docs.keys().cloned().collect();
        for uri in uris {
            self.schedule_diagnostics(uri);
        }
        if self.state().supports_tokens_refresh {
            let _ = self.client.semantic_tokens_refresh().await;
        }
        let pull_refresh = {
            let st = self.state();
            st.pull_diagnostics && st.supports_diagnostic_refresh
        };
        if pull_refresh {
            let _ = self.client.workspace_diagnostic_refresh().await;
        }
    }

    async fn fetch_configuration(&self) -> Option<Value> {
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("copydesk".into()),
        }];
        match self.client.configuration(items).await {
            Ok(mut values) if !values.is_empty() => Some(values.swap_remove(0)),
            _ => None,
        }
    }

    /// Debounced diagnostics for the document's current version. A result
    /// computed for an older version is never published.
    fn schedule_diagnostics(&self, uri: Uri) {
        if self.state().pull_diagnostics {
            return;
        }
        let backend = self.clone_handle();
        spawn_logged(self.client.clone(), "diagnostics", async move {
            let (version, delay) = {
                let st = backend.state();
                let Some(open) = st.docs.get(&uri) else {
                    return;
                };
                (open.doc.version, st.settings.delay_ms)
            };
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            if backend.state().docs.get(&uri).map(|o| o.doc.version) != Some(version) {
                return; // superseded by a newer edit, which scheduled its own
            }
            // The analysis (unless a request made it already), the rules,
            // the diagnostics and the frame in one hand-off to the pool.
            let frame = match backend.pending(&uri).await {
                Some(pending) => {
                    let rules = backend.rules_for(&uri);
                    let state = backend.state.clone();
                    let checked = run_blocking(move || {
                        rules.check(pending.snapshot_here(&state), Some(version))
                    });
                    match checked.await {
                        Ok(checked) => checked.frame.unwrap_or_else(|| {
                            output::diagnostics_frame(&uri, &checked.diagnostics, Some(version))
                        }),
                        Err(e) => {
                            backend
                                .log(
                                    MessageType::ERROR,
                                    format!("copydesk: checking failed: {}", e.message),
                                )
                                .await;
                            return;
                        }
                    }
                }
                None => output::diagnostics_frame(&uri, &[], Some(version)),
            };
            let current = backend.state().docs.get(&uri).map(|o| o.doc.version);
            if current == Some(version) {
                backend.outbox.send(frame).await;
            }
        });
    }

    /// The findings and their diagnostics for a snapshot, computed on the
    /// blocking pool: on a long draft with a large lexicon the rules take far
    /// longer than any protocol message should wait. With `publish`, also
    /// the `publishDiagnostics` frame for that version.
    async fn diagnostics_for(&self, snap: Snapshot, publish: Option<i32>) -> Result<Checked> {
        let rules = self.rules_for(&snap.uri);
        run_blocking(move || rules.check(snap, publish)).await
    }

    /// What checking a document needs besides its snapshot.
    fn rules_for(&self, uri: &Uri) -> Rules {
        let st = self.state();
        let open = st.docs.get(uri);
        Rules {
            config: st.rule_config.clone(),
            checker: open.map(|o| o.rules.clone()),
            converter: open.map(|o| o.converter.clone()),
            source_texts: st.source_texts.clone(),
        }
    }

    fn clone_handle(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            outbox: self.outbox.clone(),
            state: self.state.clone(),
            loaded: self.loaded.clone(),
            reloads: self.reloads.clone(),
        }
    }

    fn entity_location(&self, snap: &Snapshot, entity: EntityId) -> Vec<Location> {
        let ie = snap.index.entity(entity);
        let mut out = Vec::new();
        let lex_path = &snap.index.lexicons[ie.lexicon].path;
        if let Some(uri) = Uri::from_file_path(lex_path) {
            let p = Position::new(ie.entry_line, 0);
            out.push(Location::new(uri, Range::new(p, p)));
        }
        for ev in &ie.entity.evidence {
            if let Some(loc) = source_location(snap, ie.lexicon, &ev.source, ev.start..ev.end) {
                out.push(loc);
            }
        }
        out
    }
}

/// Where a span of a source article is, if the article is readable and
/// inside the workspace (or beside its lexicon).
fn source_location(
    snap: &Snapshot,
    lexicon: usize,
    source_id: &str,
    span: std::ops::Range<usize>,
) -> Option<Location> {
    let source = snap.index.source(lexicon, source_id)?;
    let lex_path = &snap.index.lexicons[lexicon].path;
    if !workspace::may_read_source(&source.path, lex_path, snap.root.as_deref()) {
        return None;
    }
    let text = std::fs::read_to_string(&source.path).ok()?;
    if span.end > text.len()
        || !text.is_char_boundary(span.start)
        || !text.is_char_boundary(span.end)
    {
        return None;
    }
    let rope = Rope::from_str(&text);
    Some(Location::new(
        Uri::from_file_path(&source.path)?,
        to_range(&rope, span, snap.enc),
    ))
}

/// The quotation under `at` and the claim it reproduces (the outer
/// quotation's claim when the cursor is in a nested one).
fn quoted_claim_at(snap: &Snapshot, at: usize) -> Option<(usize, crate::analysis::ClaimId)> {
    let a = &snap.analysis;
    a.quotations
        .iter()
        .enumerate()
        .filter(|(_, q)| q.range.start <= at && at <= q.range.end)
        .find_map(|(i, _)| a.quote_claims[i].map(|m| (i, m.claim)))
}

/// The byte span of a claim's whole sentence in its source article: the
/// occurrence of `sentence` that contains the claim.
fn claim_sentence_span(
    snap: &Snapshot,
    claim: crate::analysis::ClaimId,
) -> Option<std::ops::Range<usize>> {
    let ic = snap.index.claim(claim);
    let source = snap.index.source(ic.lexicon, &ic.claim.source)?;
    if !workspace::may_read_source(
        &source.path,
        &snap.index.lexicons[ic.lexicon].path,
        snap.root.as_deref(),
    ) {
        return None;
    }
    let text = std::fs::read_to_string(&source.path).ok()?;
    let sentence = ic.claim.sentence.as_str();
    if sentence.is_empty() {
        return None;
    }
    text.match_indices(sentence)
        .map(|(i, _)| i..i + sentence.len())
        .find(|r| r.start <= ic.claim.start && ic.claim.end <= r.end)
}

/// Frees a closed document on the blocking pool: a long draft's analysis
/// and caches take milliseconds to free (3-8 ms for the 50,000-word draft
/// under load), which the next message (often the next file's `didOpen`)
/// would otherwise wait for.
fn free_later(doc: Option<OpenDoc>) {
    if let Some(doc) = doc {
        tokio::task::spawn_blocking(move || drop(doc));
    }
}

/// Runs CPU work on the blocking pool; a panic becomes a JSON-RPC error for
/// this request and the server serves on.
async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    match tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(f))).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown cause".into());
            Err(internal(format!("copydesk analysis failed: {what}")))
        }
        Err(e) => Err(internal(format!("copydesk analysis task failed: {e}"))),
    }
}

enum StatusNotification {}

impl notification::Notification for StatusNotification {
    type Params = Value;
    const METHOD: &'static str = "copydesk/status";
}

fn root_of(params: &InitializeParams) -> Option<PathBuf> {
    #[allow(deprecated)]
    let from_folders = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| f.uri.to_file_path().map(|p| p.into_owned()));
    #[allow(deprecated)]
    let from_root_uri = || {
        params
            .root_uri
            .as_ref()
            .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
    };
    from_folders.or_else(from_root_uri)
}

fn symbol_kind(kind: EntityKind) -> SymbolKind {
    match kind {
        EntityKind::Person => SymbolKind::VARIABLE,
        EntityKind::Organization => SymbolKind::NAMESPACE,
        EntityKind::Place => SymbolKind::OBJECT,
        EntityKind::Weapon => SymbolKind::CONSTANT,
        EntityKind::Event => SymbolKind::EVENT,
        EntityKind::Other => SymbolKind::STRING,
    }
}

fn offset_of(snap: &Snapshot, pos: Position) -> usize {
    to_byte(&snap.rope, pos, snap.enc)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let enc = Encoding::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        {
            let mut st = self.state();
            st.encoding = enc;
            st.root = root_of(&params);
            st.init_options = params.initialization_options.clone().unwrap_or(Value::Null);
            let ws = params.capabilities.workspace.as_ref();
            st.supports_configuration = ws.and_then(|w| w.configuration).unwrap_or(false);
            st.supports_watch_registration = ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
            st.pull_diagnostics = params
                .capabilities
                .text_document
                .as_ref()
                .is_some_and(|t| t.diagnostic.is_some());
            st.supports_diagnostic_refresh = ws
                .and_then(|w| w.diagnostics.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false);
            st.supports_tokens_refresh = ws
                .and_then(|w| w.semantic_tokens.as_ref())
                .and_then(|t| t.refresh_support)
                .unwrap_or(false);
            let td = params.capabilities.text_document.as_ref();
            st.hover_markdown = td
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_ref())
                .is_none_or(|f| f.contains(&MarkupKind::Markdown));
            st.completion_markdown = td
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.documentation_format.as_ref())
                .is_some_and(|f| f.contains(&MarkupKind::Markdown));
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(enc.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: None,
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: None,
                    ..Default::default()
                }),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                diagnostic_provider: Some(DiagnosticServerCapabilities::Options(
                    DiagnosticOptions {
                        identifier: Some(diagnostics::SOURCE.to_string()),
                        inter_file_dependencies: false,
                        workspace_diagnostics: false,
                        work_done_progress_options: Default::default(),
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![BUILD_LEXICON.to_string()],
                    work_done_progress_options: Default::default(),
                }),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: tokens::legend(),
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: Some(true),
                            ..Default::default()
                        },
                    ),
                ),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "copydesk".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Client requests (configuration, registration) are awaited in a
        // task of their own: awaiting them here could deadlock the
        // server's bounded handler pool.
        let backend = self.clone_handle();
        spawn_logged(self.client.clone(), "loading lexicons", async move {
            if backend.state().supports_watch_registration {
                let watchers = ["**/*.lexicon.json", "**/copydesk.toml"]
                    .into_iter()
                    .map(|g| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(g.into()),
                        kind: None,
                    })
                    .collect();
                let registration = Registration {
                    id: "copydesk-lexicon-watch".into(),
                    method: "workspace/didChangeWatchedFiles".into(),
                    register_options: serde_json::to_value(
                        DidChangeWatchedFilesRegistrationOptions { watchers },
                    )
                    .ok(),
                };
                if let Err(e) = backend.client.register_capability(vec![registration]).await {
                    backend
                        .log(
                            MessageType::WARNING,
                            format!("copydesk: could not watch lexicon files: {}", e.message),
                        )
                        .await;
                }
            }
            backend.reload().await;
        });
    }

    async fn shutdown(&self) -> Result<()> {
        self.state().shutting_down = true;
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let d = params.text_document;
        let kind = DocKind::from_language_id(&d.language_id);
        {
            let mut st = self.state();
            // The client sent this version's text whole: kept as the
            // version's text rather than copied back out of the rope, unless
            // the document is too large to be analysed at all.
            let analysed = d.text.len() <= st.settings.max_file_bytes;
            let reopened = st.docs.insert(
                d.uri.clone(),
                OpenDoc {
                    doc: Document::new(&d.text, d.version, kind),
                    analysis: None,
                    text: analysed.then(|| SharedText::new(d.text)),
                    incremental: Arc::default(),
                    rules: Arc::default(),
                    converter: Arc::default(),
                    told_too_large: false,
                },
            );
            free_later(reopened);
        }
        self.schedule_diagnostics(d.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        // Applied in full before any await: concurrent handlers must not
        // interleave edits.
        let problem = {
            let mut st = self.state();
            let enc = st.encoding;
            match st.docs.get_mut(&uri) {
                None => Some(format!(
                    "copydesk: ignored an edit to {}, which is not open",
                    uri.as_str()
                )),
                Some(open) if version <= open.doc.version => Some(format!(
                    "copydesk: ignored an edit to {} at version {version}, not newer than {}",
                    uri.as_str(),
                    open.doc.version
                )),
                Some(open) => {
                    let mut problem = None;
                    for change in &params.content_changes {
                        if let Err(e) = open.doc.apply(change, enc) {
                            problem = Some(format!(
                                "copydesk: refused an edit to {}: {e}",
                                uri.as_str()
                            ));
                        }
                    }
                    open.doc.version = version;
                    open.analysis = None;
                    open.text = None;
                    problem
                }
            }
        };
        if let Some(p) = problem {
            self.log(MessageType::WARNING, p).await;
        }
        self.schedule_diagnostics(uri);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let closed = self.state().docs.remove(&uri);
        free_later(closed);
        self.outbox.publish_diagnostics(&uri, &[], None).await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        // Clients either push the settings or ask us to pull them.
        if let Some(section) = params.settings.get("copydesk") {
            self.state().client_settings = section.clone();
        }
        let backend = self.clone_handle();
        spawn_logged(self.client.clone(), "reloading lexicons", async move {
            backend.reload().await
        });
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let relevant = params.changes.iter().any(|c| {
            let p = c.uri.path().to_string();
            p.ends_with(".lexicon.json")
                || p.ends_with(workspace::CONFIG_FILE)
                || self.state().index.lexicons.iter().any(|l| {
                    c.uri
                        .to_file_path()
                        .is_some_and(|f| f.as_ref() == l.path.as_path())
                })
        });
        if relevant {
            let backend = self.clone_handle();
            spawn_logged(self.client.clone(), "reloading lexicons", async move {
                backend.reload().await
            });
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let tdp = params.text_document_position_params;
        let Some(snap) = self.snapshot(&tdp.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, tdp.position);
        // A name inside a quotation is about the name; elsewhere in the
        // quotation, the card is about the quotation.
        let (card, range) = if let Some(m) = snap.analysis.mention_at(at) {
            (cards::entity_card(&snap.index, m.entity), m.range.clone())
        } else if let Some((q, claim)) = quoted_claim_at(&snap, at) {
            (
                cards::claim_card(&snap.index, claim),
                snap.analysis.quotations[q].range.clone(),
            )
        } else {
            return Ok(None);
        };
        let markdown = self.state().hover_markdown;
        let (kind, card) = if markdown {
            (MarkupKind::Markdown, card)
        } else {
            (MarkupKind::PlainText, cards::to_plain(&card))
        };
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent { kind, value: card }),
            range: Some(to_range(&snap.rope, range, snap.enc)),
        }))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let tdp = params.text_document_position_params;
        let Some(snap) = self.snapshot(&tdp.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, tdp.position);
        let Some(m) = snap.analysis.mention_at(at) else {
            // From a quotation to the claim's sentence in the source article.
            let Some((_, claim)) = quoted_claim_at(&snap, at) else {
                return Ok(None);
            };
            let ic = snap.index.claim(claim);
            let span = claim_sentence_span(&snap, claim).unwrap_or(ic.claim.start..ic.claim.end);
            return Ok(source_location(&snap, ic.lexicon, &ic.claim.source, span)
                .map(|l| GotoDefinitionResponse::Array(vec![l])));
        };
        let first = snap
            .analysis
            .first_mention(m.entity)
            .map(|f| f.range.clone());
        let locations = match first {
            Some(first) if first != m.range => vec![Location::new(
                snap.uri.clone(),
                to_range(&snap.rope, first, snap.enc),
            )],
            _ => self.entity_location(&snap, m.entity),
        };
        Ok((!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations)))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let tdp = params.text_document_position;
        let Some(snap) = self.snapshot(&tdp.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, tdp.position);
        let Some(m) = snap.analysis.mention_at(at) else {
            return Ok(None);
        };
        let entity = m.entity;
        let mut out: Vec<Location> = snap
            .analysis
            .mention_ranges(entity)
            .into_iter()
            .map(|r| Location::new(snap.uri.clone(), to_range(&snap.rope, r, snap.enc)))
            .collect();
        // Other open drafts, as the editor holds them.
        let others: Vec<Uri> = self
            .state()
            .docs
            .keys()
            .filter(|u| **u != snap.uri)
            .cloned()
            .collect();
        for uri in &others {
            if let Some(other) = self.snapshot(uri).await? {
                out.extend(
                    other
                        .analysis
                        .mention_ranges(entity)
                        .into_iter()
                        .map(|r| Location::new(uri.clone(), to_range(&other.rope, r, other.enc))),
                );
            }
        }
        // Drafts on disk that are not open. Cancellation drops this future;
        // the guard then stops the scan between files.
        if let Some(root) = snap.root.clone() {
            let skip: Vec<PathBuf> = std::iter::once(&snap.uri)
                .chain(others.iter())
                .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
                .collect();
            let cancelled = Arc::new(AtomicBool::new(false));
            let _guard = CancelOnDrop(cancelled.clone());
            let (index, enc) = (snap.index.clone(), snap.enc);
            let client = self.client.clone();
            let found = run_blocking(move || {
                let scan = scan_workspace(&root, &skip, &index, entity, enc, &cancelled);
                if scan.stopped {
                    // Nobody awaits this result any more; the log says the
                    // scan did stop.
                    let message = format!(
                        "copydesk: workspace references cancelled; the scan stopped after {} files",
                        scan.files_read
                    );
                    if let Ok(rt) = tokio::runtime::Handle::try_current() {
                        rt.spawn(
                            async move { client.log_message(MessageType::INFO, message).await },
                        );
                    }
                }
                scan.locations
            })
            .await?;
            out.extend(found);
        }
        Ok(Some(out))
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let tdp = params.text_document_position_params;
        let Some(snap) = self.snapshot(&tdp.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, tdp.position);
        let Some(m) = snap.analysis.mention_at(at) else {
            return Ok(None);
        };
        Ok(Some(
            snap.analysis
                .mention_ranges(m.entity)
                .into_iter()
                .map(|r| DocumentHighlight {
                    range: to_range(&snap.rope, r, snap.enc),
                    kind: Some(DocumentHighlightKind::TEXT),
                })
                .collect(),
        ))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let tdp = params.text_document_position;
        let Some(snap) = self.snapshot(&tdp.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, tdp.position);
        let Some((start, ids)) = complete_at(&snap.text, at, &snap.index) else {
            return Ok(None);
        };
        let range = to_range(&snap.rope, start..at, snap.enc);
        let markdown = self.state().completion_markdown;
        let typed = &snap.text[start..at];
        let items = ids
            .into_iter()
            .map(|id| {
                let e = &snap.index.entity(id).entity;
                CompletionItem {
                    label: e.name.clone(),
                    kind: Some(CompletionItemKind::REFERENCE),
                    detail: Some(if e.title.is_empty() {
                        e.kind.as_str().to_string()
                    } else {
                        e.title.clone()
                    }),
                    documentation: Some(if markdown {
                        Documentation::MarkupContent(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: cards::entity_card(&snap.index, id),
                        })
                    } else {
                        Documentation::String(cards::to_plain(&cards::entity_card(&snap.index, id)))
                    }),
                    // Clients filter on this against what was typed; a match on a
                    // surname ("Stolt") must not be filtered out.
                    filter_text: Some(format!("{typed} {}", e.name)),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                        range,
                        e.name.clone(),
                    ))),
                    ..Default::default()
                }
            })
            .collect();
        Ok(Some(CompletionResponse::List(CompletionList {
            is_incomplete: true,
            items,
        })))
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(snap) = self.snapshot(&params.text_document.uri).await? else {
            return Ok(None);
        };
        let symbols = snap
            .analysis
            .entities()
            .into_iter()
            .filter_map(|id| {
                let e = &snap.index.entity(id).entity;
                let ranges = snap.analysis.mention_ranges(id);
                let first = to_range(&snap.rope, ranges.first()?.clone(), snap.enc);
                let last = to_range(&snap.rope, ranges.last()?.clone(), snap.enc);
                let children = ranges
                    .iter()
                    .map(|r| {
                        let range = to_range(&snap.rope, r.clone(), snap.enc);
                        #[allow(deprecated)]
                        DocumentSymbol {
                            name: snap.text[r.clone()].to_string(),
                            detail: Some(format!("line {}", range.start.line + 1)),
                            kind: symbol_kind(e.kind),
                            tags: None,
                            deprecated: None,
                            range,
                            selection_range: range,
                            children: None,
                        }
                    })
                    .collect();
                #[allow(deprecated)]
                Some(DocumentSymbol {
                    name: e.name.clone(),
                    detail: Some(format!(
                        "{} · {} mention{}",
                        e.kind.as_str(),
                        ranges.len(),
                        if ranges.len() == 1 { "" } else { "s" }
                    )),
                    kind: symbol_kind(e.kind),
                    tags: None,
                    deprecated: None,
                    range: Range::new(first.start, last.end),
                    selection_range: first,
                    children: Some(children),
                })
            })
            .collect();
        Ok(Some(DocumentSymbolResponse::Nested(symbols)))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let index = self.state().index.clone();
        let symbols = index
            .search(&params.query, WORKSPACE_SYMBOL_LIMIT)
            .into_iter()
            .filter_map(|id| {
                let ie = index.entity(id);
                let uri = Uri::from_file_path(&index.lexicons[ie.lexicon].path)?;
                let p = Position::new(ie.entry_line, 0);
                #[allow(deprecated)]
                Some(SymbolInformation {
                    name: ie.entity.name.clone(),
                    kind: symbol_kind(ie.entity.kind),
                    tags: None,
                    deprecated: None,
                    location: Location::new(uri, Range::new(p, p)),
                    container_name: Some(if ie.entity.title.is_empty() {
                        ie.entity.kind.as_str().to_string()
                    } else {
                        ie.entity.title.clone()
                    }),
                })
            })
            .collect();
        Ok(Some(WorkspaceSymbolResponse::Flat(symbols)))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some(snap) = self.snapshot(&params.text_document.uri).await? else {
            return Ok(None);
        };
        let data = tokens::tokens(
            &snap.text,
            &snap.rope,
            &snap.analysis,
            &snap.index,
            0..snap.text.len(),
            snap.enc,
        );
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data,
        })))
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let Some(snap) = self.snapshot(&params.text_document.uri).await? else {
            return Ok(None);
        };
        let window = super::position::to_bytes(&snap.rope, params.range, snap.enc);
        let data = tokens::tokens(
            &snap.text,
            &snap.rope,
            &snap.analysis,
            &snap.index,
            window,
            snap.enc,
        );
        Ok(Some(SemanticTokensRangeResult::Tokens(SemanticTokens {
            result_id: None,
            data,
        })))
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let items = match self.snapshot(&params.text_document.uri).await? {
            Some(snap) => Arc::unwrap_or_clone(self.diagnostics_for(snap, None).await?.diagnostics),
            None => Vec::new(),
        };
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(snap) = self.snapshot(&params.text_document.uri).await? else {
            return Ok(None);
        };
        let range = super::position::to_bytes(&snap.rope, params.range, snap.enc);
        let Checked {
            snap,
            findings,
            diagnostics: diags,
            ..
        } = self.diagnostics_for(snap, None).await?;
        let actions = diagnostics::code_actions(
            &diagnostics::Target {
                uri: &snap.uri,
                text: &snap.text,
                kind: snap.kind,
                rope: &snap.rope,
                enc: snap.enc,
            },
            &findings,
            &diags,
            range,
        );
        Ok(Some(
            actions
                .into_iter()
                .map(CodeActionOrCommand::CodeAction)
                .collect(),
        ))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        if params.command != BUILD_LEXICON {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                params.command
            )));
        }
        let uri: Uri = params
            .arguments
            .first()
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                Error::invalid_params("copydesk.buildLexicon takes the document's URI")
            })?;
        let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
            return Err(Error::invalid_params(
                "copydesk.buildLexicon needs a document saved as a file",
            ));
        };
        let root = self.state().root.clone();
        let out = match params.arguments.get(1).and_then(Value::as_str) {
            Some(p) if Path::new(p).is_absolute() => PathBuf::from(p),
            Some(p) => root.clone().unwrap_or_default().join(p),
            None => path.with_file_name(format!(
                "{}.lexicon.json",
                path.file_stem()
                    .map_or_else(|| "article".into(), |s| s.to_string_lossy().into_owned())
            )),
        };
        // The editor's text, saved or not; else the file.
        let open = {
            let st = self.state();
            st.docs
                .get(&uri)
                .map(|o| (o.doc.rope.to_string(), o.doc.kind))
        };
        let (text, kind) = match open {
            Some(t) => t,
            None => match std::fs::read_to_string(&path) {
                Ok(t) => (t, DocKind::from_path(&path)),
                Err(e) => {
                    return Err(Error::invalid_params(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )))
                }
            },
        };
        let token = match params.work_done_progress_params.work_done_token {
            Some(t) => Some(t),
            None => {
                let t = ProgressToken::String(format!(
                    "copydesk-build-{}",
                    self.client.next_request_id()
                ));
                self.client
                    .create_work_done_progress(t.clone())
                    .await
                    .ok()
                    .map(|_| t)
            }
        };
        let progress = match token {
            Some(t) => Some(
                self.client
                    .progress(t, "copydesk: building lexicon")
                    .with_message(path.display().to_string())
                    .begin()
                    .await,
            ),
            None => None,
        };
        let out_for_build = out.clone();
        let result = run_blocking(move || {
            let out_dir = out_for_build
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let rel = crate::builder::relative_path(&path, &out_dir);
            let article = crate::builder::Article::new(&rel, text, kind);
            crate::cli::build::update_lexicon_file(&out_for_build, &[article], None)
        })
        .await?;
        match result {
            Ok(outcome) => {
                let summary = format!(
                    "{}: {} entities and {} claims found; the lexicon holds {} entities and {} claims",
                    out.display(),
                    outcome.found_entities,
                    outcome.found_claims,
                    outcome.lexicon.entities.len(),
                    outcome.lexicon.claims.len()
                );
                if let Some(p) = progress {
                    p.finish_with_message(summary.clone()).await;
                }
                self.client
                    .show_message(MessageType::INFO, format!("copydesk: built {summary}"))
                    .await;
                let backend = self.clone_handle();
                spawn_logged(self.client.clone(), "reloading lexicons", async move {
                    backend.reload().await
                });
                Ok(Some(json!({
                    "path": out.display().to_string(),
                    "entities": outcome.lexicon.entities.len(),
                    "claims": outcome.lexicon.claims.len(),
                })))
            }
            Err(message) => {
                if let Some(p) = progress {
                    p.finish_with_message("failed").await;
                }
                self.client
                    .show_message(
                        MessageType::ERROR,
                        format!("copydesk: lexicon not built: {message}"),
                    )
                    .await;
                Err(internal(message))
            }
        }
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some(snap) = self.snapshot(&params.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, params.position);
        let Some(m) = snap.analysis.mention_at(at) else {
            return Err(Error::invalid_params("copydesk renames names of people, organisations, places and things it knows; there is none here"));
        };
        Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
            range: to_range(&snap.rope, m.range.clone(), snap.enc),
            placeholder: snap.text[m.range.clone()].to_string(),
        }))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let tdp = params.text_document_position;
        let Some(snap) = self.snapshot(&tdp.text_document.uri).await? else {
            return Ok(None);
        };
        let at = offset_of(&snap, tdp.position);
        let Some(m) = snap.analysis.mention_at(at) else {
            return Err(Error::invalid_params(
                "copydesk renames names it knows; there is none here",
            ));
        };
        let new_name = params.new_name.trim();
        if new_name.is_empty() {
            return Err(Error::invalid_params("the new name is empty"));
        }
        let old = snap.text[m.range.clone()].to_string();
        let edits = rename_edits(&snap.text, &snap.analysis, m.entity, &old, new_name)
            .into_iter()
            .map(|(r, t)| TextEdit::new(to_range(&snap.rope, r, snap.enc), t))
            .collect();
        Ok(Some(WorkspaceEdit {
            changes: Some(HashMap::from([(snap.uri.clone(), edits)])),
            ..Default::default()
        }))
    }
}

/// A read-only view of the server's documents, for tests and diagnostics
/// of the server itself: what the server believes the editor holds.
#[derive(Clone)]
pub struct Probe(Arc<Mutex<State>>);

impl Probe {
    /// Makes the server panic once at `fault`.
    pub fn inject_fault(&self, fault: Fault) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).fault = Some(fault);
    }

    /// The document's version and text, if it is open.
    pub fn document(&self, uri: &str) -> Option<(i32, String)> {
        let st = self.0.lock().unwrap_or_else(|p| p.into_inner());
        st.docs
            .iter()
            .find(|(u, _)| u.as_str() == uri)
            .map(|(_, o)| (o.doc.version, o.doc.rope.to_string()))
    }
}

impl Backend {
    pub fn probe(&self) -> Probe {
        Probe(self.state.clone())
    }
}

struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

struct Scan {
    locations: Vec<Location>,
    files_read: usize,
    /// Cancelled before the last file.
    stopped: bool,
}

/// Mentions of `entity` in the drafts under `root` that are not open.
fn scan_workspace(
    root: &Path,
    skip: &[PathBuf],
    index: &LexiconIndex,
    entity: EntityId,
    enc: Encoding,
    cancelled: &AtomicBool,
) -> Scan {
    let mut out = Vec::new();
    let mut files_read = 0;
    let files = walkdir::WalkDir::new(root)
        .max_depth(8)
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && [".git", "node_modules", "target", ".venv"]
                    .contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .filter_map(std::result::Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            matches!(
                e.path().extension().and_then(|x| x.to_str()),
                Some("md" | "markdown" | "txt")
            )
        })
        .take(REFERENCE_SCAN_MAX_FILES);
    for entry in files {
        if cancelled.load(Ordering::Relaxed) {
            return Scan {
                locations: out,
                files_read,
                stopped: true,
            };
        }
        let path = entry.path();
        if skip.iter().any(|s| s == path)
            || entry
                .metadata()
                .map_or(true, |m| m.len() > REFERENCE_SCAN_MAX_BYTES)
        {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        files_read += 1;
        let analysis = analysis::analyze(&text, DocKind::from_path(path), index);
        let ranges = analysis.mention_ranges(entity);
        if ranges.is_empty() {
            continue;
        }
        let Some(uri) = Uri::from_file_path(path) else {
            continue;
        };
        let rope = Rope::from_str(&text);
        out.extend(
            ranges
                .into_iter()
                .map(|r| Location::new(uri.clone(), to_range(&rope, r, enc))),
        );
    }
    Scan {
        locations: out,
        files_read,
        stopped: false,
    }
}

/// The completion prefix before `at` and the entities it completes to. Tries
/// the last word, then the last two, three and four words, so that both
/// "Stolt" and "Jens Stolt" complete to "Jens Stoltenberg".
fn complete_at(text: &str, at: usize, index: &LexiconIndex) -> Option<(usize, Vec<EntityId>)> {
    let before = &text[..at];
    let word_start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’'))
        .map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
    if word_start == at {
        return None;
    }
    let mut best: Option<(usize, Vec<EntityId>)> = None;
    let mut start = word_start;
    for _ in 0..4 {
        let ids = index.complete(&text[start..at], COMPLETION_LIMIT);
        if !ids.is_empty() {
            best = Some((start, ids));
        }
        // Extend the prefix to the previous word, over one run of spaces.
        let head = text[..start].trim_end_matches([' ', '\t']);
        if head.len() == start
            || head.is_empty()
            || !head.ends_with(|c: char| c.is_alphanumeric() || c == '.')
        {
            break;
        }
        let prev = head
            .rfind(|c: char| {
                !(c.is_alphanumeric() || c == '-' || c == '.' || c == '\'' || c == '’')
            })
            .map_or(0, |i| {
                i + head[i..].chars().next().map_or(1, char::len_utf8)
            });
        start = prev;
    }
    best
}

/// Rewrites the renamed form inside every mention of the entity: renaming
/// "Erdogan" to "Erdoğan" also turns "Mr. Erdogan" into "Mr. Erdoğan" and
/// "Recep Tayyip Erdogan" into "Recep Tayyip Erdoğan"; mentions that do not
/// contain the old form (a surname when the full name is renamed) are
/// rewritten whole only when they are that same form.
fn rename_edits(
    text: &str,
    analysis: &DocAnalysis,
    entity: EntityId,
    old: &str,
    new: &str,
) -> Vec<(std::ops::Range<usize>, String)> {
    let old_folded = crate::text::fold::fold(old);
    let mut edits = Vec::new();
    for m in analysis.mentions_of(entity) {
        let written = &text[m.range.clone()];
        let folded = crate::text::fold::fold_with_map(written);
        if let Some(at) = find_word(&folded.text, &old_folded) {
            let r = folded.original_range(at, at + old_folded.len());
            edits.push((
                m.range.start + r.start..m.range.start + r.end,
                new.to_string(),
            ));
        }
    }
    edits
}

fn find_word(hay: &str, needle: &str) -> Option<usize> {
    hay.match_indices(needle).map(|(i, _)| i).find(|&i| {
        let before = hay[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = hay[i + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        before && after
    })
}

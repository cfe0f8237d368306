//! `copydesk check`: the rules over files on disk, for a terminal, a script
//! (`--format json`: the LSP diagnostics the server publishes, built by the
//! same function) or a code-scanning dashboard (`--format sarif`).
//!
//! Settings and lexicons are found as the server finds them, with the
//! directory of the nearest `copydesk.toml` above each checked file (or the
//! current directory) as the workspace root: `--lexicon` wins over the
//! file's `lexicons`, which win over every `*.lexicon.json` under the root.
//!
//! Exit status: 1 when a finding is at or above `--fail-on`, 0 otherwise, 2
//! for bad usage or input that cannot be read (what could be read is still
//! checked and reported).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde_json::{json, Value};

use crate::analysis::{Incremental, LexiconIndex};
use crate::config::Settings;
use crate::lsp::diagnostics::{to_diagnostics, SourceCache, SourceTexts};
use crate::lsp::position::Encoding;
use crate::rules::suppress::Suppressions;
use crate::rules::{check, DocKind, Finding, Rule, RuleConfig, Severity};
use crate::workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// file:line:column, severity, message and code, then the line underlined.
    Human,
    /// An array of {"path", "diagnostics"}: each diagnostic the LSP
    /// Diagnostic the server publishes (0-based lines, UTF-16 columns).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Information,
    Hint,
    Never,
}

/// Arguments of `copydesk check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A lexicon to check against (repeat for several). Without any: the
    /// `lexicons` of copydesk.toml, else every *.lexicon.json under its
    /// directory (or the current one).
    #[arg(long = "lexicon", value_name = "FILE")]
    pub lexicons: Vec<PathBuf>,
    /// Settings to use instead of the nearest copydesk.toml; its directory is
    /// the workspace root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with status 1 when a finding is at least this severe.
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Files or directories (.md, .markdown and .txt files below them).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

const EXTENSIONS: &[&str] = &["md", "markdown", "txt"];
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target", ".hg", ".svn", ".venv"];

/// A workspace as the CLI sees it: settings, rule severities and lexicons.
struct Workspace {
    settings: Settings,
    rules: RuleConfig,
    index: LexiconIndex,
}

pub fn run(args: CheckArgs) -> ExitCode {
    work_on_this_thread();
    let mut problems = 0usize;
    let mut complain = |message: String| {
        eprintln!("copydesk: {message}");
        problems += 1;
    };
    let files = collect_files(&args.paths, &mut complain);
    let mut workspaces: BTreeMap<PathBuf, Option<Workspace>> = BTreeMap::new();
    let mut reports = Vec::new();
    let mut roots = Vec::new();
    let mut configs = Vec::new();
    let mut last_analysis = None;
    for path in files {
        let root = match &args.config {
            Some(config) => parent_dir(config),
            None => config_root(&path),
        };
        let ws = workspaces
            .entry(root.clone())
            .or_insert_with(|| load_workspace(&root, &args, &mut complain));
        let Some(ws) = ws.as_ref() else {
            continue;
        };
        let text = match read_text(&path, ws.settings.max_file_bytes) {
            Ok(text) => text,
            Err(message) => {
                complain(format!("{}: {message}", path.display()));
                continue;
            }
        };
        let kind = DocKind::from_path(&path);
        let mut once = Incremental::once();
        // Shared with the analysis rather than copied: an analysis made
        // once keeps no share of it, so the text comes back whole.
        let shared = Arc::new(text);
        let analysis = once.analyze_shared(&shared, kind, &ws.index, 0);
        let text = Arc::try_unwrap(shared).unwrap_or_else(|shared| shared.as_str().to_owned());
        let findings = check(&text, &analysis, &ws.index, &ws.rules);
        // Replacing the previous file's analysis frees it; the last one's is
        // left to the system at exit (see the end of `run`).
        last_analysis = Some((once, analysis));
        // A misspelt code in a suppression comment silences nothing: say so.
        let unknown_codes = Suppressions::parse(&text, kind).unknown_codes;
        if !unknown_codes.is_empty() {
            let lines = Lines::new(&text);
            for unknown in unknown_codes {
                let (line, col) = lines.line_col(unknown.range.start, Unit::Chars);
                eprintln!(
                    "copydesk: {}:{line}:{col}: \"{}\" in a suppression comment is not a rule; the rules are {}",
                    path.display(),
                    unknown.code,
                    rule_list()
                );
            }
        }
        configs.push(ws.rules.clone());
        roots.push(root);
        reports.push(FileReport {
            path: path.display().to_string(),
            text,
            findings,
        });
    }
    let sources = read_sources(&reports, &workspaces);
    let config = configs.first().cloned().unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let written = match args.format {
        Format::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            out.write_all(human(&reports, &sources, Style { color }).as_bytes())
        }
        Format::Json => out.write_all(json_report(&reports, &roots, &workspaces).as_bytes()),
        Format::Sarif => {
            let log = sarif(&reports, &sources, &config);
            let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
            text.push('\n');
            out.write_all(text.as_bytes())
        }
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("copydesk: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    let failing = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| fails(f.severity, args.fail_on));
    // The process ends here: the system takes the lexicon index back at
    // once, where dropping it frees its entries one by one (tens of
    // milliseconds for a 100,000-entity lexicon). The same goes for the
    // last file's analysis (its blocks' lists) and the reports' findings.
    std::mem::forget((workspaces, last_analysis, reports, sources));
    if problems > 0 {
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Makes this thread one of the analysis pool's, before anything starts the
/// pool. `check` only waits while the pool works, so a pool beside it would
/// keep one thread idle; and on one core (`taskset`, a CI runner's quota)
/// the pool's single worker would be a second thread doing everything while
/// this one sleeps. glibc then gives that thread an arena of its own, which
/// it shrinks after each file and grows again (thousands of `mprotect`
/// calls: a fifth of a ten-draft check's system time went there). With this
/// thread in the pool, one core means no other thread at all.
fn work_on_this_thread() {
    // Fails only if the pool exists already (nothing in `check` starts it
    // before this) or a thread cannot be started; the default pool then
    // serves, as before.
    let _ = rayon::ThreadPoolBuilder::new()
        .use_current_thread()
        .build_global();
}

fn fails(severity: Severity, fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Information => Severity::Information,
        FailOn::Hint => Severity::Hint,
        FailOn::Never => return false,
    };
    severity != Severity::Off && severity <= threshold
}

/// The files to check, in the order given, directories walked in name order.
fn collect_files(paths: &[PathBuf], complain: &mut impl FnMut(String)) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        !(e.file_type().is_dir()
                            && e.depth() > 0
                            && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
                    })
                    .filter_map(|e| match e {
                        Ok(e) => Some(e),
                        Err(err) => {
                            complain(format!("cannot read {}", err));
                            None
                        }
                    })
                    .filter(|e| e.file_type().is_file())
                    .map(walkdir::DirEntry::into_path)
                    .filter(|p| {
                        p.extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
                    })
                    .collect();
                found.sort();
                files.extend(found);
            }
            // A file named on the command line is checked whatever its name.
            Ok(_) => files.push(path.clone()),
            Err(e) => complain(format!(
                "cannot read {}: {}",
                path.display(),
                io_message(&e)
            )),
        }
    }
    files
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The directory of the nearest copydesk.toml at or above the file's
/// directory, else the current directory.
fn config_root(file: &Path) -> PathBuf {
    let start = parent_dir(file);
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        let here = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        };
        if here.join(workspace::CONFIG_FILE).is_file() {
            return here.to_path_buf();
        }
        dir = d.parent();
    }
    // Above a relative path: the current directory's ancestors.
    if let Ok(cwd) = std::env::current_dir() {
        if start.is_relative() {
            for d in cwd.ancestors().skip(1) {
                if d.join(workspace::CONFIG_FILE).is_file() {
                    return d.to_path_buf();
                }
            }
        }
    }
    PathBuf::from(".")
}

fn load_workspace(
    root: &Path,
    args: &CheckArgs,
    complain: &mut impl FnMut(String),
) -> Option<Workspace> {
    let settings = match &args.config {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match Settings::from_toml(&text) {
                Ok((settings, warnings)) => {
                    for w in warnings {
                        eprintln!("copydesk: {}: {w}", path.display());
                    }
                    settings
                }
                Err(e) => {
                    complain(format!("{}: {e}", path.display()));
                    return None;
                }
            },
            Err(e) => {
                complain(format!(
                    "cannot read {}: {}",
                    path.display(),
                    io_message(&e)
                ));
                return None;
            }
        },
        None => match workspace::read_config(root) {
            Ok(Some((settings, warnings))) => {
                for w in warnings {
                    eprintln!(
                        "copydesk: {}: {w}",
                        root.join(workspace::CONFIG_FILE).display()
                    );
                }
                settings
            }
            Ok(None) => Settings::default(),
            Err(e) => {
                complain(e);
                return None;
            }
        },
    };
    let user: Option<Vec<String>> = (!args.lexicons.is_empty()).then(|| {
        args.lexicons
            .iter()
            .map(|p| p.display().to_string())
            .collect()
    });
    let (paths, refused) =
        workspace::lexicon_paths(Some(root), user.as_deref(), settings.lexicons.as_deref());
    let mut failed = false;
    for r in refused {
        complain(r.to_string());
        failed = true;
    }
    // Absolute, so that the source articles the index names are the same
    // paths for file URIs as for reading them; messages name each lexicon
    // as the user gave it.
    let mut given = Vec::new();
    let mut absolute = Vec::new();
    for (path, _) in paths {
        // --lexicon paths are the user's, relative to where they typed them.
        let path = if user.is_some() {
            strip_root(root, &path)
        } else {
            path
        };
        absolute.push(std::path::absolute(&path).unwrap_or_else(|_| path.clone()));
        given.push(path);
    }
    let loaded = workspace::load_index(&absolute, None, &workspace::CacheSettings::standard());
    for mut e in loaded.errors {
        if let Some(i) = absolute.iter().position(|a| *a == e.path) {
            e.path = given[i].clone();
        }
        complain(e.to_string());
        failed = true;
    }
    if failed {
        return None;
    }
    let (rules, unknown) =
        RuleConfig::with_overrides(settings.rules.iter().map(|(c, s)| (c.as_str(), *s)));
    for code in unknown {
        eprintln!(
            "copydesk: unknown rule \"{code}\" in the settings; the rules are {}",
            rule_list()
        );
    }
    Some(Workspace {
        settings,
        rules,
        index: loaded.index,
    })
}

/// `lexicon_paths` joins user paths to the root; the command line means them
/// relative to the current directory.
fn strip_root(root: &Path, joined: &Path) -> PathBuf {
    joined
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| joined.to_path_buf())
}

fn rule_list() -> String {
    Rule::ALL
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_text(path: &Path, max_bytes: usize) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {}", io_message(&e)))?;
    if meta.len() > max_bytes as u64 {
        return Err(format!(
            "{} bytes, more than the {max_bytes} copydesk checks (settings: limits.max_file_bytes)",
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {}", io_message(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// `--format json`: per file, the diagnostics exactly as the server
/// publishes them (`lsp::diagnostics::to_diagnostics`, UTF-16 positions).
fn json_report(
    reports: &[FileReport],
    roots: &[PathBuf],
    workspaces: &BTreeMap<PathBuf, Option<Workspace>>,
) -> String {
    let files: Vec<Value> = reports
        .iter()
        .zip(roots)
        .map(|(report, root)| {
            let diagnostics: Vec<Value> = match workspaces.get(root).and_then(Option::as_ref) {
                Some(ws) => {
                    let root = std::path::absolute(root).unwrap_or_else(|_| root.clone());
                    let mut cache = SourceCache::default();
                    let mut sources = SourceTexts::new(&ws.index, Some(root), &mut cache);
                    to_diagnostics(
                        &report.findings,
                        &report.text,
                        Encoding::Utf16,
                        &mut sources,
                    )
                    .into_iter()
                    .filter_map(|d| serde_json::to_value(d).ok())
                    .collect()
                }
                None => Vec::new(),
            };
            json!({"path": report.path, "diagnostics": diagnostics})
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&files).unwrap_or_default();
    text.push('\n');
    text
}

/// The source articles that related locations point into, read (where the
/// workspace may read them) so their places can be given as lines.
fn read_sources(
    reports: &[FileReport],
    workspaces: &BTreeMap<PathBuf, Option<Workspace>>,
) -> Vec<SourceText> {
    let mut paths: Vec<PathBuf> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .flat_map(|f| &f.related)
        .map(|r| r.path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let allowed = workspaces.iter().any(|(root, ws)| {
                ws.as_ref().is_some_and(|ws| {
                    ws.index
                        .lexicons
                        .iter()
                        .any(|l| workspace::may_read_source(&path, &l.path, Some(root)))
                })
            });
            let text = allowed
                .then(|| std::fs::read_to_string(&path).ok())
                .flatten();
            SourceText::new(path, text)
        })
        .collect()
}

/// Which of `sources` (as [`read_sources`] makes them: one per path) is
/// the one at `path`. The same bytes are the same path: that is tried
/// first, as comparing paths component by component is slow.
fn source_of(sources: &[SourceText], path: &Path) -> Option<usize> {
    (sources
        .iter()
        .position(|s| s.file.as_os_str() == path.as_os_str()))
    .or_else(|| sources.iter().position(|s| s.file == path))
}

/// One checked file, as the output formats need it.
pub struct FileReport {
    /// As the user named it (relative paths stay relative).
    pub path: String,
    pub text: String,
    pub findings: Vec<Finding>,
}

/// A source article a related location points into, read for its lines.
pub struct SourceText {
    /// As the finding's related location names it.
    pub file: PathBuf,
    /// As the output shows it: relative to the current directory when inside it.
    pub shown: String,
    pub text: Option<String>,
}

impl SourceText {
    pub fn new(file: PathBuf, text: Option<String>) -> SourceText {
        let cwd = std::env::current_dir().ok();
        let shown = cwd
            .as_deref()
            .and_then(|cwd| file.strip_prefix(cwd).ok())
            .unwrap_or(&file)
            .display()
            .to_string();
        SourceText { file, shown, text }
    }
}

/// Where each line of a text starts, so that every finding's line and
/// column cost a binary search and a count over its own line, not a scan
/// from the start of the file.
struct Lines<'a> {
    text: &'a str,
    /// 0 and every byte after a `\n` or `\r` (the `\n` of a `\r\n` too).
    starts: Vec<usize>,
    /// The 1-based line number of each start, counting breaks as LSP does.
    numbers: Vec<usize>,
}

/// What a column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Characters, for people.
    Chars,
    /// UTF-16 code units, for SARIF.
    Utf16,
}

impl Unit {
    /// How many units `text` holds. Counted over the bytes (std's character
    /// count reads a word at a time) rather than by decoding each character:
    /// a character takes two UTF-16 units exactly when it takes four bytes,
    /// and those start with a byte of 0xF0 or more.
    fn count(self, text: &str) -> usize {
        let chars = text.chars().count();
        match self {
            Unit::Chars => chars,
            Unit::Utf16 => chars + text.bytes().filter(|&b| b >= 0xF0).count(),
        }
    }
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut numbers = vec![1];
        // Breaks wholly before the current byte: `\n`, and `\r` not followed by `\n`.
        let mut breaks = 0;
        // Line breaks are few: found a vector at a time.
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            match bytes[i] {
                b'\n' => {
                    breaks += 1;
                    starts.push(i + 1);
                    numbers.push(1 + breaks);
                }
                b'\r' => {
                    // Up to and including a `\r`, the `\r` is a break even
                    // when a `\n` follows (the position between them is a
                    // line of its own); the pair counts once after the `\n`.
                    starts.push(i + 1);
                    numbers.push(2 + breaks);
                    if bytes.get(i + 1) != Some(&b'\n') {
                        breaks += 1;
                    }
                }
                _ => {}
            }
        }
        Lines {
            text,
            starts,
            numbers,
        }
    }

    /// The offset clamped to the text and to the character holding it,
    /// and the index of the start of its line.
    fn locate(&self, byte: usize) -> (usize, usize) {
        let text = self.text;
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        (byte, self.starts.partition_point(|&s| s <= byte) - 1)
    }

    /// 1-based line and column of a byte offset, the column in `unit`s.
    /// Offsets inside a character or past the end are clamped, never a panic.
    fn line_col(&self, byte: usize, unit: Unit) -> (usize, usize) {
        let (byte, k) = self.locate(byte);
        let column = 1 + unit.count(&self.text[self.starts[k]..byte]);
        (self.numbers[k], column)
    }

    /// The bytes of line `k` (an index into `starts`), without its break:
    /// every break byte starts a line, so the line ends one byte before
    /// the next start.
    fn line(&self, k: usize) -> Range<usize> {
        let end = self.starts.get(k + 1).map_or(self.text.len(), |s| s - 1);
        self.starts[k]..end
    }
}

pub fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information => "information",
        Severity::Hint => "hint",
        Severity::Off => "off",
    }
}

/// Styling for the human format: ANSI colours on a terminal, nothing
/// elsewhere (files, pipes, `NO_COLOR`).
#[derive(Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Starts a styled stretch of `out`; [`Style::end`] closes it.
    fn begin(self, out: &mut String, code: &str) {
        if self.color {
            out.push_str("\x1b[");
            out.push_str(code);
            out.push('m');
        }
    }

    fn end(self, out: &mut String) {
        if self.color {
            out.push_str("\x1b[0m");
        }
    }

    fn paint(self, out: &mut String, code: &str, text: &str) {
        self.begin(out, code);
        out.push_str(text);
        self.end(out);
    }

    fn severity(self, out: &mut String, severity: Severity) {
        let code = match severity {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Information => "1;34",
            Severity::Hint | Severity::Off => "1;36",
        };
        self.paint(out, code, severity_word(severity));
    }
}

/// Long lines (a Markdown paragraph is often one line) are shown as a window
/// around the finding.
const CONTEXT_CHARS: usize = 40;
const MAX_UNDERLINE_CHARS: usize = 80;
const SLACK_CHARS: usize = 10;

/// About how many bytes the human format writes per finding (the long
/// draft's average is ~350), so that the report is rarely copied to grow.
const HUMAN_BYTES_PER_FINDING: usize = 384;

fn push_number(out: &mut String, n: usize) {
    out.push_str(itoa::Buffer::new().format(n));
}

fn push_repeated(out: &mut String, c: char, n: usize) {
    out.extend(std::iter::repeat_n(c, n));
}

/// `path:line:column: severity: message [code]`, then the line with the
/// finding underlined, as compilers print them. Written straight into one
/// string: the long draft has hundreds of findings, and a `format!` per
/// piece cost more than finding the lines.
pub fn human(reports: &[FileReport], sources: &[SourceText], style: Style) -> String {
    let findings: usize = reports.iter().map(|r| r.findings.len()).sum();
    let mut out = String::with_capacity(64 + findings * HUMAN_BYTES_PER_FINDING);
    let mut counts = [0usize; 4];
    let source_lines: Vec<Option<Lines>> = sources
        .iter()
        .map(|s| s.text.as_deref().map(Lines::new))
        .collect();
    // The source the last note named: consecutive notes often name the
    // same article, and comparing paths component by component is slow.
    // The same bytes are the same path, so the memo never changes which
    // source `position` finds.
    let mut last_source: Option<(&Path, Option<usize>)> = None;
    for report in reports {
        let lines = Lines::new(&report.text);
        for f in &report.findings {
            let (line, col) = lines.line_col(f.range.start, Unit::Chars);
            style.begin(&mut out, "1");
            out.push_str(&report.path);
            out.push(':');
            push_number(&mut out, line);
            out.push(':');
            push_number(&mut out, col);
            style.end(&mut out);
            out.push_str(": ");
            style.severity(&mut out, f.severity);
            out.push_str(": ");
            out.push_str(&f.message);
            out.push(' ');
            style.begin(&mut out, "2");
            out.push('[');
            out.push_str(f.code());
            out.push(']');
            style.end(&mut out);
            out.push('\n');
            excerpt(&mut out, &lines, &f.range, line, col - 1, style);
            for related in &f.related {
                let source = match last_source {
                    Some((path, source)) if path.as_os_str() == related.path.as_os_str() => source,
                    _ => {
                        let source = source_of(sources, &related.path);
                        last_source = Some((&related.path, source));
                        source
                    }
                };
                out.push_str("  ");
                style.paint(&mut out, "1;36", "note");
                out.push_str(": ");
                out.push_str(&related.message);
                out.push_str(" (");
                match source.map(|i| (&sources[i], &source_lines[i])) {
                    Some((SourceText { shown, .. }, Some(lines))) => {
                        let (l, c) = lines.line_col(related.range.start, Unit::Chars);
                        out.push_str(shown);
                        out.push(':');
                        push_number(&mut out, l);
                        out.push(':');
                        push_number(&mut out, c);
                    }
                    Some((source, None)) => out.push_str(&source.shown),
                    None => {
                        let _ = write!(out, "{}", related.path.display());
                    }
                }
                out.push_str(")\n");
            }
            for fix in &f.fixes {
                out.push_str("  ");
                style.paint(&mut out, "1;32", "fix");
                out.push_str(": ");
                out.push_str(&fix.title);
                out.push('\n');
            }
            if let Some(n) = counts.get_mut(f.severity as usize) {
                *n += 1;
            }
        }
    }
    let files = match reports.len() {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    let total: usize = counts.iter().sum();
    if total == 0 {
        let _ = writeln!(out, "copydesk: no problems in {files}");
    } else {
        let names = ["error", "warning", "information", "hint"];
        let parts: Vec<String> = counts
            .iter()
            .zip(names)
            .filter(|(n, _)| **n > 0)
            .map(|(n, name)| match (n, name) {
                (1, _) | (_, "information") => format!("{n} {name}"),
                _ => format!("{n} {name}s"),
            })
            .collect();
        let _ = writeln!(out, "copydesk: {} in {files}", parts.join(", "));
    }
    out
}

/// The finding's line, or a window of it, with the finding underlined.
/// `line_no` and `start_chars` are the line number and the characters
/// before the finding on its line, as [`Lines::line_col`] gave them.
fn excerpt(
    out: &mut String,
    lines: &Lines,
    range: &Range<usize>,
    line_no: usize,
    start_chars: usize,
    style: Style,
) {
    let text = lines.text;
    let (start, k) = lines.locate(range.start);
    let line = lines.line(k);
    // The window is found by counting characters, not by decoding the
    // whole line into a vector per finding: the long draft's paragraphs are
    // lines of thousands of characters with hundreds of findings.
    let before = &text[line.start..start];
    let after = &text[start..line.end];
    let line_chars = start_chars + after.chars().count();
    let end_byte = range.end.clamp(start, line.end);
    let width = text[start..end_byte].chars().count().max(1);
    // Cutting a few characters off saves nothing: show them.
    let mut from = start_chars.saturating_sub(CONTEXT_CHARS);
    if from <= SLACK_CHARS {
        from = 0;
    }
    let underline = width.min(MAX_UNDERLINE_CHARS);
    let mut to = (start_chars + underline + CONTEXT_CHARS).min(line_chars);
    if line_chars - to <= SLACK_CHARS {
        to = line_chars;
    }
    // Byte offsets of the window's ends: a few dozen characters back from
    // the finding and forward from it.
    let from_byte = match start_chars - from {
        0 => before.len(),
        back => before
            .char_indices()
            .nth_back(back - 1)
            .map_or(0, |(i, _)| i),
    };
    let to_byte = (after.char_indices().nth(to - start_chars)).map_or(after.len(), |(i, _)| i);
    let mut gutter = itoa::Buffer::new();
    let gutter = gutter.format(line_no);
    out.push(' ');
    style.paint(out, "1;34", gutter);
    out.push(' ');
    style.paint(out, "1;34", "|");
    out.push(' ');
    let mut pad = start_chars - from;
    if from > 0 {
        out.push('…');
        pad += 1;
    }
    out.push_str(&before[from_byte..]);
    out.push_str(&after[..to_byte]);
    if to < line_chars {
        out.push('…');
    }
    out.push_str("\n ");
    push_repeated(out, ' ', gutter.len());
    out.push(' ');
    style.paint(out, "1;34", "|");
    out.push(' ');
    push_repeated(out, ' ', pad);
    style.begin(out, "1;33");
    out.push('^');
    push_repeated(out, '~', underline.saturating_sub(1));
    style.end(out);
    out.push('\n');
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
        Severity::Off => "none",
    }
}

/// A relative path as a URI reference: `/` separators, reserved bytes
/// percent-encoded.
fn uri_of(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn sarif_region(lines: &Lines, range: &Range<usize>) -> Value {
    let (start_line, start_column) = lines.line_col(range.start, Unit::Utf16);
    let (end_line, end_column) = lines.line_col(range.end, Unit::Utf16);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn rule_name(rule: Rule) -> String {
    rule.code()
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// SARIF 2.1.0: one run, every rule described, one result per finding with
/// its fixes and the source sentences as related locations.
pub fn sarif(reports: &[FileReport], sources: &[SourceText], config: &RuleConfig) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|&rule| {
            let severity = config.severity(rule);
            json!({
                "id": rule.code(),
                "name": rule_name(rule),
                "shortDescription": {"text": rule.summary()},
                "helpUri": rule.doc_url(),
                "defaultConfiguration": {
                    "enabled": severity != Severity::Off,
                    "level": sarif_level(severity),
                },
            })
        })
        .collect();
    let mut results = Vec::new();
    let source_lines: Vec<Option<Lines>> = sources
        .iter()
        .map(|s| s.text.as_deref().map(Lines::new))
        .collect();
    for (file_index, report) in reports.iter().enumerate() {
        let uri = uri_of(&report.path);
        let lines = Lines::new(&report.text);
        for f in &report.findings {
            let mut result = json!({
                "ruleId": f.code(),
                "ruleIndex": f.rule as usize,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "index": file_index},
                        "region": sarif_region(&lines, &f.range),
                    }
                }],
            });
            if !f.related.is_empty() {
                let related: Vec<Value> = f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let source = source_of(sources, &r.path);
                        let (uri, region) = match source.map(|i| (&sources[i], &source_lines[i])) {
                            Some((SourceText { shown, .. }, Some(lines))) => {
                                (uri_of(shown), sarif_region(lines, &r.range))
                            }
                            Some((source, None)) => (
                                uri_of(&source.shown),
                                json!({"byteOffset": r.range.start, "byteLength": r.range.len()}),
                            ),
                            None => (
                                uri_of(&r.path.display().to_string()),
                                json!({"byteOffset": r.range.start, "byteLength": r.range.len()}),
                            ),
                        };
                        json!({
                            "id": i,
                            "message": {"text": r.message},
                            "physicalLocation": {"artifactLocation": {"uri": uri}, "region": region},
                        })
                    })
                    .collect();
                result["relatedLocations"] = Value::Array(related);
            }
            if !f.fixes.is_empty() {
                let fixes: Vec<Value> = f
                    .fixes
                    .iter()
                    .map(|fix| {
                        let replacements: Vec<Value> = fix
                            .edits
                            .iter()
                            .map(|(range, new_text)| {
                                json!({
                                    "deletedRegion": sarif_region(&lines, range),
                                    "insertedContent": {"text": new_text},
                                })
                            })
                            .collect();
                        json!({
                            "description": {"text": fix.title},
                            "artifactChanges": [{
                                "artifactLocation": {"uri": uri, "index": file_index},
                                "replacements": replacements,
                            }],
                        })
                    })
                    .collect();
                result["fixes"] = Value::Array(fixes);
            }
            results.push(result);
        }
    }
    let artifacts: Vec<Value> = reports
        .iter()
        .map(|r| json!({"location": {"uri": uri_of(&r.path)}, "length": r.text.len()}))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "copydesk",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": crate::rules::RULES_DOC_URL,
                    "rules": rules,
                }
            },
            "artifacts": artifacts,
            "columnKind": "utf16CodeUnits",
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Fix, Related};

    fn report(text: &str, needle: &str, rule: Rule, severity: Severity) -> FileReport {
        let at = text.find(needle).unwrap();
        FileReport {
            path: "drafts/sochi story.md".into(),
            text: text.into(),
            findings: vec![Finding {
                rule,
                severity,
                range: at..at + needle.len(),
                message: "The desk spells it “Erdogan”.".into(),
                fixes: vec![Fix {
                    title: "Write “Erdogan”".into(),
                    edits: vec![(at..at + needle.len(), "Erdogan".into())],
                    preferred: true,
                }],
                related: Vec::new(),
            }],
        }
    }

    fn line_col(text: &str, byte: usize, unit: Unit) -> (usize, usize) {
        Lines::new(text).line_col(byte, unit)
    }

    fn units_of(unit: Unit, c: char) -> usize {
        match unit {
            Unit::Chars => 1,
            Unit::Utf16 => c.len_utf16(),
        }
    }

    /// Line and column by a scan from the start of the text: the definition
    /// the index must agree with.
    fn line_col_by_scan(text: &str, byte: usize, unit: Unit) -> (usize, usize) {
        let mut byte = byte.min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let before = &text[..byte];
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let b = before.as_bytes();
        let breaks = b
            .iter()
            .enumerate()
            .filter(|&(i, &c)| c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')))
            .count();
        let column = 1 + before[line_start..]
            .chars()
            .map(|c| units_of(unit, c))
            .sum::<usize>();
        (1 + breaks, column)
    }

    /// The human format as it was first written, a `format!` per piece,
    /// each line found by searching the text and each window decoded
    /// character by character: the definition [`human`] must agree with.
    fn human_by_format(reports: &[FileReport], sources: &[SourceText], style: Style) -> String {
        fn paint(style: Style, code: &str, text: &str) -> String {
            if style.color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        }
        fn excerpt(
            out: &mut String,
            text: &str,
            range: &Range<usize>,
            line_no: usize,
            style: Style,
        ) {
            let byte = range.start.min(text.len());
            let line_start = text[..byte].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let line_end = text[byte..]
                .find(['\n', '\r'])
                .map_or(text.len(), |i| byte + i);
            let chars: Vec<(usize, char)> = text[line_start..line_end].char_indices().collect();
            let start_chars = chars
                .iter()
                .filter(|(i, _)| line_start + i < range.start)
                .count();
            let end_byte = range.end.clamp(range.start, line_end);
            let width = text[range.start..end_byte].chars().count().max(1);
            let mut from = start_chars.saturating_sub(CONTEXT_CHARS);
            if from <= SLACK_CHARS {
                from = 0;
            }
            let underline = width.min(MAX_UNDERLINE_CHARS);
            let mut to = (start_chars + underline + CONTEXT_CHARS).min(chars.len());
            if chars.len() - to <= SLACK_CHARS {
                to = chars.len();
            }
            let mut shown: String = chars[from..to].iter().map(|(_, c)| c).collect();
            let mut pad = start_chars - from;
            if from > 0 {
                shown.insert(0, '…');
                pad += 1;
            }
            if to < chars.len() {
                shown.push('…');
            }
            let gutter = line_no.to_string();
            let blank = " ".repeat(gutter.len());
            let _ = writeln!(
                out,
                " {} {} {shown}",
                paint(style, "1;34", &gutter),
                paint(style, "1;34", "|")
            );
            let marks = format!("^{}", "~".repeat(underline.saturating_sub(1)));
            let _ = writeln!(
                out,
                " {blank} {} {}{}",
                paint(style, "1;34", "|"),
                " ".repeat(pad),
                paint(style, "1;33", &marks)
            );
        }
        let mut out = String::new();
        let mut counts = [0usize; 4];
        for report in reports {
            for f in &report.findings {
                let (line, col) = line_col_by_scan(&report.text, f.range.start, Unit::Chars);
                let severity = paint(
                    style,
                    match f.severity {
                        Severity::Error => "1;31",
                        Severity::Warning => "1;33",
                        Severity::Information => "1;34",
                        Severity::Hint | Severity::Off => "1;36",
                    },
                    severity_word(f.severity),
                );
                let _ = writeln!(
                    out,
                    "{}: {}: {} {}",
                    paint(style, "1", &format!("{}:{line}:{col}", report.path)),
                    severity,
                    f.message,
                    paint(style, "2", &format!("[{}]", f.code())),
                );
                excerpt(&mut out, &report.text, &f.range, line, style);
                for related in &f.related {
                    let source = sources.iter().find(|s| s.file == related.path);
                    let place = match source {
                        Some(SourceText {
                            shown,
                            text: Some(text),
                            ..
                        }) => {
                            let (l, c) = line_col_by_scan(text, related.range.start, Unit::Chars);
                            format!("{shown}:{l}:{c}")
                        }
                        Some(source) => source.shown.clone(),
                        None => related.path.display().to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "  {}: {} ({place})",
                        paint(style, "1;36", "note"),
                        related.message
                    );
                }
                for fix in &f.fixes {
                    let _ = writeln!(out, "  {}: {}", paint(style, "1;32", "fix"), fix.title);
                }
                if let Some(n) = counts.get_mut(f.severity as usize) {
                    *n += 1;
                }
            }
        }
        let files = match reports.len() {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        };
        let names = ["error", "warning", "information", "hint"];
        let parts: Vec<String> = counts
            .iter()
            .zip(names)
            .filter(|(n, _)| **n > 0)
            .map(|(n, name)| match (n, name) {
                (1, _) | (_, "information") => format!("{n} {name}"),
                _ => format!("{n} {name}s"),
            })
            .collect();
        if parts.is_empty() {
            let _ = writeln!(out, "copydesk: no problems in {files}");
        } else {
            let _ = writeln!(out, "copydesk: {} in {files}", parts.join(", "));
        }
        out
    }

    /// A finding over `text` from random numbers: its range on character
    /// boundaries (possibly empty, possibly across lines), a severity, and
    /// notes pointing into `sources` (or elsewhere) at random places.
    fn random_finding(text: &str, numbers: &[usize], sources: &[SourceText]) -> Finding {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let a = boundaries[numbers[0] % boundaries.len()];
        let b = boundaries[numbers[1] % boundaries.len()];
        let severities = [
            Severity::Error,
            Severity::Warning,
            Severity::Information,
            Severity::Hint,
        ];
        let related = (0..numbers[2] % 3)
            .map(|i| {
                let which = numbers[3 + i] % (sources.len() + 1);
                let path = sources
                    .get(which)
                    .map_or_else(|| PathBuf::from("elsewhere/x.txt"), |s| s.file.clone());
                let at = numbers[5 + i] % 40;
                Related {
                    source: format!("s{i}"),
                    path,
                    range: at..at + 3,
                    message: format!("note {i}"),
                }
            })
            .collect();
        Finding {
            rule: Rule::ALL[numbers[7] % Rule::ALL.len()],
            severity: severities[numbers[8] % severities.len()],
            range: a.min(b)..a.max(b),
            message: "a message".into(),
            fixes: (0..numbers[9] % 2)
                .map(|_| Fix {
                    title: "Write “x”".into(),
                    edits: Vec::new(),
                    preferred: false,
                })
                .collect(),
            related,
        }
    }

    proptest::proptest! {
        #[test]
        fn line_index_agrees_with_a_scan(
            text in "[a\r\nğ😀 ]{0,40}",
            bytes in proptest::collection::vec(0usize..200, 1..8),
        ) {
            let lines = Lines::new(&text);
            for byte in bytes {
                for unit in [Unit::Chars, Unit::Utf16] {
                    proptest::prop_assert_eq!(
                        lines.line_col(byte, unit),
                        line_col_by_scan(&text, byte, unit)
                    );
                }
            }
        }

        /// Lines long and short, CR, LF and CRLF, characters of one to four
        /// bytes; findings anywhere, in any order, with notes and fixes.
        #[test]
        fn human_agrees_with_formatting_piece_by_piece(
            text in "([a-z ]{0,70}|ğ|😀|é|—|\r|\n|\r\n){0,30}",
            findings in proptest::collection::vec(proptest::collection::vec(0usize..10_000, 10), 0..6),
            color: bool,
        ) {
            let sources = [
                SourceText::new("sources/a.txt".into(), Some("one\r\ntwo ğ three\nfour".into())),
                SourceText::new("sources/b.txt".into(), None),
                SourceText::new("sources/a.txt".into(), Some("shadowed".into())),
            ];
            let report = FileReport {
                path: "drafts/d.md".into(),
                findings: findings
                    .iter()
                    .map(|n| random_finding(&text, n, &sources))
                    .collect(),
                text,
            };
            let other = FileReport {
                path: "b.txt".into(),
                text: String::new(),
                findings: Vec::new(),
            };
            let reports = [report, other];
            let style = Style { color };
            proptest::prop_assert_eq!(
                human(&reports, &sources, style),
                human_by_format(&reports, &sources, style)
            );
            proptest::prop_assert_eq!(
                human(&reports[..1], &sources, style),
                human_by_format(&reports[..1], &sources, style)
            );
        }
    }

    #[test]
    fn columns_count_characters_for_people_and_utf16_for_sarif() {
        let text = "a\r\n😀 Erdoğan\rx";
        let at = text.find("Erdoğan").unwrap();
        assert_eq!(line_col(text, at, Unit::Chars), (2, 3));
        assert_eq!(line_col(text, at, Unit::Utf16), (2, 4));
        assert_eq!(line_col(text, text.len() - 1, Unit::Chars), (3, 1));
        // Inside "ğ" and past the end: clamped.
        assert_eq!(line_col(text, at + 5, Unit::Chars), (2, 7));
        assert_eq!(line_col(text, 999, Unit::Chars), (3, 2));
    }

    #[test]
    fn human_output_underlines_the_finding() {
        let r = report(
            "# Talks\n\nPutin met Erdoğan in Sochi.\n",
            "Erdoğan",
            Rule::NameVariant,
            Severity::Warning,
        );
        let out = human(&[r], &[], Style { color: false });
        assert_eq!(
            out,
            "drafts/sochi story.md:3:11: warning: The desk spells it “Erdogan”. [name-variant]\n \
3 | Putin met Erdoğan in Sochi.\n   \
|           ^~~~~~~\n  \
fix: Write “Erdogan”\n\
copydesk: 1 warning in 1 file\n"
        );
    }

    #[test]
    fn long_lines_are_windowed() {
        let text = format!("{} Erdoğan {}", "word ".repeat(30), "tail ".repeat(30));
        let r = report(&text, "Erdoğan", Rule::NameVariant, Severity::Warning);
        let out = human(&[r], &[], Style { color: false });
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[1],
            " 1 | …ord word word word word word word word  Erdoğan tail tail tail tail tail tail tail tail…"
        );
        assert_eq!(lines[2], format!("   | {}^~~~~~~", " ".repeat(41)));
    }

    #[test]
    fn colour_only_when_asked() {
        let r = report("Erdoğan.", "Erdoğan", Rule::NameVariant, Severity::Error);
        assert!(human(&[r], &[], Style { color: true }).contains("\x1b[1;31merror\x1b[0m"));
    }

    #[test]
    fn sarif_has_rules_results_fixes_and_related_locations() {
        let mut r = report(
            "Putin met Erdoğan.",
            "Erdoğan",
            Rule::NameVariant,
            Severity::Warning,
        );
        r.findings[0].related.push(Related {
            source: "s1".into(),
            path: "sources/a.txt".into(),
            range: 4..9,
            message: "The source's sentence".into(),
        });
        let sources = [SourceText::new(
            "sources/a.txt".into(),
            Some("one\ntwo three".into()),
        )];
        let log = sarif(&[r], &sources, &RuleConfig::default());
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 8);
        assert_eq!(run["tool"]["driver"]["rules"][6]["name"], "NameVariant");
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "name-variant");
        assert_eq!(result["ruleIndex"], 6);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "drafts/sochi%20story.md"
        );
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"],
            json!({"startLine": 1, "startColumn": 11, "endLine": 1, "endColumn": 18})
        );
        assert_eq!(
            result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
            "Erdogan"
        );
        assert_eq!(
            result["relatedLocations"][0]["physicalLocation"]["region"],
            json!({"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 6})
        );
    }
}

//! Findings as LSP diagnostics and code actions. The CLI's `--format json`
//! prints exactly what `to_diagnostics` builds, so an editor and a CI job see
//! the same thing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, Location, NumberOrString, Position, Range as LspRange, TextEdit, Uri,
    WorkspaceEdit,
};

use super::output;
use super::position::{next_line_start, positions, positions_from, to_range, Encoding};
use crate::analysis::document::Revision;
use crate::analysis::LexiconIndex;
use crate::config::Severity;
use crate::rules::{suppress, Finding, Related, Rule};
use crate::text::prose::DocKind;
use crate::workspace;

pub const SOURCE: &str = "copydesk";

/// Source articles read for related locations, once each, and only those a
/// lexicon names and may read (see `workspace::may_read_source`).
pub struct SourceTexts<'a> {
    index: &'a LexiconIndex,
    root: Option<PathBuf>,
    cache: &'a mut SourceCache,
}

/// The source articles `SourceTexts` has read. The server keeps one for as
/// long as the lexicons and the workspace root stay the same, so that a
/// keystroke's diagnostics never read the articles from disk again.
#[derive(Default)]
pub struct SourceCache {
    /// The lexicon generation and root the ropes were read under.
    key: Option<(u64, Option<PathBuf>)>,
    articles: HashMap<PathBuf, Option<(Uri, Rope)>>,
}

impl SourceCache {
    /// Forgets what was read under another lexicon generation or root: a
    /// new lexicon may name other articles, another root allows others.
    pub fn keep_for(&mut self, generation: u64, root: &Option<PathBuf>) {
        if self
            .key
            .as_ref()
            .is_none_or(|(g, r)| *g != generation || r != root)
        {
            self.articles.clear();
            self.key = Some((generation, root.clone()));
        }
    }
}

impl<'a> SourceTexts<'a> {
    pub fn new(index: &'a LexiconIndex, root: Option<PathBuf>, cache: &'a mut SourceCache) -> Self {
        SourceTexts { index, root, cache }
    }

    /// A source article's URI and text, if the lexicons name it and the
    /// workspace may read it.
    fn article(&mut self, path: &Path) -> Option<&(Uri, Rope)> {
        if !self.cache.articles.contains_key(path) {
            let allowed = self.index.lexicons.iter().any(|l| {
                l.sources.iter().any(|s| s.path == path)
                    && workspace::may_read_source(path, &l.path, self.root.as_deref())
            });
            let article = allowed
                .then(|| std::fs::read_to_string(path).ok())
                .flatten()
                .and_then(|t| Some((Uri::from_file_path(path)?, Rope::from_str(&t))));
            self.cache.articles.insert(path.to_path_buf(), article);
        }
        self.cache.articles.get(path).and_then(Option::as_ref)
    }
}

pub fn severity(s: Severity) -> Option<DiagnosticSeverity> {
    match s {
        Severity::Error => Some(DiagnosticSeverity::ERROR),
        Severity::Warning => Some(DiagnosticSeverity::WARNING),
        Severity::Information => Some(DiagnosticSeverity::INFORMATION),
        Severity::Hint => Some(DiagnosticSeverity::HINT),
        Severity::Off => None,
    }
}

/// The findings of one version of `text` as LSP diagnostics. Every range
/// is converted in one sweep over the text (`position::positions`), each
/// rule's documentation link is parsed once, and each source article's URI
/// once per lexicon generation: this runs on every keystroke.
pub fn to_diagnostics(
    findings: &[Finding],
    text: &str,
    enc: Encoding,
    sources: &mut SourceTexts,
) -> Vec<Diagnostic> {
    let places = ranges(findings, text, enc);
    let mut links = Links::default();
    findings
        .iter()
        .zip(places)
        .map(|(f, range)| diagnostic(f, range, &mut links, sources, enc))
        .collect()
}

/// Every finding's range as an LSP range, in one sweep over the text.
fn ranges(findings: &[Finding], text: &str, enc: Encoding) -> Vec<LspRange> {
    let offsets: Vec<usize> = findings
        .iter()
        .flat_map(|f| [f.range.start, f.range.end])
        .collect();
    positions(text, &offsets, enc)
        .chunks_exact(2)
        .map(|p| LspRange::new(p[0], p[1]))
        .collect()
}

/// Each rule's documentation link, parsed once per conversion.
#[derive(Default)]
struct Links(Vec<(Rule, Option<CodeDescription>)>);

impl Links {
    fn of(&mut self, rule: Rule) -> Option<CodeDescription> {
        if let Some((_, link)) = self.0.iter().find(|(r, _)| *r == rule) {
            return link.clone();
        }
        let link = rule
            .doc_url()
            .parse()
            .ok()
            .map(|href| CodeDescription { href });
        self.0.push((rule, link.clone()));
        link
    }
}

/// One finding as a diagnostic at `range`.
fn diagnostic(
    f: &Finding,
    range: LspRange,
    links: &mut Links,
    sources: &mut SourceTexts,
    enc: Encoding,
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .filter_map(|r| {
            let (uri, source) = sources.article(&r.path)?;
            if r.range.end > source.len_bytes() {
                return None;
            }
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri.clone(), to_range(source, r.range.clone(), enc)),
                message: r.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range,
        severity: severity(f.severity),
        code: Some(NumberOrString::String(f.code().to_string())),
        code_description: links.of(f.rule),
        source: Some(SOURCE.to_string()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// One open document's last diagnostics, kept so that a keystroke builds
/// afresh only the diagnostics of findings it changed. A diagnostic is its
/// finding's rule, severity, message and related places (read under one
/// lexicon generation, workspace root and position encoding) at its range:
/// a new finding equal in those to one of the last version's takes that
/// one's diagnostic, moved rather than cloned. Its range is the last one
/// where the edit cannot have moved it (before the edit, or after the line
/// break that follows it, a known number of lines down), and converted
/// again otherwise, in a sweep over the lines where those offsets lie. So
/// the result is exactly [`to_diagnostics`]'s, whatever the edit.
#[derive(Default)]
pub struct Converter {
    /// The lexicon generation, root and encoding the diagnostics were made
    /// under: another lexicon or root may read other articles, another
    /// encoding gives other related ranges.
    made_with: Option<(u64, Option<PathBuf>, Encoding)>,
    /// The last conversion's diagnostics, shared with whoever published
    /// them: moved out again when they are done with it.
    last: Arc<Vec<Diagnostic>>,
    /// The related places of the findings behind `last`, in the same order.
    related: Vec<Vec<Related>>,
    /// The byte ranges of the findings behind `last`, in the same order.
    ranges: Vec<std::ops::Range<usize>>,
    /// The JSON of each diagnostic of `last` after its range, once a frame
    /// has needed it (see [`Converter::frame`]).
    after: Vec<Option<Box<[u8]>>>,
    /// The version `last` was made for: its analysis's revision id, its
    /// length in bytes and its number of lines.
    version: Option<(u64, usize, usize)>,
    /// How many offsets the last conversion swept again.
    #[cfg(test)]
    swept: usize,
}

/// The version of a document whose findings are converted.
pub struct Version<'a> {
    pub text: &'a str,
    /// The same text.
    pub rope: &'a Rope,
    /// The revision of the analysis the findings were made from: where the
    /// text differs from the version before.
    pub revision: Revision,
}

/// Where a version's positions equal the last version's: offsets before
/// `prefix` are at the same positions; those from `lines_from` on are the
/// last version's offsets `delta` bytes earlier, `lines` lines further down
/// (their line starts after the edit, so their columns are the same).
struct Moved {
    prefix: usize,
    lines_from: usize,
    delta: isize,
    lines: i64,
}

impl Moved {
    /// How positions moved from the last version (`old_len` bytes and
    /// `old_lines` lines) to `version`, which shares its first `prefix` and
    /// last `suffix` bytes with it.
    fn between(
        version: &Version,
        (old_len, old_lines): (usize, usize),
        (prefix, suffix): (usize, usize),
    ) -> Moved {
        let bytes = version.text.as_bytes();
        let tail = bytes.len() - suffix.min(bytes.len());
        // The first line start after the edit, with the line break before
        // it in the unchanged tail: from there on both versions have the
        // same bytes and break the lines alike.
        let lines_from = next_line_start(bytes, tail..bytes.len()).unwrap_or(usize::MAX);
        Moved {
            prefix,
            lines_from,
            delta: bytes.len() as isize - old_len as isize,
            lines: version.rope.len_lines() as i64 - old_lines as i64,
        }
    }

    /// The position of `at` in the new version, from the position `was`
    /// of `old` in the last one, where the edit cannot have changed it.
    fn position(&self, at: usize, old: usize, was: Position) -> Option<Position> {
        if at == old && at < self.prefix {
            return Some(was);
        }
        if at >= self.lines_from && old.wrapping_add_signed(self.delta) == at {
            let line = u32::try_from(i64::from(was.line) + self.lines).ok()?;
            return Some(Position::new(line, was.character));
        }
        None
    }
}

impl Converter {
    /// `findings` as diagnostics: equal to [`to_diagnostics`] of them.
    /// `generation` and `root` must be those `sources` reads under.
    pub fn convert(
        &mut self,
        findings: &[Finding],
        version: &Version,
        enc: Encoding,
        generation: u64,
        sources: &mut SourceTexts,
    ) -> Arc<Vec<Diagnostic>> {
        let text = version.text;
        let made_with = Some((generation, sources.root.clone(), enc));
        let last = std::mem::take(&mut self.last);
        let mut old = Arc::try_unwrap(last).unwrap_or_else(|shared| (*shared).clone());
        let mut old_related = std::mem::take(&mut self.related);
        let mut old_ranges = std::mem::take(&mut self.ranges);
        let mut old_after = std::mem::take(&mut self.after);
        if self.made_with != made_with
            || old_ranges.len() != old.len()
            || old_after.len() != old.len()
        {
            old.clear();
            old_related.clear();
            old_ranges.clear();
            old_after.clear();
            self.made_with = made_with;
        }
        let same =
            |f: &Finding, j: usize| is_diagnostic_of(&old[j], f) && old_related[j] == f.related;
        // An edit changes the findings in one stretch: those before it and
        // after it are the last version's, in the same order.
        let (n_new, n_old) = (findings.len(), old.len());
        let mut front = 0;
        while front < n_new.min(n_old) && same(&findings[front], front) {
            front += 1;
        }
        let mut back = 0;
        while back < (n_new - front).min(n_old - front)
            && same(&findings[n_new - 1 - back], n_old - 1 - back)
        {
            back += 1;
        }
        let kept = |i: usize| {
            if i < front {
                Some(i)
            } else if i >= n_new - back {
                Some(i + n_old - n_new)
            } else {
                None
            }
        };
        // Where the edit left the last version's positions alone; none
        // when the findings were made from a version other than the last
        // one's successor (or the rope is not that text's).
        let moved = match (version.revision.since, self.version) {
            (Some(since), Some((previous, old_len, old_lines)))
                if since.previous == previous && version.rope.len_bytes() == text.len() =>
            {
                Some(Moved::between(version, (old_len, old_lines), since.text))
            }
            _ => None,
        };
        let mut places = vec![LspRange::default(); n_new];
        // (finding, which end) of the offsets converted afresh, and those offsets.
        let (mut fresh, mut offsets) = (Vec::new(), Vec::new());
        for (i, f) in findings.iter().enumerate() {
            let was = kept(i).map(|j| (&old_ranges[j], old[j].range));
            for end in [false, true] {
                let at = if end { f.range.end } else { f.range.start };
                let known = match (&moved, was) {
                    (Some(moved), Some((bytes, range))) if at <= text.len() => {
                        let (old, was) = if end {
                            (bytes.end, range.end)
                        } else {
                            (bytes.start, range.start)
                        };
                        moved.position(at, old, was)
                    }
                    _ => None,
                };
                match known {
                    Some(p) if end => places[i].end = p,
                    Some(p) => places[i].start = p,
                    None => {
                        fresh.push((i, end));
                        offsets.push(at);
                    }
                }
            }
        }
        // The fresh offsets lie around the edit: the sweep starts at the
        // line before the first of them (a line start whatever the rope
        // makes of an offset inside a CRLF).
        let from = match (&moved, offsets.iter().min()) {
            (Some(_), Some(&first)) => {
                let line = version
                    .rope
                    .byte_to_line(first.min(text.len()))
                    .saturating_sub(1);
                (version.rope.line_to_byte(line), line as u32)
            }
            _ => (0, 0),
        };
        for ((i, end), p) in fresh
            .into_iter()
            .zip(positions_from(text, from, &offsets, enc))
        {
            if end {
                places[i].end = p;
            } else {
                places[i].start = p;
            }
        }
        #[cfg(test)]
        {
            self.swept = offsets.len();
        }
        let mut links = Links::default();
        let mut diagnostics = Vec::with_capacity(n_new);
        let mut related = Vec::with_capacity(n_new);
        let mut after = Vec::with_capacity(n_new);
        for (i, (f, range)) in findings.iter().zip(places).enumerate() {
            match kept(i) {
                Some(j) => {
                    let mut d = std::mem::take(&mut old[j]);
                    d.range = range;
                    diagnostics.push(d);
                    related.push(std::mem::take(&mut old_related[j]));
                    after.push(old_after[j].take());
                }
                None => {
                    diagnostics.push(diagnostic(f, range, &mut links, sources, enc));
                    related.push(f.related.clone());
                    after.push(None);
                }
            }
        }
        self.after = after;
        old_ranges.clear();
        old_ranges.extend(findings.iter().map(|f| f.range.clone()));
        self.ranges = old_ranges;
        self.version = Some((version.revision.id, text.len(), version.rope.len_lines()));
        self.last = Arc::new(diagnostics);
        self.related = related;
        self.last.clone()
    }
}

impl Converter {
    /// The `publishDiagnostics` frame of the last conversion: the JSON of
    /// each diagnostic after its range is kept with it, so a keystroke
    /// serializes only the ranges and the diagnostics it made afresh.
    pub fn frame(&mut self, uri: &Uri, version: Option<i32>) -> Vec<u8> {
        let mut after = Vec::with_capacity(self.after.len());
        for (d, a) in self.last.iter().zip(&mut self.after) {
            if a.is_none() {
                *a = output::after_range(d);
            }
            match a {
                Some(a) => after.push(&**a),
                None => return output::diagnostics_frame(uri, &self.last, version),
            }
        }
        output::diagnostics_frame_after_ranges(uri, &self.last, &after, version)
    }
}

/// Whether `d` was made from a finding with `f`'s rule, severity and
/// message (the related places are compared apart).
fn is_diagnostic_of(d: &Diagnostic, f: &Finding) -> bool {
    d.message == f.message
        && d.severity == severity(f.severity)
        && matches!(&d.code, Some(NumberOrString::String(code)) if code == f.code())
}

/// Code actions for the findings that overlap `range` (byte offsets): each
/// finding's quick fixes, then "Disable CODE for this line".
/// The document code actions edit.
pub struct Target<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub kind: DocKind,
    pub rope: &'a Rope,
    pub enc: Encoding,
}

pub fn code_actions(
    target: &Target,
    findings: &[Finding],
    diagnostics: &[Diagnostic],
    range: std::ops::Range<usize>,
) -> Vec<CodeAction> {
    let Target {
        uri,
        text,
        kind,
        rope,
        enc,
    } = *target;
    let mut out = Vec::new();
    let mut disables = Vec::new();
    for (f, d) in findings.iter().zip(diagnostics) {
        let overlaps = f.range.start <= range.end && range.start <= f.range.end;
        if !overlaps {
            continue;
        }
        for fix in &f.fixes {
            out.push(action(
                uri,
                rope,
                enc,
                &fix.title,
                &fix.edits,
                d,
                fix.preferred,
                CodeActionKind::QUICKFIX,
            ));
        }
        let disable = suppress::disable_for_line(text, kind, f);
        if !disable.edits.is_empty() && !disables.contains(&disable.title) {
            disables.push(disable.title.clone());
            out.push(action(
                uri,
                rope,
                enc,
                &disable.title,
                &disable.edits,
                d,
                false,
                CodeActionKind::QUICKFIX,
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn action(
    uri: &Uri,
    rope: &Rope,
    enc: Encoding,
    title: &str,
    edits: &[(std::ops::Range<usize>, String)],
    diagnostic: &Diagnostic,
    preferred: bool,
    kind: CodeActionKind,
) -> CodeAction {
    let edits = edits
        .iter()
        .map(|(r, t)| TextEdit::new(to_range(rope, r.clone(), enc), t.clone()))
        .collect();
    CodeAction {
        title: title.to_string(),
        kind: Some(kind),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..Default::default()
        }),
        is_preferred: preferred.then_some(true),
        data: Some(json!({"code": diagnostic.code})),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::document::Since;
    use std::ops::Range;

    #[test]
    fn source_articles_are_read_once_per_lexicon_generation() {
        let dir = tempfile::tempdir().unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for f in ["sochi-putin-erdogan.txt", "sochi.lexicon.json"] {
            std::fs::copy(fixtures.join(f), dir.path().join(f)).unwrap();
        }
        let input = workspace::load_lexicon(&dir.path().join("sochi.lexicon.json")).unwrap();
        let index = LexiconIndex::build(vec![input]);
        let article = index.lexicons[0].sources[0].path.clone();
        let finding = Finding {
            rule: Rule::UnattributedClaim,
            severity: Severity::Warning,
            range: 0..5,
            message: "m".into(),
            fixes: Vec::new(),
            related: vec![Related {
                source: index.lexicons[0].sources[0].source.id.clone(),
                path: article.clone(),
                range: 0..6,
                message: "the source".into(),
            }],
        };
        let draft = "Putin met Erdogan.";
        let root = Some(dir.path().to_path_buf());
        let related = |cache: &mut SourceCache, generation: u64| {
            cache.keep_for(generation, &root);
            let mut sources = SourceTexts::new(&index, root.clone(), cache);
            to_diagnostics(
                std::slice::from_ref(&finding),
                draft,
                Encoding::Utf16,
                &mut sources,
            )
            .remove(0)
            .related_information
        };
        let mut cache = SourceCache::default();
        let first = related(&mut cache, 1).expect("the claim's sentence in the article");
        // Gone from disk: the next keystroke's diagnostics do not read it again.
        std::fs::remove_file(&article).unwrap();
        assert_eq!(related(&mut cache, 1), Some(first));
        // A reloaded lexicon reads its articles afresh.
        assert_eq!(related(&mut cache, 2), None);
    }

    /// Versions of the reference article, each edited somewhere else (a
    /// letter typed, a finding made and unmade, lines joined, a line and a
    /// finding added before everything, a line broken with CRLF, emoji and
    /// Turkish letters typed): the kept diagnostics equal a conversion from
    /// nothing, in either encoding, all but the edit's are the last
    /// version's, moved rather than built again, and a one-letter edit
    /// converts only offsets around it again.
    #[test]
    fn kept_diagnostics_equal_a_fresh_conversion() {
        use crate::analysis::Incremental;
        use crate::rules::testing::Lexicon;
        use crate::rules::{check, RuleConfig};

        let lexicon = Lexicon::sochi();
        let index = &lexicon.index;
        let config = RuleConfig::default();
        let article = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");
        let mut text = format!(
            "{article}\n\nThe talks went well. “This will be reinforced and has to be protected.” The S-400 missiles are designed to shoot down NATO aircraft.\n\nExperts say it cost 5 million dollars. Vladimir Poutine wrote to Kerim Hass.\n"
        );
        let mut cache = SourceCache::default();
        let mut converters = [Converter::default(), Converter::default()];
        let mut incremental = Incremental::default();
        let mut last: Vec<*const u8> = Vec::new();
        let mid = text[..text.len() / 2].rfind(' ').unwrap();
        let edits: [&dyn Fn(&mut String); 10] = [
            &|_| {},
            &|t| t.insert(mid, 'x'),
            &|t| t.insert_str(mid, "😀ğ"),
            &|t| t.insert_str(mid, "\r\n"),
            &|t| t.replace_range(mid..mid + 1, ""),
            &|t| *t = t.replace("Experts say it", "It"),
            &|t| *t = t.replace("It cost", "Experts say it cost"),
            &|t| *t = t.replacen("\n", " ", 3),
            &|t| t.insert_str(0, "\r\n“Hello,” he said.\n"),
            &|t| t.insert(mid, 'ı'),
        ];
        for (step, edit) in edits.iter().enumerate() {
            edit(&mut text);
            let rope = Rope::from_str(&text);
            let a = incremental.analyze(&text, DocKind::PlainText, index, 1);
            let findings = check(&text, &a, index, &config);
            assert!(findings.len() > 5, "{}", findings.len());
            assert!(findings.iter().any(|f| !f.related.is_empty()));
            cache.keep_for(1, &None);
            let version = Version {
                text: &text,
                rope: &rope,
                revision: a.revision,
            };
            for (converter, enc) in converters.iter_mut().zip([Encoding::Utf16, Encoding::Utf8]) {
                let mut sources = SourceTexts::new(index, None, &mut cache);
                let want = to_diagnostics(&findings, &text, enc, &mut sources);
                let got = converter.convert(&findings, &version, enc, 1, &mut sources);
                assert_eq!(*got, want, "step {step}, {enc:?}");
                // Every other step publishes: some kept diagnostics have
                // their JSON from a frame two versions back.
                if step % 2 == 0 {
                    let uri: Uri = "file:///desk/draft.md".parse().unwrap();
                    let version = Some(step as i32);
                    assert_eq!(
                        converter.frame(&uri, version),
                        output::diagnostics_frame(&uri, &want, version),
                        "step {step}, {enc:?}"
                    );
                }
                if step == 1 || step == 2 || step == 9 {
                    assert!(
                        converter.swept <= 6,
                        "step {step}: {} of {} offsets converted again",
                        converter.swept,
                        2 * findings.len()
                    );
                }
                if enc != Encoding::Utf16 {
                    continue;
                }
                let now: Vec<*const u8> = got.iter().map(|d| d.message.as_ptr()).collect();
                let kept = now.iter().filter(|p| last.contains(p)).count();
                if step > 0 {
                    assert!(
                        kept + 2 >= now.len(),
                        "step {step}: {kept} of {} kept",
                        now.len()
                    );
                }
                last = now;
            }
        }
    }

    /// An offset at the first changed byte is not where it was: with a CR
    /// before it, it was inside a CRLF and is now on the next line.
    #[test]
    fn an_offset_where_a_crlf_was_split_moves_to_the_next_line() {
        let index = LexiconIndex::empty();
        let mut cache = SourceCache::default();
        let mut converter = Converter::default();
        let finding = Finding {
            rule: Rule::UnattributedClaim,
            severity: Severity::Warning,
            range: 2..3,
            message: "m".into(),
            fixes: Vec::new(),
            related: Vec::new(),
        };
        let mut got = Vec::new();
        for (id, text) in [(1, "a\r\nb"), (2, "a\rxb")] {
            let rope = Rope::from_str(text);
            let version = Version {
                text,
                rope: &rope,
                revision: Revision {
                    id,
                    since: (id == 2).then_some(Since {
                        previous: 1,
                        text: (2, 1),
                        masked: (2, 1),
                    }),
                },
            };
            let mut sources = SourceTexts::new(&index, None, &mut cache);
            let d = converter.convert(
                std::slice::from_ref(&finding),
                &version,
                Encoding::Utf16,
                1,
                &mut sources,
            );
            got.push(d[0].range);
        }
        let at = |line, character| Position::new(line, character);
        assert_eq!(got[0], LspRange::new(at(0, 2), at(1, 0)));
        assert_eq!(got[1], LspRange::new(at(1, 0), at(1, 1)));
    }

    proptest::proptest! {
        /// Findings at random places of random texts (line breaks of every
        /// kind, curly quotes, Turkish letters, emoji), then the text edited
        /// anywhere with each finding moved as an edit moves it (or
        /// dropped, or a new one made): the converter's positions, shifted
        /// or swept again, equal a conversion from nothing.
        #[test]
        fn shifted_positions_equal_a_fresh_conversion(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "Erdoğan", "’", "😀", "\n", "\r", "\r\n", " ", "ı", "\n\n"]),
                0..60,
            ),
            marks in proptest::collection::vec((0usize..60, 0usize..4), 0..12),
            edit in (0usize..60, 0usize..4),
            inserted in proptest::collection::vec(
                proptest::sample::select(vec!["x", "ğ", "😀", "\n", "\r", "\r\n", "“"]),
                0..4,
            ),
            extra in proptest::option::of(0usize..60),
        ) {
            use crate::text::versions::{common_prefix, common_suffix};
            let index = LexiconIndex::empty();
            let mut cache = SourceCache::default();
            // Piece boundaries are character boundaries.
            let bounds = |pieces: &[&str]| -> Vec<usize> {
                let mut at = vec![0];
                for p in pieces {
                    at.push(at.last().unwrap() + p.len());
                }
                at
            };
            let finding = |range: Range<usize>, k: usize| Finding {
                rule: Rule::UnattributedClaim,
                severity: Severity::Warning,
                range,
                message: format!("finding {k}"),
                fixes: Vec::new(),
                related: Vec::new(),
            };
            let old_text = pieces.concat();
            let b = bounds(&pieces);
            let pick = |i: usize| b[i.min(b.len() - 1)];
            let mut old: Vec<Finding> = marks
                .iter()
                .enumerate()
                .map(|(k, &(i, n))| finding(pick(i)..pick(i + n), k))
                .collect();
            old.sort_by_key(|f| (f.range.start, f.range.end));
            let (from, to) = (pick(edit.0), pick(edit.0 + edit.1));
            let inserted = inserted.concat();
            let text = format!("{}{}{}", &old_text[..from], inserted, &old_text[to..]);
            let moved = |at: usize| {
                if at <= from {
                    at
                } else if at >= to {
                    at - to + from + inserted.len()
                } else {
                    from
                }
            };
            let mut new: Vec<Finding> = old
                .iter()
                .map(|f| Finding { range: moved(f.range.start)..moved(f.range.end), ..f.clone() })
                .collect();
            if let Some(n) = extra {
                let nb = bounds(&[&text[..from], &inserted, &text[from + inserted.len()..]]);
                let at = |j: usize| nb[j.min(nb.len() - 1)];
                new.push(finding(at(n)..at(n + 1), 99));
                new.sort_by_key(|f| (f.range.start, f.range.end));
            }
            let prefix = common_prefix(old_text.as_bytes(), text.as_bytes());
            let suffix = common_suffix(&old_text.as_bytes()[prefix..], &text.as_bytes()[prefix..]);
            for enc in [Encoding::Utf16, Encoding::Utf8, Encoding::Utf32] {
                let mut converter = Converter::default();
                for (id, (text, findings)) in [(&old_text, &old), (&text, &new)].into_iter().enumerate() {
                    let rope = Rope::from_str(text);
                    let version = Version {
                        text,
                        rope: &rope,
                        revision: Revision {
                            id: id as u64 + 1,
                            since: (id == 1).then_some(Since {
                                previous: 1,
                                text: (prefix, suffix),
                                masked: (prefix, suffix),
                            }),
                        },
                    };
                    let mut sources = SourceTexts::new(&index, None, &mut cache);
                    let want = to_diagnostics(findings, text, enc, &mut sources);
                    let got = converter.convert(findings, &version, enc, 1, &mut sources);
                    proptest::prop_assert_eq!(&*got, &want, "{:?} {:?} -> {:?}", enc, old_text, text);
                }
            }
        }
    }
}

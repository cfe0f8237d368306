//! Findings as LSP diagnostics and code actions. The CLI's `--format json`
//! prints exactly what `to_diagnostics` builds, so an editor and a CI job see
//! the same thing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, Location, NumberOrString, TextEdit, Uri, WorkspaceEdit,
};

use super::position::{positions, to_range, Encoding};
use crate::analysis::LexiconIndex;
use crate::config::Severity;
use crate::rules::{suppress, Finding, Rule};
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
    let offsets: Vec<usize> = findings
        .iter()
        .flat_map(|f| [f.range.start, f.range.end])
        .collect();
    let places = positions(text, &offsets, enc);
    let mut links: Vec<(Rule, Option<CodeDescription>)> = Vec::new();
    findings
        .iter()
        .zip(places.chunks_exact(2))
        .map(|(f, range)| {
            let link = match links.iter().find(|(r, _)| *r == f.rule) {
                Some((_, link)) => link.clone(),
                None => {
                    let link = f
                        .rule
                        .doc_url()
                        .parse()
                        .ok()
                        .map(|href| CodeDescription { href });
                    links.push((f.rule, link.clone()));
                    link
                }
            };
            let related: Vec<DiagnosticRelatedInformation> = f
                .related
                .iter()
                .filter_map(|r| {
                    let (uri, source) = sources.article(&r.path)?;
                    if r.range.end > source.len_bytes() {
                        return None;
                    }
                    Some(DiagnosticRelatedInformation {
                        location: Location::new(
                            uri.clone(),
                            to_range(source, r.range.clone(), enc),
                        ),
                        message: r.message.clone(),
                    })
                })
                .collect();
            Diagnostic {
                range: tower_lsp_server::ls_types::Range::new(range[0], range[1]),
                severity: severity(f.severity),
                code: Some(NumberOrString::String(f.code().to_string())),
                code_description: link,
                source: Some(SOURCE.to_string()),
                message: f.message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                tags: None,
                data: None,
            }
        })
        .collect()
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
    use crate::rules::Related;

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
}

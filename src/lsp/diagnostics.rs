//! Findings as LSP diagnostics and code actions. The CLI's `--format json`
//! prints exactly what `to_diagnostic` builds, so an editor and a CI job see
//! the same thing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeDescription, Diagnostic, DiagnosticRelatedInformation,
    DiagnosticSeverity, Location, NumberOrString, TextEdit, Uri, WorkspaceEdit,
};

use super::position::{to_range, Encoding};
use crate::analysis::LexiconIndex;
use crate::config::Severity;
use crate::rules::{suppress, Finding};
use crate::text::prose::DocKind;
use crate::workspace;

pub const SOURCE: &str = "copydesk";

/// Source articles read for related locations, once each, and only those a
/// lexicon names and may read (see `workspace::may_read_source`).
pub struct SourceTexts<'a> {
    index: &'a LexiconIndex,
    root: Option<PathBuf>,
    cache: HashMap<PathBuf, Option<Rope>>,
}

impl<'a> SourceTexts<'a> {
    pub fn new(index: &'a LexiconIndex, root: Option<PathBuf>) -> Self {
        SourceTexts {
            index,
            root,
            cache: HashMap::new(),
        }
    }

    fn rope(&mut self, path: &Path) -> Option<&Rope> {
        if !self.cache.contains_key(path) {
            let allowed = self.index.lexicons.iter().any(|l| {
                l.sources.iter().any(|s| s.path == path)
                    && workspace::may_read_source(path, &l.path, self.root.as_deref())
            });
            let rope = allowed
                .then(|| std::fs::read_to_string(path).ok())
                .flatten()
                .map(|t| Rope::from_str(&t));
            self.cache.insert(path.to_path_buf(), rope);
        }
        self.cache.get(path).and_then(Option::as_ref)
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

pub fn to_diagnostic(
    f: &Finding,
    rope: &Rope,
    enc: Encoding,
    sources: &mut SourceTexts,
) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .filter_map(|r| {
            let source = sources.rope(&r.path)?;
            if r.range.end > source.len_bytes() {
                return None;
            }
            let range = to_range(source, r.range.clone(), enc);
            Some(DiagnosticRelatedInformation {
                location: Location::new(Uri::from_file_path(&r.path)?, range),
                message: r.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: to_range(rope, f.range.clone(), enc),
        severity: severity(f.severity),
        code: Some(NumberOrString::String(f.code().to_string())),
        code_description: f
            .rule
            .doc_url()
            .parse()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
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

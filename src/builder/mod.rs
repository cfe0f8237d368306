//! The lexicon builder: source articles in, a lexicon of entities and claims
//! out, with rules, cue lists and data files only (no network, no models).
//!
//! - [`build`] is pure: articles (text already read) → a fresh [`Lexicon`].
//!   The language server's `copydesk.buildLexicon` calls it too.
//! - [`merge::update`] folds a fresh build into an existing lexicon without
//!   losing reviewed entries or unknown fields; [`merge::join`] is the
//!   associative and commutative merge behind `copydesk lexicon merge`.
//! - [`load_article`] / [`collect_articles`] read files for the CLI.
//!
//! Per-article work (`extract`) runs in parallel; `combine` joins the
//! results in source-id order, so the output does not depend on the order
//! of the inputs or on thread scheduling.

mod combine;
pub mod data;
mod extract;
pub mod ids;
pub mod merge;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::lexicon::Lexicon;
use crate::text::prose::DocKind;

/// A source article, read and identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The source id in the lexicon: a slug of the file name.
    pub id: String,
    /// Path as recorded in the lexicon (relative to the lexicon file).
    pub path: String,
    pub title: String,
    pub date: Option<String>,
    pub text: String,
    pub kind: DocKind,
}

impl Article {
    /// An article from its text; title and date come from Markdown front
    /// matter or the first heading, or a headline line in plain text, else
    /// from the file name.
    pub fn new(path: &str, text: String, kind: DocKind) -> Article {
        let stem = Path::new(path)
            .file_stem()
            .map_or_else(|| path.to_string(), |s| s.to_string_lossy().into_owned());
        let id = ids::slug(&stem);
        let (title, date) = title_and_date(&text, kind);
        let title = title.unwrap_or_else(|| stem.replace(['-', '_'], " "));
        Article {
            id,
            path: path.to_string(),
            title,
            date,
            text,
            kind,
        }
    }

    pub fn sha256(&self) -> String {
        let digest = Sha256::digest(self.text.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn title_and_date(text: &str, kind: DocKind) -> (Option<String>, Option<String>) {
    let mut title = None;
    let mut date = None;
    let mut body = text;
    if kind == DocKind::Markdown {
        if let Some(rest) = text
            .strip_prefix("---\n")
            .or_else(|| text.strip_prefix("---\r\n"))
        {
            if let Some(end) = rest.find("\n---") {
                for line in rest[..end].lines() {
                    if let Some((key, value)) = line.split_once(':') {
                        let value = value.trim().trim_matches(['"', '\'']).to_string();
                        match key.trim() {
                            "title" if !value.is_empty() => title = Some(value),
                            "date" if !value.is_empty() => date = Some(value),
                            _ => {}
                        }
                    }
                }
                body = &rest[end + 4..];
            }
        }
        if title.is_none() {
            title = body
                .lines()
                .find_map(|l| l.strip_prefix("# ").map(|t| t.trim().to_string()))
                .filter(|t| !t.is_empty());
        }
    } else {
        // A first line standing alone, without a final period, is a headline.
        let mut paragraphs = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
        if let (Some(first), Some(_)) = (paragraphs.next(), paragraphs.next()) {
            let headline = !first.contains('\n')
                && first.len() < 160
                && !first.ends_with(['.', '”', '"', '?', '!', ':'])
                && !first.contains(" — ");
            if headline {
                title = Some(first.to_string());
            }
        }
    }
    (title, date)
}

/// Builds a lexicon from articles. Same articles, same lexicon, whatever
/// their order.
pub fn build(articles: &[Article]) -> Lexicon {
    let mut sorted: Vec<&Article> = articles.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
    let findings: Vec<_> = sorted.par_iter().map(|a| extract::extract(a)).collect();
    combine::combine(&sorted, findings)
}

/// Like [`build`], calling `progress` once per article as it finishes
/// (from worker threads).
pub fn build_with_progress(articles: &[Article], progress: &(dyn Fn() + Sync)) -> Lexicon {
    let mut sorted: Vec<&Article> = articles.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
    let findings: Vec<_> = sorted
        .par_iter()
        .map(|a| {
            let f = extract::extract(a);
            progress();
            f
        })
        .collect();
    combine::combine(&sorted, findings)
}

/// Why an article could not be read.
#[derive(Debug)]
pub struct ArticleError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ArticleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ArticleError {}

fn is_article(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("md" | "markdown" | "txt")
    )
}

/// The article files named by `inputs`: files as given, directories searched
/// recursively for `.md`, `.markdown` and `.txt` (skipping hidden
/// directories, `target` and `node_modules`), in a stable order.
pub fn collect_articles(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, ArticleError> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| ArticleError {
            path: input.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            let walker = walkdir::WalkDir::new(input)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| {
                    let name = e.file_name().to_string_lossy();
                    e.depth() == 0
                        || !(name.starts_with('.') || name == "target" || name == "node_modules")
                });
            for entry in walker {
                let entry = entry.map_err(|e| ArticleError {
                    path: input.clone(),
                    message: e.to_string(),
                })?;
                if entry.file_type().is_file() && is_article(entry.path()) {
                    out.push(entry.into_path());
                }
            }
        } else {
            out.push(input.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Reads an article; its lexicon path is relative to `lexicon_dir`.
pub fn load_article(path: &Path, lexicon_dir: &Path) -> Result<Article, ArticleError> {
    let bytes = std::fs::read(path).map_err(|e| ArticleError {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ArticleError {
        path: path.to_path_buf(),
        message: "not UTF-8 text; convert it to UTF-8 first".into(),
    })?;
    let relative = relative_path(path, lexicon_dir);
    Ok(Article::new(&relative, text, DocKind::from_path(path)))
}

/// `path` relative to `base`, with forward slashes, as lexicons record it.
pub fn relative_path(path: &Path, base: &Path) -> String {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        };
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (path, base) = (abs(path), abs(base));
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &p[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

//! The I/O around the pure core: finding and reading `copydesk.toml` and
//! lexicon files. Shared by the server and the CLI so both see the same
//! lexicons.
//!
//! Trust: paths from the user's own settings may point anywhere; paths from
//! files inside a repository (copydesk.toml, discovery) must stay inside the
//! workspace root, so an untrusted checkout cannot make copydesk read
//! outside it.

use std::path::{Component, Path, PathBuf};

use crate::analysis::LexiconInput;
use crate::config::{Settings, Warnings};
use crate::lexicon;

pub const CONFIG_FILE: &str = "copydesk.toml";
const DISCOVERY_MAX_DEPTH: usize = 8;
const DISCOVERY_MAX_FILES: usize = 64;
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target", ".hg", ".svn", ".venv"];
/// A lexicon larger than this is refused rather than read into memory.
pub const MAX_LEXICON_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A lexicon that could not be loaded: the file, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            _ => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Where a lexicon path came from decides whether it may leave the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The user's editor settings or command line: trusted.
    User,
    /// A file in the workspace (copydesk.toml) or discovery: confined to the root.
    Workspace,
}

/// Reads `copydesk.toml` at the root, if any.
pub fn read_config(root: &Path) -> Result<Option<(Settings, Warnings)>, String> {
    let path = root.join(CONFIG_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Settings::from_toml(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The lexicon files to load, in order of precedence: the user's settings,
/// then `copydesk.toml`, then every `*.lexicon.json` under the root.
/// Returns the paths with their origin, and refusals for paths that would
/// leave the workspace.
pub fn lexicon_paths(
    root: Option<&Path>,
    user: Option<&[String]>,
    config: Option<&[String]>,
) -> (Vec<(PathBuf, Origin)>, Vec<LoadError>) {
    let resolve = |p: &str| -> PathBuf {
        let p = Path::new(p);
        match root {
            Some(r) if p.is_relative() => r.join(p),
            _ => p.to_path_buf(),
        }
    };
    if let Some(paths) = user {
        return (
            paths.iter().map(|p| (resolve(p), Origin::User)).collect(),
            Vec::new(),
        );
    }
    let Some(root) = root else {
        return (Vec::new(), Vec::new());
    };
    if let Some(paths) = config {
        let mut ok = Vec::new();
        let mut refused = Vec::new();
        for p in paths {
            match confined(root, Path::new(p)).filter(|path| resolves_inside(root, path)) {
                Some(path) => ok.push((path, Origin::Workspace)),
                None => refused.push(LoadError {
                    path: root.join(CONFIG_FILE),
                    line: None,
                    column: None,
                    message: format!(
                        "lexicon path \"{p}\" leaves the workspace; copydesk.toml may only name files inside it (set `copydesk.lexicons` in your editor settings to use it)"
                    ),
                }),
            }
        }
        return (ok, refused);
    }
    (
        discover(root)
            .into_iter()
            .map(|p| (p, Origin::Workspace))
            .collect(),
        Vec::new(),
    )
}

/// `root.join(rel)` if it stays inside `root` (lexically: no `..` escaping,
/// not absolute), else `None`.
pub fn confined(root: &Path, rel: &Path) -> Option<PathBuf> {
    if rel.is_absolute() {
        return None;
    }
    let mut depth = 0i32;
    for c in rel.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(root.join(rel))
}

/// Whether `path`, every symbolic link resolved, is inside `root`: a
/// repository can hold a link that is lexically inside it and points
/// anywhere. A path that does not exist passes (reading it fails anyway).
pub fn resolves_inside(root: &Path, path: &Path) -> bool {
    match (std::fs::canonicalize(root), std::fs::canonicalize(path)) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => true,
    }
}

/// Every `*.lexicon.json` under the root, sorted, bounded in depth and count.
/// Symbolic links are neither followed nor read.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .max_depth(DISCOVERY_MAX_DEPTH)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            !(e.file_type().is_dir()
                && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(".lexicon.json")
        })
        .map(|e| e.into_path())
        .take(DISCOVERY_MAX_FILES)
        .collect();
    found.sort();
    found
}

/// Reads and parses one lexicon file.
pub fn load_lexicon(path: &Path) -> Result<LexiconInput, LoadError> {
    let err = |message: String| LoadError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(io_message(&e)))?;
    if meta.len() > MAX_LEXICON_BYTES {
        return Err(err(format!(
            "lexicon is {} bytes, more than copydesk reads ({MAX_LEXICON_BYTES})",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| err(io_message(&e)))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        err(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let lexicon = lexicon::parse(&text).map_err(|e| LoadError {
        path: path.to_path_buf(),
        line: Some(e.line),
        column: Some(e.column),
        message: e.message,
    })?;
    Ok(LexiconInput {
        path: path.to_path_buf(),
        text,
        lexicon,
    })
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "file not found".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Whether a source article named by a lexicon may be read: inside the
/// workspace root or inside the lexicon's own directory.
pub fn may_read_source(source: &Path, lexicon: &Path, root: Option<&Path>) -> bool {
    let within = |base: &Path| {
        source
            .strip_prefix(base)
            .is_ok_and(|rel| confined(base, rel).is_some())
            && resolves_inside(base, source)
    };
    let lexicon_dir = lexicon.parent().unwrap_or(Path::new(""));
    within(lexicon_dir) || root.is_some_and(within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_paths_cannot_escape() {
        let root = Path::new("/ws");
        assert_eq!(
            confined(root, Path::new("desk/a.lexicon.json")),
            Some(PathBuf::from("/ws/desk/a.lexicon.json"))
        );
        assert_eq!(
            confined(root, Path::new("desk/../a.json")),
            Some(PathBuf::from("/ws/desk/../a.json"))
        );
        assert_eq!(confined(root, Path::new("../../etc/passwd")), None);
        assert_eq!(confined(root, Path::new("/etc/passwd")), None);
        let cfg = vec![
            "../x.lexicon.json".to_string(),
            "ok.lexicon.json".to_string(),
        ];
        let (ok, refused) = lexicon_paths(Some(root), None, Some(&cfg));
        assert_eq!(
            ok,
            vec![(PathBuf::from("/ws/ok.lexicon.json"), Origin::Workspace)]
        );
        assert!(refused[0].message.contains("leaves the workspace"));
        let user = vec!["/elsewhere/desk.lexicon.json".to_string()];
        let (ok, refused) = lexicon_paths(Some(root), Some(&user), Some(&cfg));
        assert_eq!(
            ok,
            vec![(PathBuf::from("/elsewhere/desk.lexicon.json"), Origin::User)]
        );
        assert!(refused.is_empty());
    }

    #[test]
    fn sources_stay_near_their_lexicon_or_in_the_workspace() {
        let lex = Path::new("/ws/desk/a.lexicon.json");
        assert!(may_read_source(
            Path::new("/ws/desk/articles/x.txt"),
            lex,
            None
        ));
        assert!(!may_read_source(
            Path::new("/ws/desk/../../etc/passwd"),
            lex,
            Some(Path::new("/ws"))
        ));
        assert!(may_read_source(
            Path::new("/ws/other/x.txt"),
            lex,
            Some(Path::new("/ws"))
        ));
    }
}

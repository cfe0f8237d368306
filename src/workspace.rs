//! The I/O around the pure core: finding and reading `copydesk.toml` and
//! lexicon files. Shared by the server and the CLI so both see the same
//! lexicons.
//!
//! Trust: paths from the user's own settings may point anywhere; paths from
//! files inside a repository (copydesk.toml, discovery) must stay inside the
//! workspace root, so an untrusted checkout cannot make copydesk read
//! outside it.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::analysis::index_cache::{self, CacheKey, CacheMiss, ContentHasher, FileHash, Header};
use crate::analysis::{LexiconIndex, LexiconInput, LexiconPart};
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

/// Reads and parses one lexicon file, keeping every field (for tools that
/// need the whole file model; loading an index goes through [`load_index`]).
pub fn load_lexicon(path: &Path) -> Result<LexiconInput, LoadError> {
    let text = read_lexicon_text(path)?;
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

/// Where and when compiled indexes are cached (see docs/lexicon.md, "The
/// index cache").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    pub enabled: bool,
    /// Used when the lexicon's own directory cannot be written.
    pub fallback_dir: Option<PathBuf>,
    /// Lexicons smaller than this together are rebuilt every time: they
    /// build faster than a cache would be checked.
    pub min_bytes: u64,
}

/// The suffix of a cache file beside its lexicon.
pub const CACHE_SUFFIX: &str = ".copydesk-cache";

impl CacheSettings {
    /// Beside the lexicon, else `$XDG_CACHE_HOME/copydesk` (or
    /// `~/.cache/copydesk`), for lexicons of 1 MiB and more.
    pub fn standard() -> CacheSettings {
        let fallback_dir = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("copydesk"));
        CacheSettings {
            enabled: true,
            fallback_dir,
            min_bytes: 1024 * 1024,
        }
    }

    pub fn disabled() -> CacheSettings {
        CacheSettings {
            enabled: false,
            fallback_dir: None,
            min_bytes: u64::MAX,
        }
    }

    /// The places a cache for lexicons whose first is `first` may be, in
    /// the order they are tried.
    fn locations(&self, first: &Path) -> Vec<PathBuf> {
        let mut name = first.as_os_str().to_owned();
        name.push(CACHE_SUFFIX);
        let mut out = vec![PathBuf::from(name)];
        if let Some(dir) = &self.fallback_dir {
            let absolute = std::path::absolute(first).unwrap_or_else(|_| first.to_path_buf());
            let id = ContentHasher::of(absolute.as_os_str().as_encoded_bytes()).hash;
            let file = first
                .file_name()
                .map_or_else(|| "lexicon".into(), |n| n.to_string_lossy().into_owned());
            out.push(dir.join(format!("{file}.{:016x}{CACHE_SUFFIX}", id as u64)));
        }
        out
    }
}

/// The lexicons of a workspace compiled into one index.
pub struct IndexLoad {
    pub index: LexiconIndex,
    /// The lexicons that could not be loaded, in the order given.
    pub errors: Vec<LoadError>,
    /// Of those, the ones whose previous version is still in the index.
    pub kept: Vec<PathBuf>,
    /// What happened with the cache, for the log.
    pub cache_note: Option<String>,
}

/// Loads lexicons into one index, through the cache where one is sound.
///
/// A lexicon that fails to load is reported in `errors`; if `previous` holds
/// a version of it (same path), that version stays in the new index. Only
/// an index built from every lexicon, freshly read, is written to the
/// cache; a cache that cannot be read or written only costs a rebuild.
pub fn load_index(
    paths: &[PathBuf],
    previous: Option<&LexiconIndex>,
    cache: &CacheSettings,
) -> IndexLoad {
    let total: u64 = paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let use_cache = cache.enabled && !paths.is_empty() && total >= cache.min_bytes;
    let mut notes = Vec::new();
    if use_cache {
        let locations = cache.locations(&paths[0]);
        // The lexicons are hashed while the cache is read: the key is
        // compared once both are done.
        let (hashes, mut first) = rayon::join(
            || {
                paths
                    .par_iter()
                    .map(|p| hash_file(p))
                    .collect::<Result<Vec<FileHash>, LoadError>>()
            },
            || read_cache(&locations[0]),
        );
        if let Ok(files) = hashes {
            let key = cache_key(paths, &files);
            for (i, location) in locations.iter().enumerate() {
                let found = match i {
                    0 => std::mem::replace(&mut first, Ok(None)),
                    _ => read_cache(location),
                };
                let why = match found {
                    Ok(Some((found_key, index))) if found_key == key => {
                        return IndexLoad {
                            index,
                            errors: Vec::new(),
                            kept: Vec::new(),
                            cache_note: Some(format!("index read from {}", location.display())),
                        }
                    }
                    Ok(Some(_)) => CacheMiss::Stale.to_string(),
                    Ok(None) => continue,
                    Err(why) => why,
                };
                notes.push(format!(
                    "index cache {} not used: {why}; rebuilding",
                    location.display()
                ));
            }
        }
    }

    let loaded: Vec<Result<(LexiconPart, FileHash), LoadError>> =
        paths.par_iter().map(|path| load_part(path)).collect();
    let mut parts = Vec::new();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut kept = Vec::new();
    for (path, result) in paths.iter().zip(loaded) {
        match result {
            Ok((part, file)) => {
                parts.push(part);
                files.push(file);
            }
            Err(e) => {
                let old = previous.and_then(|index| {
                    let i = index.lexicons.iter().position(|l| &l.path == path)?;
                    index.part(i)
                });
                if let Some(part) = old {
                    parts.push(part);
                    kept.push(path.clone());
                }
                errors.push(e);
            }
        }
    }
    let index = LexiconIndex::build_parts(parts);
    if use_cache && errors.is_empty() {
        let bytes = index_cache::encode(&index, cache_key(paths, &files));
        match write_cache(&cache.locations(&paths[0]), &bytes) {
            Ok(location) => notes.push(format!("index cached in {}", location.display())),
            Err(e) => notes.push(format!("index not cached: {e}")),
        }
    }
    IndexLoad {
        index,
        errors,
        kept,
        cache_note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

fn cache_key(paths: &[PathBuf], files: &[FileHash]) -> CacheKey {
    let lexicons: Vec<(&Path, FileHash)> = paths
        .iter()
        .map(PathBuf::as_path)
        .zip(files.iter().copied())
        .collect();
    CacheKey::new(program_identity(), &lexicons)
}

/// This copydesk program: its size and modification time, so that any
/// rebuilt binary (not only a new version) ignores caches an older one
/// wrote.
fn program_identity() -> &'static [u8] {
    static IDENTITY: OnceLock<Vec<u8>> = OnceLock::new();
    IDENTITY.get_or_init(|| {
        let meta = std::env::current_exe().and_then(std::fs::metadata);
        let mut id = Vec::new();
        if let Ok(meta) = meta {
            id.extend_from_slice(&meta.len().to_le_bytes());
            if let Ok(t) = meta.modified() {
                let since = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                id.extend_from_slice(&since.as_nanos().to_le_bytes());
            }
        }
        id
    })
}

/// The cached index at `location` and the key it was built for, if the
/// file is a sound cache; `Ok(None)` if there is none; why not otherwise.
///
/// The file is mapped, not read: the index reads its entries in place
/// (see docs/lexicon.md, "The index cache", for why a mapping is safe here).
fn read_cache(location: &Path) -> Result<Option<(CacheKey, LexiconIndex)>, String> {
    let file = match std::fs::File::open(location) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_message(&e)),
    };
    let len = file.metadata().map_err(|e| io_message(&e))?.len();
    if len < index_cache::HEADER_LEN as u64 {
        // Too short to be worth mapping (and an empty file cannot be).
        let mut head = Vec::new();
        read_up_to(&mut &file, len, &mut head)?;
        return Err(match Header::read(&head) {
            Ok(_) => CacheMiss::Truncated.to_string(),
            Err(m) => m.to_string(),
        });
    }
    // SAFETY: a mapping is undefined behaviour if the file changes under
    // it. copydesk never changes a cache file in place: it writes a new one
    // and renames it over the old, so a mapped file keeps its contents for
    // as long as it is mapped; only another program writing into or
    // truncating the file could (docs/lexicon.md, "The index cache").
    // Populated at once: the checksum reads every page anyway, and one
    // call maps them all faster than a fault per page would.
    let map =
        unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(|e| io_message(&e))?;
    let (key, index) = index_cache::decode_shared(Arc::new(map)).map_err(|m| m.to_string())?;
    Ok(Some((key, index)))
}

fn read_up_to(file: &mut &std::fs::File, n: u64, into: &mut Vec<u8>) -> Result<(), String> {
    file.take(n)
        .read_to_end(into)
        .map(|_| ())
        .map_err(|e| io_message(&e))
}

/// Writes the cache at the first location that takes it.
fn write_cache(locations: &[PathBuf], bytes: &[u8]) -> Result<PathBuf, String> {
    let mut why = Vec::new();
    for location in locations {
        if let Some(dir) = location.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match crate::files::write_atomically(location, bytes) {
            Ok(()) => return Ok(location.clone()),
            Err(e) => why.push(format!("{}: {}", location.display(), io_message(&e))),
        }
    }
    Err(why.join("; "))
}

fn check_size(path: &Path) -> Result<(), LoadError> {
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
    Ok(())
}

/// A lexicon file's hash, read in chunks (never whole in memory).
fn hash_file(path: &Path) -> Result<FileHash, LoadError> {
    check_size(path)?;
    let err = |e: std::io::Error| LoadError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message: io_message(&e),
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = ContentHasher::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(hasher.finish())
}

/// Reads one lexicon as the index needs it (unknown fields skipped), with
/// the hash of exactly the bytes that were parsed.
fn load_part(path: &Path) -> Result<(LexiconPart, FileHash), LoadError> {
    let text = read_lexicon_text(path)?;
    let file = ContentHasher::of(text.as_bytes());
    let lexicon = lexicon::parse_known(&text).map_err(|e| LoadError {
        path: path.to_path_buf(),
        line: Some(e.line),
        column: Some(e.column),
        message: e.message,
    })?;
    let part = LexiconPart::from(LexiconInput {
        path: path.to_path_buf(),
        text,
        lexicon,
    });
    Ok((part, file))
}

fn read_lexicon_text(path: &Path) -> Result<String, LoadError> {
    let err = |message: String| LoadError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message,
    };
    check_size(path)?;
    let bytes = std::fs::read(path).map_err(|e| err(io_message(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        err(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
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

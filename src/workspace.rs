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
use std::time::{Duration, SystemTime};

use rayon::prelude::*;

use crate::analysis::index_cache::{
    self, CacheKey, CacheMiss, ContentHasher, FileHash, FileStat, Header, Stamp,
};
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
    /// A lexicon changed less than this before it was read is read again
    /// at the next start rather than trusted by its stat: more than any
    /// filesystem's timestamp granularity (FAT's two seconds) and than the
    /// skew of a network filesystem's clock behind this one (see
    /// docs/lexicon.md, "The index cache").
    pub racy_margin: Duration,
}

/// See [`CacheSettings::racy_margin`].
pub const RACY_MARGIN: Duration = Duration::from_secs(3);

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
            racy_margin: RACY_MARGIN,
        }
    }

    pub fn disabled() -> CacheSettings {
        CacheSettings {
            enabled: false,
            fallback_dir: None,
            min_bytes: u64::MAX,
            racy_margin: RACY_MARGIN,
        }
    }

    /// The places a cache for lexicons whose first is `first` may be, in
    /// the order they are tried.
    pub fn locations(&self, first: &Path) -> Vec<PathBuf> {
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
    let metadata: Vec<Option<std::fs::Metadata>> =
        paths.iter().map(|p| std::fs::metadata(p).ok()).collect();
    let total: u64 = metadata.iter().flatten().map(|m| m.len()).sum();
    let use_cache = cache.enabled && !paths.is_empty() && total >= cache.min_bytes;
    let mut notes = Vec::new();
    if use_cache {
        let stats: Vec<Option<FileStat>> =
            metadata.iter().map(|m| file_stat(m.as_ref()?)).collect();
        if let Some(index) = load_cached(paths, &stats, cache, &mut notes) {
            return IndexLoad {
                index,
                errors: Vec::new(),
                kept: Vec::new(),
                cache_note: Some(notes.join("; ")),
            };
        }
    }

    let loaded: Vec<_> = paths.par_iter().map(|path| load_part(path)).collect();
    let mut parts = Vec::new();
    let mut files = Vec::new();
    let mut stamps = Vec::new();
    let mut errors = Vec::new();
    let mut kept = Vec::new();
    for (path, result) in paths.iter().zip(loaded) {
        match result {
            Ok((part, stamp, file)) => {
                parts.push(part);
                files.push(file);
                stamps.push(stamp);
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
        // Every lexicon loaded: `stamps` is in the order of `paths`.
        match store(&index, paths, cache_key(paths, &files), stamps, cache) {
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

/// The cached index for `paths`, from the first place that holds a sound
/// one; `None` if none does (why is in `notes`) or a lexicon cannot be
/// read (the rebuild reports it).
///
/// A lexicon whose stat the cache's stamps vouch for is not read: its
/// recorded hash goes into the key. The others are hashed while the cache
/// is checked; the key is compared once both are done.
fn load_cached(
    paths: &[PathBuf],
    stats: &[Option<FileStat>],
    cache: &CacheSettings,
    notes: &mut Vec<String>,
) -> Option<LexiconIndex> {
    let mut hashes: Vec<Option<FileHash>> = vec![None; paths.len()];
    let mut hashed = 0;
    for location in cache.locations(&paths[0]) {
        let why = match map_cache(&location) {
            Ok(None) => continue,
            Err(why) => why,
            Ok(Some((map, header))) => {
                let stamps = header.stamps(&map[..]);
                let mut todo = Vec::new();
                for (i, hash) in hashes.iter_mut().enumerate() {
                    if hash.is_none() {
                        *hash = stats[i].and_then(|now| {
                            stamps
                                .iter()
                                .find_map(|s| s.vouches_for(&now, cache.racy_margin))
                        });
                        if hash.is_none() {
                            todo.push(i);
                        }
                    }
                }
                let (files, found) = rayon::join(
                    || {
                        todo.par_iter()
                            .map(|&i| Ok((i, hash_file(&paths[i])?.1)))
                            .collect::<Result<Vec<(usize, FileHash)>, LoadError>>()
                    },
                    || index_cache::decode_shared(map),
                );
                for (i, file) in files.ok()? {
                    hashes[i] = Some(file);
                    hashed += 1;
                }
                let files: Vec<FileHash> = hashes.iter().flatten().copied().collect();
                match found {
                    Ok((key, index)) if key == cache_key(paths, &files) => {
                        index.set_rebuild(rebuild(paths, key, cache, &location));
                        notes.push(format!(
                            "index read from {} ({} of {} lexicons unchanged since hashed, not read)",
                            location.display(),
                            paths.len() - hashed,
                            paths.len()
                        ));
                        return Some(index);
                    }
                    Ok(_) => CacheMiss::Stale.to_string(),
                    Err(miss) => miss.to_string(),
                }
            }
        };
        notes.push(format!(
            "index cache {} not used: {why}; rebuilding",
            location.display()
        ));
    }
    None
}

/// How an index read from the cache at `location` is built afresh should
/// its entries turn out damaged when they are read (they are checked block
/// by block as they are read, not at the start): from the same lexicons,
/// if they still hash to what the cache was built from, written over the
/// damaged cache. The user is told on stderr (the index keeps the same
/// account, [`LexiconIndex::damage`]).
fn rebuild(
    paths: &[PathBuf],
    key: CacheKey,
    cache: &CacheSettings,
    location: &Path,
) -> crate::analysis::index::Rebuild {
    let paths = paths.to_vec();
    let cache = cache.clone();
    let location = location.to_path_buf();
    Box::new(move |why| {
        eprintln!(
            "copydesk: index cache {} is damaged ({why}); rebuilding the index from the lexicons",
            location.display()
        );
        // A pool of its own: the caller's pool may be busy waiting for this.
        let pool = rayon::ThreadPoolBuilder::new()
            .build()
            .map_err(|e| e.to_string())?;
        let loaded = pool.install(|| {
            paths
                .par_iter()
                .map(|path| load_part(path))
                .collect::<Result<Vec<_>, LoadError>>()
        });
        let loaded = loaded.map_err(|e| {
            let why = format!("{e}");
            eprintln!("copydesk: the index cannot be rebuilt: {why}");
            why
        })?;
        let mut parts = Vec::new();
        let mut stamps = Vec::new();
        let mut files = Vec::new();
        for (part, stamp, file) in loaded {
            parts.push(part);
            stamps.push(stamp);
            files.push(file);
        }
        if cache_key(&paths, &files) != key {
            let why = "the lexicons changed since the index was loaded";
            eprintln!("copydesk: the index cannot be rebuilt as it was: {why}");
            return Err(why.into());
        }
        let index = pool.install(|| LexiconIndex::build_parts(parts));
        match store(&index, &paths, key, stamps, &cache) {
            Ok(at) => eprintln!("copydesk: index rebuilt and cached in {}", at.display()),
            Err(e) => eprintln!("copydesk: index rebuilt, not cached: {e}"),
        }
        Ok(index)
    })
}

/// The stamps to record with a fresh cache. A lexicon read too soon after
/// it last changed to be trusted by its stat later (see [`Stamp`]) is read
/// and hashed again now, if that is long enough after: a rebuild of a large
/// lexicon takes seconds, so a lexicon saved just before the load still
/// gets a stamp a later start can trust. If it changed meanwhile, the old
/// stamp stays (vouching for nothing) and the next start finds the cache
/// stale.
/// Writes `index` to the cache for `paths` (every lexicon loaded, `stamps`
/// in their order): the one way a fresh load and a rebuild of a damaged
/// cache store what they built. Where it went, or why it could not be.
fn store(
    index: &LexiconIndex,
    paths: &[PathBuf],
    key: CacheKey,
    stamps: Vec<Option<Stamp>>,
    cache: &CacheSettings,
) -> Result<PathBuf, String> {
    let stamps = settle(paths, stamps, cache.racy_margin);
    write_cache(
        &cache.locations(&paths[0]),
        &index_cache::encode(index, key, &stamps),
    )
}

fn settle(paths: &[PathBuf], stamps: Vec<Option<Stamp>>, margin: Duration) -> Vec<Stamp> {
    let now = nanos_since_epoch(SystemTime::now());
    stamps
        .into_iter()
        .zip(paths)
        .filter_map(|(stamp, path)| Some((stamp?, path)))
        .map(|(stamp, path)| {
            let changed = stamp.stat.mtime_ns.max(stamp.stat.ctime_ns);
            if stamp.is_settled(margin) || now - changed <= margin.as_nanos() as i128 {
                return stamp;
            }
            match hash_file(path) {
                Ok((Some(again), _)) if again.file == stamp.file => again,
                _ => stamp,
            }
        })
        .collect()
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

/// The cache file at `location`, mapped, and its header; `Ok(None)` if
/// there is none; why it cannot be used otherwise.
///
/// The file is mapped, not read: the index reads its entries in place
/// (see docs/lexicon.md, "The index cache", for why a mapping is safe here).
fn map_cache(location: &Path) -> Result<Option<(Arc<memmap2::Mmap>, Header)>, String> {
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
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| io_message(&e))?;
    // Not populated: the start reads the hashed part whole, the entries
    // only where a draft needs them.
    //
    // Huge pages for the mapping, so that a cache file the page cache does
    // not hold (after a reboot, or evicted) is read back by the faults in
    // 2 MiB folios, as a freshly written one already sits. Read back page
    // by page, it cost every later `check` of ten drafts 15% more CPU in
    // page faults (BENCHMARKS.md, session 17). Only speed is at stake, so
    // a kernel without transparent huge pages is no error. The language
    // server, which turns huge pages off for itself (src/main.rs), still
    // reads the file back in large folios, mapped a folio per fault: its
    // resident size is then what it is with a freshly written cache.
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::HugePage);
    let header = Header::read(&map[..]).map_err(|m| m.to_string())?;
    Ok(Some((Arc::new(map), header)))
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

/// A lexicon file's hash, read in chunks (never whole in memory), with
/// its stamp (where the system gives the stat one needs).
fn hash_file(path: &Path) -> Result<(Option<Stamp>, FileHash), LoadError> {
    check_size(path)?;
    let err = |e: std::io::Error| LoadError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message: io_message(&e),
    };
    let read_from = SystemTime::now();
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
    let hash = hasher.finish();
    Ok((stamp(&file, hash, read_from), hash))
}

/// The stamp of a file just read whole from `file`, which hashed to `hash`,
/// the read having begun at `read_from`: the stat is taken after the read
/// (see [`Stamp`] for why that order).
fn stamp(file: &std::fs::File, hash: FileHash, read_from: SystemTime) -> Option<Stamp> {
    let stat = file_stat(&file.metadata().ok()?)?;
    Some(Stamp {
        file: hash,
        stat,
        read_from_ns: nanos_since_epoch(read_from),
    })
}

/// What the cache's stamps record of a file, where the system gives it
/// all (a change time and a file identity are Unix's).
#[cfg(unix)]
fn file_stat(meta: &std::fs::Metadata) -> Option<FileStat> {
    use std::os::unix::fs::MetadataExt;
    let ns = |secs: i64, nsec: i64| secs as i128 * 1_000_000_000 + nsec as i128;
    Some(FileStat {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
        ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
    })
}

/// Elsewhere every start reads every lexicon.
#[cfg(not(unix))]
fn file_stat(_: &std::fs::Metadata) -> Option<FileStat> {
    None
}

fn nanos_since_epoch(t: SystemTime) -> i128 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// Reads one lexicon as the index needs it (unknown fields skipped), with
/// the hash of exactly the bytes that were parsed and their stamp.
fn load_part(path: &Path) -> Result<(LexiconPart, Option<Stamp>, FileHash), LoadError> {
    let read_from = SystemTime::now();
    let (text, file) = read_lexicon(path)?;
    let hash = ContentHasher::of(text.as_bytes());
    let stamp = stamp(&file, hash, read_from);
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
    Ok((part, stamp, hash))
}

fn read_lexicon_text(path: &Path) -> Result<String, LoadError> {
    Ok(read_lexicon(path)?.0)
}

/// A lexicon's text, and the file it was read from (still open, for its stat).
fn read_lexicon(path: &Path) -> Result<(String, std::fs::File), LoadError> {
    let err = |message: String| LoadError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        message,
    };
    check_size(path)?;
    let mut file = std::fs::File::open(path).map_err(|e| err(io_message(&e)))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| err(io_message(&e)))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        err(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok((text, file))
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

    #[test]
    fn a_racy_stamp_is_settled_by_reading_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.lexicon.json");
        std::fs::write(&path, "{}").unwrap();
        let margin = Duration::from_millis(10);
        let (stamp, hash) = hash_file(&path).unwrap();
        // As if read the instant it was written.
        let racy = Stamp {
            read_from_ns: stamp.unwrap().stat.ctime_ns,
            ..stamp.unwrap()
        };
        assert!(!racy.is_settled(margin));
        std::thread::sleep(Duration::from_millis(50));
        let settled = settle(std::slice::from_ref(&path), vec![Some(racy)], margin);
        assert_eq!(settled.len(), 1);
        assert!(settled[0].is_settled(margin), "{settled:?}");
        assert_eq!(settled[0].file, hash);
        assert_eq!(settled[0].stat, racy.stat);

        // Changed since it was read: the racy stamp stays, vouching for
        // nothing.
        std::fs::write(&path, "{ }").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(settle(&[path], vec![Some(racy)], margin), vec![racy]);
    }
}

//! Reading and writing the files copydesk owns.
//!
//! Every file the tool writes goes through [`write_atomically`]: a temporary
//! file in the same directory, flushed to disk, then renamed over the target.
//! A crash, a kill or a full disk leaves either the old file or the new one,
//! never half of one.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::lexicon::{self, Lexicon, LexiconError};

/// Writes `bytes` to `path` atomically.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

/// Writes `path` atomically with whatever `write` puts in the file. If `write`
/// fails, the temporary file is removed and `path` is left as it was.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map_or_else(|| "copydesk".into(), |n| n.to_string_lossy().into_owned());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    write(temp.as_file_mut())?;
    temp.as_file_mut().flush()?;
    temp.as_file().sync_all()?;
    // Keep the permissions of the file being replaced.
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable where the platform allows it.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    remove_abandoned_temporaries(&dir, &file_name);
    Ok(())
}

/// A writer killed between creating its temporary file and the rename
/// leaves the temporary behind (nothing runs on SIGKILL). The next write of
/// the same file removes such leftovers, but only old ones: a young one may
/// belong to a writer still at work in another process.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

fn remove_abandoned_temporaries(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        // tempfile's names: prefix, six random characters, suffix.
        let is_ours = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .is_some_and(|random| {
                random.len() == 6 && random.chars().all(|c| c.is_ascii_alphanumeric())
            });
        let abandoned = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ABANDONED_AFTER);
        if is_ours && abandoned && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Why a lexicon file could not be read.
#[derive(Debug)]
pub enum ReadLexiconError {
    Io { path: PathBuf, error: io::Error },
    Invalid { path: PathBuf, error: LexiconError },
}

impl fmt::Display for ReadLexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadLexiconError::Io { path, error } => {
                write!(f, "{}: cannot read the lexicon: {error}", path.display())
            }
            ReadLexiconError::Invalid { path, error } => write!(
                f,
                "{}:{}:{}: not a valid copydesk lexicon: {}",
                path.display(),
                error.line,
                error.column,
                error.message
            ),
        }
    }
}

impl std::error::Error for ReadLexiconError {}

impl ReadLexiconError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadLexiconError::Io { error, .. } if error.kind() == io::ErrorKind::NotFound)
    }
}

/// Reads and validates a lexicon file.
pub fn read_lexicon(path: &Path) -> Result<Lexicon, ReadLexiconError> {
    let bytes = std::fs::read(path).map_err(|error| ReadLexiconError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ReadLexiconError::Io {
        path: path.to_path_buf(),
        error: io::Error::new(io::ErrorKind::InvalidData, format!("not UTF-8 text ({e})")),
    })?;
    lexicon::parse(&text).map_err(|error| ReadLexiconError::Invalid {
        path: path.to_path_buf(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.lexicon.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_write_removes_what_a_killed_writer_left_long_ago_but_not_fresh_or_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.lexicon.json");
        let aged = |name: &str, age: u64| {
            let p = dir.path().join(name);
            let f = std::fs::File::create(&p).unwrap();
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(age);
            f.set_modified(when).unwrap();
            p
        };
        let abandoned = aged(".a.lexicon.json.Xy12Ab.tmp", 2 * 3600);
        let in_progress = aged(".a.lexicon.json.Qr34Cd.tmp", 60);
        let other_file = aged(".b.lexicon.json.Xy12Ab.tmp", 2 * 3600);
        let hand_made = aged(".a.lexicon.json.notes.tmp", 2 * 3600);
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(!abandoned.exists());
        assert!(in_progress.exists());
        assert!(other_file.exists());
        assert!(hand_made.exists());
    }

    #[test]
    fn a_failing_writer_leaves_the_old_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.lexicon.json");
        std::fs::write(&path, "old contents").unwrap();
        let err = write_atomically_with(&path, |f| {
            f.write_all(b"half of the new")?;
            Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old contents");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file removed"
        );
    }

    #[test]
    fn read_errors_name_the_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.lexicon.json");
        std::fs::write(
            &path,
            "{\n  \"copydesk_lexicon\": 1,\n  \"entities\": [,]\n}",
        )
        .unwrap();
        let msg = read_lexicon(&path).unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!(
                "{}:3:16: not a valid copydesk lexicon",
                path.display()
            )),
            "{msg}"
        );
        let missing = read_lexicon(&dir.path().join("none.json")).unwrap_err();
        assert!(missing.is_not_found());
    }
}

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
    Ok(())
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

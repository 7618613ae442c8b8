//! The latest snapshot, the one before it and their diff as files in a directory (`[files] dir`), for
//! tools that read files rather than HTTP.
//!
//! `<name>.latest.json`, `<name>.prev.json`, `<name>.diff.json` (only while there is a diff) and
//! `<name>.lock`. Writers (threads or processes) take an exclusive lock on the lock file, then: read
//! the old latest (a corrupt one counts as absent, with a warning), diff, link the old latest to prev,
//! and write the new latest atomically (temporary file, fsync, rename). A reader never sees a partial
//! file, and a writer killed at any point leaves every file whole.

mod writer;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use status_model::{Change, KeyFilter, diff};

pub(crate) use writer::FilesWriter;

/// How long a writer waits for another writer's lock before giving up on this snapshot.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// What one write did.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteOutcome {
    /// The changed keys against the old latest file; empty when there was none (or it was corrupt).
    pub changes: Vec<Change>,
}

/// A failed write. The files already in place stay whole.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// A file operation failed.
    #[error("failed to {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Another writer held the lock for too long.
    #[error("failed to lock {path}: held by another writer for more than {}s", LOCK_WAIT.as_secs())]
    Busy {
        /// The lock file.
        path: PathBuf,
    },
}

/// The files of one name in one directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFiles {
    /// `<name>.latest.json`
    pub latest: PathBuf,
    /// `<name>.prev.json`
    pub prev: PathBuf,
    /// `<name>.diff.json`
    pub diff: PathBuf,
    /// `<name>.lock`
    pub lock: PathBuf,
}

impl SnapshotFiles {
    /// The paths for `name` in `dir`. Characters other than ASCII letters, digits, `-`, `_` and `.`
    /// in `name` become `_`, so a name can never leave the directory.
    pub fn new(dir: &Path, name: &str) -> SnapshotFiles {
        let name = file_name(name);
        let path = |suffix: &str| dir.join(format!("{name}.{suffix}"));
        SnapshotFiles {
            latest: path("latest.json"),
            prev: path("prev.json"),
            diff: path("diff.json"),
            lock: path("lock"),
        }
    }
}

/// The diff file's content.
#[derive(Serialize)]
struct DiffFile<'a> {
    previous_taken_at: Option<&'a Value>,
    taken_at: Option<&'a Value>,
    changes: &'a [Change],
}

/// Writes `json` (whose parsed form is `value`) as the latest snapshot of `name` in `dir`, rotating
/// the old latest to prev and writing or removing the diff. Blocking: call it off the async runtime.
pub fn write_snapshot(
    dir: &Path,
    name: &str,
    json: &[u8],
    value: &Value,
    filter: &KeyFilter,
) -> Result<WriteOutcome, FilesError> {
    fs::create_dir_all(dir).map_err(io_error("create", dir))?;
    let files = SnapshotFiles::new(dir, name);
    let _lock = lock(&files.lock)?;

    let old = read_latest(&files.latest)?;
    let changes = match &old {
        Some(old) => diff::diff(old, value, filter),
        None => Vec::new(),
    };
    match &old {
        // A hard link keeps latest in place while prev takes its content, so latest never goes
        // missing, even for a writer killed between the two steps.
        Some(_) => {
            let staged = tmp(&files.prev);
            remove_if_present(&staged)?;
            match fs::hard_link(&files.latest, &staged) {
                Ok(()) => {}
                // File systems without hard links: copy instead.
                Err(_) => {
                    let bytes = fs::read(&files.latest).map_err(io_error("read", &files.latest))?;
                    write_synced(&staged, &bytes)?;
                }
            }
            fs::rename(&staged, &files.prev).map_err(io_error("rename to", &files.prev))?;
        }
        None => remove_if_present(&files.prev)?,
    }
    write_atomically(&files.latest, json)?;
    if changes.is_empty() {
        remove_if_present(&files.diff)?;
    } else {
        let taken_at = |v: &'_ Value| v.pointer("/collection/taken_at").cloned();
        let (previous_taken_at, taken_at_now) = (old.as_ref().and_then(taken_at), taken_at(value));
        let body = DiffFile {
            previous_taken_at: previous_taken_at.as_ref(),
            taken_at: taken_at_now.as_ref(),
            changes: &changes,
        };
        let bytes = serde_json::to_vec_pretty(&body)
            .map_err(|error| io_error("serialize", &files.diff)(io::Error::other(error)))?;
        write_atomically(&files.diff, &bytes)?;
    }
    sync_dir(dir)?;
    Ok(WriteOutcome { changes })
}

/// Replaces anything that is not a safe file-name character with `_`.
fn file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    match safe.trim_start_matches('.') {
        "" => "status".to_owned(),
        _ if safe.starts_with('.') => format!("_{safe}"),
        _ => safe,
    }
}

fn io_error(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FilesError {
    let path = path.to_owned();
    move |source| FilesError::Io { what, path, source }
}

/// Takes the exclusive lock, waiting up to [`LOCK_WAIT`]. Released when the file is closed.
fn lock(path: &Path) -> Result<File, FilesError> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(io_error("open", path))?;
    // Polling (rather than a blocking lock) bounds the wait; counting naps needs no clock.
    let nap = Duration::from_millis(1);
    let naps = LOCK_WAIT.as_millis() / nap.as_millis();
    for _ in 0..naps {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) => std::thread::sleep(nap),
            Err(fs::TryLockError::Error(source)) => return Err(io_error("lock", path)(source)),
        }
    }
    Err(FilesError::Busy { path: path.to_owned() })
}

/// The old latest snapshot; `None` when absent or not valid JSON (with a warning).
fn read_latest(path: &Path) -> Result<Option<Value>, FilesError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error("read", path)(error)),
    };
    match serde_json::from_slice(&bytes) {
        Ok(value) => Ok(Some(value)),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "corrupt latest snapshot file; treated as absent");
            Ok(None)
        }
    }
}

fn tmp(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes through a temporary file next to `path`, fsynced, then renamed over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FilesError> {
    let staged = tmp(path);
    write_synced(&staged, bytes)?;
    fs::rename(&staged, path).map_err(io_error("rename to", path))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), FilesError> {
    let mut file = File::create(path).map_err(io_error("create", path))?;
    file.write_all(bytes).map_err(io_error("write", path))?;
    file.sync_all().map_err(io_error("fsync", path))
}

fn remove_if_present(path: &Path) -> Result<(), FilesError> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => {
            Err(io_error("remove", path)(error))
        }
        _ => Ok(()),
    }
}

/// Makes the renames durable.
fn sync_dir(dir: &Path) -> Result<(), FilesError> {
    File::open(dir).and_then(|dir| dir.sync_all()).map_err(io_error("fsync", dir))
}

#[cfg(test)]
mod tests;

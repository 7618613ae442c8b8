//! The latest snapshot, the one before it and their diff as files in a directory (`[files] dir`), for
//! tools that read files rather than HTTP.
//!
//! `<name>.latest.json`, `<name>.prev.json`, `<name>.diff.json` (only while there is a diff) and
//! `<name>.lock`. The latest file is the snapshot with two more top-level keys, as scitex writes
//! it: `has_diff` (whether change detection found a change against the old latest) and
//! `diff_fields` (the changed dotted keys, sorted; the first 256). Writers (threads or processes)
//! take an exclusive lock on the lock file, then: read the old latest (a corrupt one, or one over [`MAX_LATEST_BYTES`], counts as absent, with a
//! warning), diff, link the old latest to prev, and write the new latest atomically (temporary file,
//! fsync, rename). A reader never sees a partial file, and a writer killed at any point leaves every
//! file whole.
//!
//! Every file is opened relative to a handle on the directory and never through a link: a symbolic
//! link where one of these files (or a temporary file) is expected fails the write with an error
//! naming it, and nothing is written. Files are created with `[files] mode` (default 0600); a missing
//! directory is created private (0700, plus search rights for whoever the mode lets read), and a
//! directory other users can write to is refused. A temporary file a failed write leaves is removed.

mod marks;
mod read;
mod writer;

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::AtFlags;

use serde::Serialize;
use serde_json::Value;
use status_model::{Change, KeyFilter, diff};

pub use marks::LATEST_DIFF_KEYS;
use read::read_latest;
pub(crate) use read::read_previous;
pub(crate) use writer::FilesWriter;

use marks::with_diff_fields;

use crate::config::FilesConfig;
use crate::private_fs::{self, DirError, OpenError};

/// The largest old `latest.json` read back for the diff (8 MiB); a bigger one counts as corrupt.
pub const MAX_LATEST_BYTES: u64 = 8 << 20;

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
    /// A symbolic link where one of the files (or a temporary file) was expected: refused, never
    /// followed, and nothing written.
    #[error("refusing to write through {path}: it is a symbolic link, not a file")]
    Link {
        /// The link.
        path: PathBuf,
    },
    /// Something other than a regular file (a directory, a FIFO) where a file was expected.
    #[error("refusing to use {path}: it is not a regular file")]
    NotAFile {
        /// The name.
        path: PathBuf,
    },
    /// The directory is writable by other users, who could plant or replace files in it.
    #[error(
        "refusing to write to {path}: the directory is writable by other users (mode {mode:04o}); \
         run `chmod o-w {path}`"
    )]
    Unsafe {
        /// The directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Another writer held the lock for too long.
    #[error("failed to lock {path}: held by another writer for more than {}s", LOCK_WAIT.as_secs())]
    Busy {
        /// The lock file.
        path: PathBuf,
    },
}

/// The files of one name in one directory.
///
/// ```
/// use std::path::Path;
///
/// use status_collect::SnapshotFiles;
///
/// let files = SnapshotFiles::new(Path::new("/var/lib/status"), "../web 1");
/// // The name cannot leave the directory.
/// assert_eq!(files.latest, Path::new("/var/lib/status/_.._web_1.latest.json"));
/// ```
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
/// the old latest to prev and writing or removing the diff, with files of mode 0600. Blocking: call
/// it off the async runtime.
pub fn write_snapshot(
    dir: &Path,
    name: &str,
    json: &[u8],
    value: &Value,
    filter: &KeyFilter,
) -> Result<WriteOutcome, FilesError> {
    write_snapshot_with_mode(dir, name, json, value, filter, FilesConfig::DEFAULT_MODE)
}

/// [`write_snapshot`] with files of `mode` (`[files] mode`; the bits outside 0o666 and write for
/// others are dropped).
pub fn write_snapshot_with_mode(
    dir: &Path,
    name: &str,
    json: &[u8],
    value: &Value,
    filter: &KeyFilter,
    mode: u32,
) -> Result<WriteOutcome, FilesError> {
    let mode = mode & 0o664;
    // Whoever the mode lets read the files may also look them up in the directory.
    let dir_mode = private_fs::PRIVATE_DIR | ((mode & 0o044) >> 2);
    let handle = private_fs::open_dir(dir, dir_mode).map_err(|error| match error {
        DirError::Io { path, source } => FilesError::Io { what: "open", path, source },
        DirError::WritableByOthers { path, mode } => FilesError::Unsafe { path, mode },
    })?;
    let at = Dir { fd: &handle, path: dir, mode };
    let files = SnapshotFiles::new(dir, name);
    let names = Names::new(name);
    let _lock = lock(&at, &names.lock)?;

    let (old, old_bytes) = match read_latest(&at, &names.latest)? {
        Some((value, bytes)) => (Some(value), Some(bytes)),
        None => (None, None),
    };
    let changes = match &old {
        Some(old) => diff::diff(old, value, filter),
        None => Vec::new(),
    };
    let latest = with_diff_fields(json, &changes);
    for name in [&names.latest, &names.prev, &names.diff] {
        at.refuse_link(name)?;
    }
    match &old_bytes {
        // A hard link keeps latest in place while prev takes its content, so latest never goes
        // missing, even for a writer killed between the two steps.
        Some(bytes) => {
            let staged = tmp(&names.prev);
            at.clear_staged(&staged)?;
            let linked = rustix::fs::linkat(
                &handle,
                names.latest.as_str(),
                &handle,
                staged.as_str(),
                AtFlags::empty(),
            );
            match linked {
                Ok(()) => at.rename(&staged, &names.prev)?,
                // File systems without hard links: copy what was read instead.
                Err(_) => at.write_atomically(&names.prev, bytes)?,
            }
        }
        None => at.remove(&names.prev)?,
    }
    at.write_atomically(&names.latest, &latest)?;
    if changes.is_empty() {
        at.remove(&names.diff)?;
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
        at.write_atomically(&names.diff, &bytes)?;
    }
    rustix::fs::fsync(&handle).map_err(|errno| io_error("fsync", dir)(errno.into()))?;
    Ok(WriteOutcome { changes })
}

/// The file names (within the directory) of one snapshot name.
struct Names {
    latest: String,
    prev: String,
    diff: String,
    lock: String,
}

impl Names {
    fn new(name: &str) -> Names {
        let name = file_name(name);
        Names {
            latest: format!("{name}.latest.json"),
            prev: format!("{name}.prev.json"),
            diff: format!("{name}.diff.json"),
            lock: format!("{name}.lock"),
        }
    }
}

/// The open files directory: every operation is relative to its handle and follows no link.
struct Dir<'a> {
    fd: &'a OwnedFd,
    path: &'a Path,
    mode: u32,
}

impl Dir<'_> {
    fn path(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    fn failed(&self, what: &'static str, name: &str, error: OpenError) -> FilesError {
        match error {
            OpenError::Link => FilesError::Link { path: self.path(name) },
            OpenError::NotAFile => FilesError::NotAFile { path: self.path(name) },
            OpenError::Io(source) => FilesError::Io { what, path: self.path(name), source },
        }
    }

    /// Fails, naming it, when `name` is a symbolic link.
    fn refuse_link(&self, name: &str) -> Result<(), FilesError> {
        match private_fs::is_link(self.fd, name) {
            Ok(false) => Ok(()),
            Ok(true) => Err(FilesError::Link { path: self.path(name) }),
            Err(source) => Err(FilesError::Io { what: "stat", path: self.path(name), source }),
        }
    }

    /// Removes a temporary file an earlier writer left; a link there is refused.
    fn clear_staged(&self, staged: &str) -> Result<(), FilesError> {
        self.refuse_link(staged)?;
        self.remove(staged)
    }

    fn remove(&self, name: &str) -> Result<(), FilesError> {
        private_fs::remove(self.fd, name).map_err(io_error("remove", &self.path(name)))
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), FilesError> {
        rustix::fs::renameat(self.fd, from, self.fd, to).map_err(|errno| {
            let _ = private_fs::remove(self.fd, from);
            io_error("rename to", &self.path(to))(errno.into())
        })
    }

    /// Writes through a temporary file next to `name`, fsynced, then renamed over it. The temporary
    /// file is removed when any step fails.
    fn write_atomically(&self, name: &str, bytes: &[u8]) -> Result<(), FilesError> {
        let staged = tmp(name);
        self.clear_staged(&staged)?;
        let mut file = private_fs::create_new(self.fd, &staged, self.mode)
            .map_err(|error| self.failed("create", &staged, error))?;
        let written = file
            .write_all(bytes)
            .map_err(io_error("write", &self.path(&staged)))
            .and_then(|()| file.sync_all().map_err(io_error("fsync", &self.path(&staged))));
        drop(file);
        if let Err(error) = written {
            let _ = private_fs::remove(self.fd, &staged);
            return Err(error);
        }
        self.rename(&staged, name)
    }
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
fn lock(at: &Dir<'_>, name: &str) -> Result<File, FilesError> {
    let file = private_fs::open_or_create(at.fd, name, private_fs::PRIVATE_FILE)
        .map_err(|error| at.failed("open", name, error))?;
    // Polling (rather than a blocking lock) bounds the wait; counting naps needs no clock.
    let nap = Duration::from_millis(1);
    let naps = LOCK_WAIT.as_millis() / nap.as_millis();
    for _ in 0..naps {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(fs::TryLockError::WouldBlock) => std::thread::sleep(nap),
            Err(fs::TryLockError::Error(source)) => {
                return Err(io_error("lock", &at.path(name))(source));
            }
        }
    }
    Err(FilesError::Busy { path: at.path(name) })
}

fn tmp(name: &str) -> String {
    format!("{name}.tmp")
}

#[cfg(test)]
mod tests;

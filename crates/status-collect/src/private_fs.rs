//! The collector's own files on disk: private directories (0700), files opened relative to a directory
//! handle without following a link, and the refusal of a directory other users can write to.
//!
//! Every file the collector writes in the state directory (the store) and the files directory
//! (`[files]`) goes through here, so that a link planted by another user is never followed and no file
//! is readable by other users unless the operator asks (`[files] mode`).

use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

/// The mode of every file the collector writes in its state directory.
pub(crate) const PRIVATE_FILE: u32 = 0o600;

/// The mode of a directory the collector creates for itself.
pub(crate) const PRIVATE_DIR: u32 = 0o700;

/// Why a directory is not safe to write in.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DirError {
    /// It could not be created or opened.
    #[error("failed to open the directory {path}: {source}")]
    Io {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Other users can write to it, so they could plant or replace files in it.
    #[error(
        "refusing to use the directory {path}: it is writable by other users (mode {mode:04o}); \
         run `chmod o-w {path}`"
    )]
    WritableByOthers {
        /// The directory.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

/// Creates `dir` (and missing parents) with `mode` when absent, then opens it and refuses it when other
/// users can write to it. A directory that exists keeps its mode, unless it is writable by others.
pub(crate) fn open_dir(dir: &Path, mode: u32) -> Result<OwnedFd, DirError> {
    let failed = |source| DirError::Io { path: dir.to_owned(), source };
    match std::fs::DirBuilder::new().recursive(true).mode(mode).create(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(failed(error)),
    }
    let fd =
        rustix::fs::open(dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
            .map_err(|errno| failed(errno.into()))?;
    let stat = rustix::fs::fstat(&fd).map_err(|errno| failed(errno.into()))?;
    let bits = stat.st_mode & 0o7777;
    if bits & 0o002 != 0 {
        return Err(DirError::WritableByOthers { path: dir.to_owned(), mode: bits });
    }
    Ok(fd)
}

/// Checks an existing `dir` the way [`open_dir`] does, without creating it; absent is fine.
pub(crate) fn check_dir(dir: &Path) -> Result<(), DirError> {
    match std::fs::metadata(dir) {
        Ok(meta) => {
            use std::os::unix::fs::PermissionsExt;
            let bits = meta.permissions().mode() & 0o7777;
            if bits & 0o002 != 0 {
                return Err(DirError::WritableByOthers { path: dir.to_owned(), mode: bits });
            }
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(DirError::Io { path: dir.to_owned(), source }),
    }
}

/// Why a file in a directory could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The name is a symbolic link (or, for a read, not a regular file): refused, never followed.
    Link,
    /// The name is something other than a regular file.
    NotAFile,
    /// Any other failure.
    Io(io::Error),
}

impl From<rustix::io::Errno> for OpenError {
    fn from(errno: rustix::io::Errno) -> OpenError {
        match errno {
            rustix::io::Errno::LOOP => OpenError::Link,
            errno => OpenError::Io(errno.into()),
        }
    }
}

/// Whether `name` in `dir` is a symbolic link; `false` when absent.
pub(crate) fn is_link(dir: &OwnedFd, name: &str) -> io::Result<bool> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) => Ok(FileType::from_raw_mode(stat.st_mode) == FileType::Symlink),
        Err(rustix::io::Errno::NOENT) => Ok(false),
        Err(errno) => Err(errno.into()),
    }
}

/// Opens the regular file `name` in `dir` for reading, without following a link. `Ok(None)` when
/// absent.
pub(crate) fn open_read(dir: &OwnedFd, name: &str) -> Result<Option<File>, OpenError> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        Err(errno) => return Err(errno.into()),
    };
    regular(fd).map(Some)
}

/// Opens (creating it with `mode` when absent) the regular file `name` in `dir` for writing, without
/// truncating it or following a link. An existing file gets `mode` too.
pub(crate) fn open_or_create(dir: &OwnedFd, name: &str, mode: u32) -> Result<File, OpenError> {
    let flags =
        OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, name, flags, Mode::from_raw_mode(mode))?;
    let file = regular(fd)?;
    rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(OpenError::from)?;
    Ok(file)
}

/// Creates the new regular file `name` in `dir` with exactly `mode` (whatever the umask); fails when
/// the name exists, whatever it is (a link is never followed).
pub(crate) fn create_new(dir: &OwnedFd, name: &str, mode: u32) -> Result<File, OpenError> {
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, name, flags, Mode::from_raw_mode(mode))?;
    rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode)).map_err(OpenError::from)?;
    Ok(File::from(fd))
}

fn regular(fd: OwnedFd) -> Result<File, OpenError> {
    let stat = rustix::fs::fstat(&fd).map_err(OpenError::from)?;
    if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile {
        return Err(OpenError::NotAFile);
    }
    Ok(File::from(fd))
}

/// Removes `name` from `dir` (a link itself, never its target); absent is fine.
pub(crate) fn remove(dir: &OwnedFd, name: &str) -> io::Result<()> {
    match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(errno) => Err(errno.into()),
    }
}

#[cfg(feature = "sqlite")]
/// Makes the SQLite file `path` safe to open: its directory private (created 0700, refused when
/// others can write to it), the file not a link, created 0600 when missing (SQLite gives its `-wal`
/// and `-shm` files the database's mode), and any of the three found readable by others set to 0600.
pub(crate) fn prepare_database(path: &Path) -> Result<(), io::Error> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|name| name.to_str()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        )
    })?;
    let fd = open_dir(dir, PRIVATE_DIR).map_err(|error| match error {
        DirError::Io { source, .. } => source,
        error => io::Error::new(io::ErrorKind::PermissionDenied, error.to_string()),
    })?;
    let link_error = |name: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "refusing to open {}: it is a symbolic link or not a file",
                dir.join(name).display()
            ),
        )
    };
    match create_new(&fd, name, PRIVATE_FILE) {
        Ok(_) => {}
        Err(OpenError::Io(error)) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(OpenError::Io(error)) => return Err(error),
        Err(_) => return Err(link_error(name)),
    }
    for name in [name.to_owned(), format!("{name}-wal"), format!("{name}-shm")] {
        if is_link(&fd, &name)? {
            return Err(link_error(&name));
        }
        let stat = match rustix::fs::statat(&fd, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(rustix::io::Errno::NOENT) => continue,
            Err(errno) => return Err(errno.into()),
        };
        if stat.st_mode & 0o077 != 0 {
            let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
            let file = rustix::fs::openat(&fd, name.as_str(), flags, Mode::empty())?;
            rustix::fs::fchmod(&file, Mode::from_raw_mode(PRIVATE_FILE))?;
        }
    }
    Ok(())
}

//! Reading the latest file back: before a write (for its diff), and for a one-shot run's previous
//! snapshot. Bounded ([`MAX_LATEST_BYTES`]), never following a link; a corrupt or oversized file
//! counts as absent, with a warning, since the next write replaces it.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::{Dir, FilesError, LATEST_DIFF_KEYS, MAX_LATEST_BYTES, Names, io_error};
use crate::config::FilesConfig;
use crate::private_fs;

/// The latest snapshot of `name` in `dir` as a writer reads it back before its write (without its
/// diff marks): what a one-shot run compares its snapshot with. `None` when the directory or the
/// file is absent, or the file is corrupt or too big (with a warning: the next write replaces it).
/// Never follows a link. Blocking.
pub(crate) fn read_previous(dir: &Path, name: &str) -> Result<Option<Value>, FilesError> {
    let flags = rustix::fs::OFlags::RDONLY
        | rustix::fs::OFlags::DIRECTORY
        | rustix::fs::OFlags::NOFOLLOW
        | rustix::fs::OFlags::CLOEXEC;
    let handle = match rustix::fs::open(dir, flags, rustix::fs::Mode::empty()) {
        Ok(handle) => handle,
        Err(rustix::io::Errno::NOENT) => return Ok(None),
        Err(errno) => return Err(io_error("open", dir)(errno.into())),
    };
    let at = Dir { fd: &handle, path: dir, mode: FilesConfig::DEFAULT_MODE };
    Ok(read_latest(&at, &Names::new(name).latest)?.map(|(value, _)| value))
}

/// The old latest snapshot and its bytes; `None` when absent, or not valid JSON or bigger than
/// [`MAX_LATEST_BYTES`] (with a warning).
pub(super) fn read_latest(
    at: &Dir<'_>,
    name: &str,
) -> Result<Option<(Value, Vec<u8>)>, FilesError> {
    let path = at.path(name);
    let Some(file) =
        private_fs::open_read(at.fd, name).map_err(|error| at.failed("read", name, error))?
    else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    let limit = MAX_LATEST_BYTES + 1;
    file.take(limit).read_to_end(&mut bytes).map_err(io_error("read", &path))?;
    if bytes.len() as u64 > MAX_LATEST_BYTES {
        tracing::warn!(path = %path.display(), limit_bytes = MAX_LATEST_BYTES, "latest snapshot file is too big; treated as corrupt");
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut value) => {
            // The keys this file adds are not the snapshot's: they never count as changes.
            if let Some(object) = value.as_object_mut() {
                for key in LATEST_DIFF_KEYS {
                    object.remove(key);
                }
            }
            Ok(Some((value, bytes)))
        }
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "corrupt latest snapshot file; treated as absent");
            Ok(None)
        }
    }
}

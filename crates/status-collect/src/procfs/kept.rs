//! Files kept open between collections and read again from offset 0.
//!
//! `/proc` and `/sys` files are made by the kernel at each read, so an open descriptor read again
//! with `pread` at offset 0 gives fresh contents: one system call per file instead of `open`,
//! `statx`, `read` and `close`, the first two walking the path again. The `process` and `host`
//! collectors read some 28 such files per collection; keeping them cut the two sections' CPU time
//! by a third (`host_basics` bench: 0.555 to 0.360 ms per collection with `runtime`).
//!
//! Bounds: at most [`FILES`] descriptors per reader (all are closed and opened again past that, so
//! a `[target]` that restarts many times does not pile them up) and [`LIMIT`] bytes per file. A
//! file that fails to read (the process it belongs to exited, the cgroup went away) is closed and
//! opened again once, by its path, before the error is reported. A file under `sys/` found missing
//! is taken as missing for [`MISSING_FOR`] (at most [`FILES`] such names are remembered).

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

/// The most files one reader keeps open.
pub(crate) const FILES: usize = 48;

/// The most bytes read from one file. `/proc/meminfo` and a cgroup's `memory.stat`, the largest
/// read here, are 1.5–6 KiB.
pub(crate) const LIMIT: usize = 1 << 20;

/// A file under `sys/` found missing is not looked for again before this long (a v1 root cgroup
/// has no `pids.current`, say, and would cost a failed path walk every collection). Files under
/// `proc/` are always looked for: a process's directory comes and goes with it.
pub(crate) const MISSING_FOR: Duration = Duration::from_secs(60);

/// The open files of one reader, the files found missing (with when), and the buffer they are read
/// into.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    files: HashMap<String, File>,
    missing: HashMap<String, Instant>,
    buffer: Vec<u8>,
}

impl Kept {
    /// Reads `relative` under `root` through its kept descriptor, opening it when it has none.
    pub(crate) fn read(&mut self, relative: &str, root: &Path) -> io::Result<String> {
        if let Some(file) = self.files.get(relative) {
            match read_at_start(file, &mut self.buffer) {
                Ok(read) => return text(&self.buffer[..read]),
                // Stale (the process exited, the cgroup was removed): opened again below.
                Err(_) => {
                    self.files.remove(relative);
                }
            }
        }
        if let Some(since) = self.missing.get(relative) {
            if since.elapsed() < MISSING_FOR {
                return Err(rustix::io::Errno::NOENT.into());
            }
            self.missing.remove(relative);
        }
        let file = File::open(root.join(relative)).inspect_err(|error| {
            if error.kind() == io::ErrorKind::NotFound && relative.starts_with("sys/") {
                if self.missing.len() >= FILES {
                    self.missing.clear();
                }
                self.missing.insert(relative.to_owned(), Instant::now());
            }
        })?;
        let read = read_at_start(&file, &mut self.buffer)?;
        if self.files.len() >= FILES {
            self.files.clear();
        }
        self.files.insert(relative.to_owned(), file);
        text(&self.buffer[..read])
    }

    /// How many files are kept open.
    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.files.len()
    }
}

/// Reads `file` from offset 0 to its end (at most [`LIMIT`] bytes) into `buffer`, which keeps its
/// length (zeroed once, when it grows); returns how many bytes were read.
///
/// A read that returns less than it asked for is taken as the end, without a second read to see
/// nothing more: the files kept are those the kernel makes in one piece at each read (`single_open`
/// seq files such as `stat`, `limits`, `meminfo` and the PSI files, sysctl values, sysfs and cgroup
/// attributes), which give all their text to a read with room for it, as regular files do. (A
/// multi-record seq file such as `mountinfo` may stop a read at a record boundary; none is kept.)
fn read_at_start(file: &File, buffer: &mut Vec<u8>) -> io::Result<usize> {
    if buffer.is_empty() {
        buffer.resize(4096, 0);
    }
    let mut filled = 0;
    loop {
        if filled == buffer.len() {
            if filled > LIMIT {
                return Err(io::Error::other(format!("larger than {LIMIT} bytes")));
            }
            buffer.resize((filled * 2).min(LIMIT + 1), 0);
        }
        let count = loop {
            match file.read_at(&mut buffer[filled..], filled as u64) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                read => break read?,
            }
        };
        let asked = buffer.len() - filled;
        filled += count;
        if count < asked {
            return Ok(filled);
        }
    }
}

/// The bytes read as text (the caller's error names the file).
fn text(buffer: &[u8]) -> io::Result<String> {
    let text = std::str::from_utf8(buffer)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "its contents are not UTF-8"))?;
    Ok(text.to_owned())
}

//! Heartbeats as lines of JSON on a Unix socket, for workers in other processes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinHandle;

use super::{Heartbeat, Heartbeats};
use crate::diagnostics::{Counter, MetricsRegistry};

/// Longest line read; a longer one is a bad line, skipped to its end.
const MAX_LINE_BYTES: u64 = 16 * 1024;

/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 256;

/// The listening socket; dropping it stops listening and removes the socket file.
#[derive(Debug)]
pub struct HeartbeatSocket {
    path: PathBuf,
    task: JoinHandle<()>,
    lines: Arc<Lines>,
}

/// Why the socket could not listen.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// Something that is not a socket is at the path: it is left alone.
    #[error("failed to listen for heartbeats on {path}: it exists and is not a socket")]
    NotASocket {
        /// The path.
        path: PathBuf,
    },
    /// Binding failed.
    #[error("failed to listen for heartbeats on {path}: {source}")]
    Bind {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug)]
struct Lines {
    accepted: Counter,
    rejected: Counter,
    connections: AtomicUsize,
}

/// One line on the socket.
#[derive(Deserialize)]
struct Line {
    id: String,
    #[serde(default)]
    rss_bytes: Option<u64>,
    #[serde(default)]
    cpu_pct: Option<f64>,
    #[serde(default)]
    custom: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Heartbeats {
    /// Listens on a Unix socket at `path` for heartbeats, one JSON object per line (see
    /// [`Heartbeat`]), from any number of connections. A stale socket file at `path` is replaced;
    /// anything else there is an error. Lines are counted in `metrics` as
    /// `status_heartbeat_lines{result="accepted"|"rejected"}`; a bad line (not JSON, no `id`, too
    /// long, not UTF-8) is counted, logged once a minute, and skipped. Must be called inside a
    /// tokio runtime.
    pub fn listen(
        &self,
        path: &Path,
        metrics: &MetricsRegistry,
    ) -> Result<HeartbeatSocket, ListenError> {
        use std::os::unix::fs::FileTypeExt;
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(ListenError::NotASocket { path: path.to_owned() });
            }
            let _ = std::fs::remove_file(path);
        }
        let listener = UnixListener::bind(path)
            .map_err(|source| ListenError::Bind { path: path.to_owned(), source })?;
        let (accepted, rejected) = line_counters(metrics);
        let lines = Arc::new(Lines { accepted, rejected, connections: AtomicUsize::new(0) });
        let task = tokio::spawn(accept(listener, self.clone(), lines.clone()));
        Ok(HeartbeatSocket { path: path.to_owned(), task, lines })
    }
}

/// Registers the socket's line counters, `status_heartbeat_lines{result="accepted"|"rejected"}`, in
/// `metrics`. A collection that does not listen (on demand) registers them too, so it reports the
/// `metrics` section a listening one does, with the lines it read: none.
pub(crate) fn line_counters(metrics: &MetricsRegistry) -> (Counter, Counter) {
    let help = "Heartbeat lines read on the workers socket, by whether they were accepted.";
    let counter =
        |result| metrics.register_internal("status_heartbeat_lines", help, &[("result", result)]);
    (counter("accepted"), counter("rejected"))
}

impl HeartbeatSocket {
    /// Lines accepted so far.
    pub fn lines_accepted(&self) -> u64 {
        self.lines.accepted.get()
    }

    /// Bad lines so far.
    pub fn lines_rejected(&self) -> u64 {
        self.lines.rejected.get()
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for HeartbeatSocket {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn accept(listener: UnixListener, heartbeats: Heartbeats, lines: Arc<Lines>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                heartbeats.inner.warn.warn("heartbeats.accept", format_args!("accept: {error}"));
                // A persistent error (out of descriptors) must not spin.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        if lines.connections.fetch_add(1, Ordering::Relaxed) >= MAX_CONNECTIONS {
            lines.connections.fetch_sub(1, Ordering::Relaxed);
            heartbeats.inner.warn.warn(
                "heartbeats.connections",
                format_args!("heartbeat connection refused: {MAX_CONNECTIONS} open"),
            );
            continue;
        }
        let (heartbeats, lines) = (heartbeats.clone(), lines.clone());
        tokio::spawn(async move {
            read(stream, &heartbeats, &lines).await;
            lines.connections.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Reads lines until the peer closes or errs.
async fn read(stream: UnixStream, heartbeats: &Heartbeats, lines: &Lines) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let read = (&mut reader).take(MAX_LINE_BYTES + 1).read_until(b'\n', &mut line).await;
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.last() != Some(&b'\n') && line.len() as u64 > MAX_LINE_BYTES {
            reject(heartbeats, lines, &format!("a line longer than {MAX_LINE_BYTES} bytes"));
            if !skip_line(&mut reader).await {
                return;
            }
            continue;
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Line>(text) {
            Ok(beat) if !beat.id.is_empty() => {
                let heartbeat = Heartbeat {
                    rss_bytes: beat.rss_bytes,
                    cpu_pct: beat.cpu_pct,
                    custom: beat.custom,
                };
                heartbeats.beat(beat.id, heartbeat);
                lines.accepted.inc();
            }
            Ok(_) => reject(heartbeats, lines, "an empty `id`"),
            Err(error) => reject(heartbeats, lines, &format!("not a heartbeat: {error}")),
        }
    }
}

/// Discards the rest of an overlong line; `false` when the stream ended.
async fn skip_line(reader: &mut BufReader<UnixStream>) -> bool {
    loop {
        let buffer = match reader.fill_buf().await {
            Ok([]) | Err(_) => return false,
            Ok(buffer) => buffer,
        };
        match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => {
                reader.consume(end + 1);
                return true;
            }
            None => {
                let len = buffer.len();
                reader.consume(len);
            }
        }
    }
}

fn reject(heartbeats: &Heartbeats, lines: &Lines, why: &str) {
    lines.rejected.inc();
    heartbeats.inner.warn.warn(
        "heartbeats.bad_line",
        format_args!("bad heartbeat line ({why}); further bad lines are counted"),
    );
}

//! [`Heartbeats`]: workers (threads, tasks, child processes) say they are alive, with a few
//! numbers; the `workers` section lists them and marks the quiet ones stale.

mod socket;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use status_model::{WorkerStatus, WorkersSection};
use tokio::time::Instant;

pub(crate) use socket::line_counters;
pub use socket::{HeartbeatSocket, ListenError};

use super::WarnOnce;
use crate::config::WorkersConfig;

/// How many workers are tracked; heartbeats from further ids are refused (and logged once).
pub const MAX_WORKERS: usize = 1024;

/// How many `custom` keys a heartbeat keeps.
const MAX_CUSTOM_KEYS: usize = 32;

/// Keys in `custom` are cut to this many characters.
const MAX_CUSTOM_KEY_CHARS: usize = 64;

/// Strings in `custom` are cut to this many characters.
const MAX_CUSTOM_CHARS: usize = 200;

/// What a worker reports with each heartbeat. On the socket it is one line of JSON with its `id`:
/// `{"id":"w1","rss_bytes":1048576,"cpu_pct":12.5,"custom":{"jobs_done":42}}`; every field but
/// `id` may be left out.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Heartbeat {
    /// The worker's resident memory, when it knows it.
    pub rss_bytes: Option<u64>,
    /// Its CPU use in percent of one core, when it knows it.
    pub cpu_pct: Option<f64>,
    /// Anything else: numbers, booleans and strings (cut to 200 characters) are kept, at most 32
    /// keys (cut to 64 characters); other values are dropped.
    pub custom: BTreeMap<String, Value>,
}

/// The workers' last heartbeats. Cheap to clone: every clone is the same registry.
#[derive(Clone)]
pub struct Heartbeats {
    inner: Arc<Inner>,
}

struct Inner {
    workers: Mutex<BTreeMap<String, Beat>>,
    stale_after: Duration,
    warn: WarnOnce,
    refused: AtomicU64,
}

struct Beat {
    at: Timestamp,
    instant: Instant,
    heartbeat: Heartbeat,
}

impl std::fmt::Debug for Heartbeats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let workers = self.inner.workers.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_list().entries(workers.keys()).finish()
    }
}

impl Heartbeats {
    /// An empty registry; a worker is stale after `stale_after_intervals` × `heartbeat_interval`
    /// of silence.
    pub fn new(config: &WorkersConfig) -> Heartbeats {
        let stale_after = config.heartbeat_interval * config.stale_after_intervals.max(1);
        Heartbeats {
            inner: Arc::new(Inner {
                workers: Mutex::default(),
                stale_after,
                warn: WarnOnce::new(Duration::from_secs(60)),
                refused: AtomicU64::new(0),
            }),
        }
    }

    /// Records a heartbeat of worker `id` now. Beyond [`MAX_WORKERS`] ids, a new id is refused,
    /// counted and logged once a minute.
    pub fn beat(&self, id: impl Into<String>, heartbeat: Heartbeat) {
        let id = id.into();
        let beat =
            Beat { at: Timestamp::now(), instant: Instant::now(), heartbeat: tidy(heartbeat) };
        let mut workers = self.inner.workers.lock().unwrap_or_else(PoisonError::into_inner);
        if workers.len() >= MAX_WORKERS && !workers.contains_key(&id) {
            drop(workers);
            self.inner.refused.fetch_add(1, Ordering::Relaxed);
            self.inner.warn.warn(
                "heartbeats.max_workers",
                format_args!("heartbeat of worker {id:?} refused: {MAX_WORKERS} workers tracked"),
            );
            return;
        }
        workers.insert(id, beat);
    }

    /// Forgets worker `id` (it ended on purpose); returns whether it was known.
    pub fn remove(&self, id: &str) -> bool {
        self.inner.workers.lock().unwrap_or_else(PoisonError::into_inner).remove(id).is_some()
    }

    /// Whether no worker has sent a heartbeat (or all were removed).
    pub fn is_empty(&self) -> bool {
        self.inner.workers.lock().unwrap_or_else(PoisonError::into_inner).is_empty()
    }

    /// How long a worker may be silent before it is stale.
    pub fn stale_after(&self) -> Duration {
        self.inner.stale_after
    }

    /// Every worker's state now.
    pub fn read(&self) -> WorkersSection {
        let now = Instant::now();
        let workers = self.inner.workers.lock().unwrap_or_else(PoisonError::into_inner);
        let workers = workers
            .iter()
            .map(|(id, beat)| {
                let age = now.duration_since(beat.instant);
                let status = WorkerStatus {
                    last_heartbeat_at: beat.at,
                    age_seconds: (age.as_secs_f64() * 1000.0).round() / 1000.0,
                    stale: age > self.inner.stale_after,
                    rss_bytes: beat.heartbeat.rss_bytes,
                    cpu_pct: beat.heartbeat.cpu_pct,
                    custom: beat.heartbeat.custom.clone(),
                };
                (id.clone(), status)
            })
            .collect();
        WorkersSection { workers }
    }
}

/// Keeps what the section may show: bounded `custom`, no non-finite CPU figure.
fn tidy(mut heartbeat: Heartbeat) -> Heartbeat {
    heartbeat.cpu_pct = heartbeat.cpu_pct.filter(|cpu| cpu.is_finite());
    heartbeat.custom = std::mem::take(&mut heartbeat.custom)
        .into_iter()
        .filter_map(|(key, value)| {
            let key: String = key.chars().take(MAX_CUSTOM_KEY_CHARS).collect();
            match value {
                Value::Number(_) | Value::Bool(_) => Some((key, value)),
                Value::String(text) => {
                    Some((key, Value::String(text.chars().take(MAX_CUSTOM_CHARS).collect())))
                }
                Value::Null | Value::Array(_) | Value::Object(_) => None,
            }
        })
        .take(MAX_CUSTOM_KEYS)
        .collect();
    heartbeat
}

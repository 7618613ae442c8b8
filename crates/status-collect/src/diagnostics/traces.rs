//! [`TraceBuffer`]: recent `tracing` events grouped by execution, bounded, metadata only.
//!
//! The host adds [`TraceBuffer::layer`] to its subscriber. The layer keeps events of the configured
//! targets that carry an execution id (in a field of the event or of an enclosing span, named
//! `execution_id` by default), grouped per execution:
//! - at most 256 events per execution (the oldest of that execution are dropped first, and counted);
//! - at most 10,000 events or 8 MiB in all, by the buffer's own accounting of what it holds (field
//!   values, messages, ids and the fixed size of each record); past either, whole executions are
//!   evicted, oldest (first seen) first;
//! - every value cut to 200 characters (the last one `…`), at most 32 fields per event;
//! - fields whose names match the deny-list (by default `*token*`, `*key*`, `*secret*`,
//!   `*password*`, `message_text`, `text`; case-insensitive, `*` matches anything) are never
//!   formatted or stored, only counted.
//!
//! Events without an execution id are not kept. What an event means is the host's choice; a
//! convention that reads well in the traces is a `kind` field naming the step (`submit`,
//! `output_flush`, `resolve`, `cancel`, `interrupt`) and an `outcome` field on the last event of an
//! execution (`ok`, `error`, `cancelled`), which the execution list shows as its final outcome:
//!
//! ```ignore
//! tracing::info!(execution_id = %id, kind = "resolve", outcome = "ok", duration_ms = 12, "resolved");
//! ```
//!
//! The buffer is read by `GET /status/traces` (the executions, newest first, with first and last
//! time, event count and outcome) and `GET /status/traces/{execution_id}` (its events), and by the
//! `recent_operations` section when no database provides it (the `trace_operations` collector).

mod layer;
mod ring;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use jiff::Timestamp;
use serde::Serialize;

pub use layer::TraceLayer;
use ring::{Limits, Ring};

use crate::config::TracesConfig;

/// The buffer. Cheap to clone: every clone (and every layer made from it) shares it.
#[derive(Clone)]
pub struct TraceBuffer {
    inner: Arc<Inner>,
}

struct Inner {
    settings: layer::Settings,
    limits: Limits,
    store: Mutex<Ring>,
    installed: AtomicBool,
}

/// One execution in the list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExecutionSummary {
    /// Its id.
    pub execution_id: String,
    /// Its first event's time (also when that event was since dropped over the cap).
    pub first_at: Timestamp,
    /// Its latest event's time.
    pub last_at: Timestamp,
    /// Events held for it.
    pub event_count: usize,
    /// Its events dropped over the per-execution cap.
    pub dropped_events: u64,
    /// The `outcome` field of its latest event that had one; `null` when none had.
    pub outcome: Option<String>,
}

/// One execution with its events, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExecutionTrace {
    /// What the list says of it.
    pub summary: ExecutionSummary,
    /// Its events, oldest first.
    pub events: Vec<TraceEvent>,
}

/// One kept event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// When it was recorded.
    pub at: Timestamp,
    /// `trace`, `debug`, `info`, `warn` or `error`.
    pub level: &'static str,
    /// Its target (module path unless set).
    pub target: &'static str,
    /// Its message, cut like every value; `null` when it had none.
    pub message: Option<String>,
    /// Its other fields that are not deny-listed, cut, as text.
    pub fields: BTreeMap<String, String>,
}

/// What the buffer holds and what it let go.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceStats {
    /// Executions held.
    pub executions: usize,
    /// Events held.
    pub events: usize,
    /// Bytes held, by the buffer's own accounting.
    pub bytes: usize,
    /// The bound on events.
    pub max_events: usize,
    /// The bound on bytes.
    pub max_bytes: usize,
    /// Events recorded since start.
    pub recorded_events: u64,
    /// Executions evicted to stay within the bounds.
    pub evicted_executions: u64,
    /// Events dropped over a per-execution cap.
    pub dropped_events: u64,
    /// Deny-listed fields not stored.
    pub withheld_fields: u64,
}

impl std::fmt::Debug for TraceBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceBuffer").field("stats", &self.stats()).finish()
    }
}

impl Default for TraceBuffer {
    fn default() -> TraceBuffer {
        TraceBuffer::new(&TracesConfig::default())
    }
}

impl TraceBuffer {
    /// An empty buffer with these settings.
    pub fn new(config: &TracesConfig) -> TraceBuffer {
        TraceBuffer {
            inner: Arc::new(Inner {
                settings: layer::Settings::new(config),
                limits: Limits::new(config),
                store: Mutex::default(),
                installed: AtomicBool::new(false),
            }),
        }
    }

    /// The layer that fills this buffer; add it to the host's subscriber
    /// (`tracing_subscriber::registry().with(buffer.layer())`).
    pub fn layer(&self) -> TraceLayer {
        self.inner.installed.store(true, Ordering::Relaxed);
        TraceLayer::new(self.clone())
    }

    /// Whether a layer was made (the host installed the buffer).
    pub fn is_installed(&self) -> bool {
        self.inner.installed.load(Ordering::Relaxed)
    }

    /// The executions held, most recently active first.
    pub fn executions(&self) -> Vec<ExecutionSummary> {
        self.store().summaries()
    }

    /// One execution's events; `None` when it is not held.
    pub fn execution(&self, execution_id: &str) -> Option<ExecutionTrace> {
        self.store().trace(execution_id)
    }

    /// What the buffer holds now.
    pub fn stats(&self) -> TraceStats {
        self.store().stats(&self.inner.limits)
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.inner.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

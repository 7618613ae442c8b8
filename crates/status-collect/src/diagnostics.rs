//! Diagnostics for host internals: what a worker pool or an executor knows about itself and no
//! outside probe can see, published cheaply and read as metadata only.
//!
//! - [`MetricsRegistry`]: counters, gauges, high-water marks, histograms (with labels) and derived
//!   ratios. Registration locks; each update is one atomic operation (a histogram's sum is a
//!   lock-free compare-and-swap), never a lock or an allocation. Read into the `metrics` section
//!   at each collection and rendered on `/metrics` with HELP, TYPE, unit and labels.
//! - [`Heartbeats`]: workers (threads, tasks, child processes) report
//!   `{rss_bytes, cpu_pct, custom}` through [`Heartbeats::beat`] or as a line of JSON on a Unix
//!   socket ([`Heartbeats::listen`], `[workers] socket`). The `workers` section lists each worker's
//!   last heartbeat and its age; one silent for more than `stale_after_intervals` heartbeat
//!   intervals is `stale`, and the `workers_stale` health check warns.
//! - [`TraceBuffer`]: a `tracing_subscriber::Layer` keeping recent events grouped by execution id,
//!   bounded per execution and in total, with values cut and deny-listed fields never stored;
//!   served at `/status/traces` and used by `recent_operations` when no database provides it.
//! - [`WarnOnce`]: logs a noisy condition once per key per interval and counts the rest.
//!
//! [`Status`](crate::Status) owns one registry and one heartbeat registry
//! ([`Status::metrics`](crate::Status::metrics), [`Status::heartbeats`](crate::Status::heartbeats));
//! the `metrics` and `workers` sections are absent until something is registered or beats.
//!
//! ```no_run
//! # async fn host(status: status_collect::Status) {
//! let metrics = status.metrics();
//! let hits = metrics.counter("pool_acquisitions", "Acquisitions from the pool.", None, &[("result", "hit")]);
//! let misses = metrics.counter("pool_acquisitions", "Acquisitions from the pool.", None, &[("result", "miss")]);
//! metrics.ratio("pool_hit", "Share of acquisitions served by an idle worker.", &[&hits], &[&hits, &misses]);
//! let wait = metrics.histogram("pool_acquire_wait", "Time to get a worker.", Some("seconds"), &[0.001, 0.01, 0.1, 1.0], &[]);
//! hits.inc();
//! wait.observe(0.002);
//! status.heartbeats().beat("worker-1", status_collect::diagnostics::Heartbeat::default());
//! # }
//! ```

mod heartbeats;
mod metrics;
mod traces;
mod warn_once;

pub(crate) use heartbeats::line_counters;
pub use heartbeats::{Heartbeat, HeartbeatSocket, Heartbeats, ListenError, MAX_WORKERS};
pub use metrics::{Counter, Gauge, HighWater, Histogram, MAX_SERIES, MetricsRegistry, Ratio};
pub use traces::{
    ExecutionSummary, ExecutionTrace, TraceBuffer, TraceEvent, TraceLayer, TraceStats,
};
pub use warn_once::WarnOnce;

#[cfg(test)]
mod tests;

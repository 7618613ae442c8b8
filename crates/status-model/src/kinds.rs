//! Field kinds: what a change of each snapshot field means, declared once here for the whole model
//! and carried into the JSON Schema (`x-kind`) and `docs/fields.md`.
//!
//! - [`FieldKind::State`]: a status, an outcome, a flag, a sha, a name, a count of discrete things
//!   (sessions, pending deliveries, overdue jobs). A change is an event.
//! - [`FieldKind::Gauge`]: a measurement that moves on its own (load, memory, CPU, lag, sizes,
//!   durations, ages, pids).
//! - [`FieldKind::Counter`]: a count since the collector started (`_total`).
//! - [`FieldKind::Time`]: a point in time (`_at`, `since`).
//!
//! Change detection compares states only ([`crate::diff::KeyFilter::semantic`]): gauges and counters
//! count as changed only through the health verdicts they drive. Inside `health`, only the overall
//! status and each check's `status` are states; inside `collection`, only each section's `outcome`.

use std::fmt;

/// What a change of a field means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A change is an event: a status, an outcome, a name, a count of discrete things.
    State,
    /// A measurement that moves on its own: load, memory, CPU, lag, sizes, durations, ages.
    Gauge,
    /// A count since the collector started.
    Counter,
    /// A point in time.
    Time,
}

impl FieldKind {
    /// The kind's name, as in the schema's `x-kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::State => "state",
            FieldKind::Gauge => "gauge",
            FieldKind::Counter => "counter",
            FieldKind::Time => "time",
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whole subtrees whose every field is a gauge: the pipeline's own counters and timings, the
/// runtime's figures, host load and the task table, and the host's registered metrics.
const GAUGE_SUBTREES: &[&str] = &[
    "host.load",
    "host.memory",
    "host.swap",
    "host.processes",
    "runtime",
    "pipeline",
    "metrics",
    "http.restarts_last_10m",
];

/// Field names (last key) that are gauges whatever their section.
/// A process's descriptors and threads move with its work (a hook's child, a pooled connection);
/// the OOM kills since the last collection count only through the `oom_kills` check they drive.
const GAUGE_NAMES: &[&str] = &[
    "pids",
    "pid",
    "lag",
    "load",
    "elapsed",
    "age",
    "free",
    "used",
    "open_fds",
    "threads",
    "oom_kills_new",
];

/// Name suffixes of gauges (units of measurements).
const GAUGE_SUFFIXES: &[&str] = &[
    "_bytes", "_pct", "_ms", "_seconds", "_s", "_ratio", "_lag", "_age", "_kib", "_mib", "_percent",
];

/// The kind of the field at `key`, a dotted key as the diff writes it (`host.load.1`,
/// `health.checks[disk_available:/].status`, `repos.app.dirty`).
pub fn kind_of(key: &str) -> FieldKind {
    let last = last_key(key);
    if let Some(rest) = key.strip_prefix("health.") {
        return match last {
            "status" => FieldKind::State,
            "time" | "status_since" => FieldKind::Time,
            _ if rest.starts_with("events") => FieldKind::Time,
            _ => FieldKind::Gauge,
        };
    }
    if let Some(rest) = key.strip_prefix("collection.") {
        return match (rest.starts_with("sections."), last) {
            (true, "outcome") => FieldKind::State,
            (_, "taken_at") => FieldKind::Time,
            (_, "sequence") => FieldKind::Counter,
            (_, name) if name.ends_with("_total") => FieldKind::Counter,
            _ => FieldKind::Gauge,
        };
    }
    by_name(key, last)
}

/// The kind of a section's field from its path and its own name.
fn by_name(key: &str, last: &str) -> FieldKind {
    if last.ends_with("_total") {
        return FieldKind::Counter;
    }
    if last.ends_with("_at") || last == "since" || last == "taken_at" {
        return FieldKind::Time;
    }
    let in_subtree = GAUGE_SUBTREES.iter().any(|prefix| {
        key.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    });
    if in_subtree
        || GAUGE_NAMES.contains(&last)
        || GAUGE_SUFFIXES.iter().any(|suffix| last.ends_with(suffix))
        || last.starts_with("uptime")
        || last == "cpu"
        || last.starts_with("cpu_")
        || last.starts_with("rss")
    {
        return FieldKind::Gauge;
    }
    FieldKind::State
}

/// The last key of a dotted key, without a list item's `[name]`.
fn last_key(key: &str) -> &str {
    let last = key.rsplit('.').next().unwrap_or(key);
    last.split('[').next().unwrap_or(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_the_fields_that_moved_on_an_idle_host() {
        for key in [
            "host.load.1",
            "host.memory.available_bytes",
            "processes.node.pids",
            "runtime.alive_tasks",
            "store.write_ms",
            "broker.in_flight.0.elapsed_seconds",
            "notifier.oldest_pending_age_seconds",
            "pipeline.history_rows_written_total",
            "process.cpu_pct",
            "service.uptime_seconds",
            "http.restarts_last_10m",
            "health.checks[load_per_cpu].observed_value",
            "health.checks[load_per_cpu].message",
            "collection.duration_ms",
        ] {
            assert_ne!(kind_of(key), FieldKind::State, "{key}");
        }
        assert_eq!(kind_of("health.checks[load_per_cpu].time"), FieldKind::Time);
        assert_eq!(kind_of("pipeline.changed_total"), FieldKind::Counter);
        // They moved on an idle host running a hook (its child's descriptors).
        for key in ["process.open_fds", "process.threads", "process.cgroup.memory.oom_kills_new"] {
            assert_eq!(kind_of(key), FieldKind::Gauge, "{key}");
        }
    }

    #[test]
    fn states_are_statuses_outcomes_names_and_counts_of_things() {
        for key in [
            "health.status",
            "health.checks[disk_available:/].status",
            "collection.sections.repos.outcome",
            "repos.app.dirty",
            "repos.app.head_sha",
            "channels.slack.connected",
            "containers.api.state",
            "sessions.active_sessions",
            "messages.pending_deliveries",
            "notifier.pending_count",
            "processes.node.count",
            "service.version",
            "host.cpus",
        ] {
            assert_eq!(kind_of(key), FieldKind::State, "{key}");
        }
    }
}

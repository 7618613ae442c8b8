//! The terse projection: a small flat record of dotted keys for fleet watchers that poll many hosts
//! and diff what they get.
//!
//! Every value is a scalar or a list of scalars. Only configured sections appear: the keys of a
//! section are there when the section is in the snapshot (`null` when it has no value or did not
//! measure it) and absent when it is not configured, so the record stays small on a small config.
//! `taken_at` and the `health.*` keys are always there.
//!
//! | key | value |
//! |---|---|
//! | `taken_at` | `collection.taken_at` |
//! | `service.name`, `service.version`, `service.status`, `service.uptime_seconds` | from `service` |
//! | `health.status` | `pass`, `warn` or `fail` |
//! | `health.failing` | names of the checks that do not pass (`[]` when all pass) |
//! | `host.load.1`, `host.load.5`, `host.load.15` | load averages |
//! | `host.memory.available_bytes` | `host.memory.available_bytes` |
//! | `host.fork_pressure_pct` | `host.processes.fork_pressure_pct` |
//! | `process.cpu_pct`, `process.rss_bytes` | the host process |
//! | `runtime.event_loop_lag_ms` | `runtime.event_loop_lag_ms` |
//! | `terminals.tmux_sessions`, `terminals.tmux_session_names`, `terminals.screen_sessions` | from `terminals` |
//! | `processes.count.<name>` | how many processes run each configured name (one key per name) |
//! | `broker.in_flight_count`, `broker.last_operation_at` | from `broker` |
//! | `notifier.pending_count`, `notifier.oldest_pending_age_seconds` | from `notifier` |
//! | `messages.pending_deliveries` | from `messages` |
//! | `tasks.overdue`, `app_jobs.overdue` | how many listed tasks or jobs are overdue |
//! | `queue.active`, `queue.waiting` | from `queue` |
//! | `sessions.active_sessions` | from `sessions` |
//! | `scheduler.last_tick_at` | from `scheduler` |
//! | `repos.worktree_conflicts` | `repo` or `repo/worktree` for each checkout with a merge, rebase, cherry-pick or revert stopped |
//! | `deploy.head_sha`, `deploy.dirty` | from `deploy` |
//! | `channels.disconnected` | names of channels not connected |
//! | `containers.not_running` | names of containers whose state is not `running` |
//! | `sidecars.dead` | names of sidecars not alive |
//! | `outcome.<section>` | the section's collection outcome (`ok`, `error`, `timeout`, `panicked`, `unavailable`), for every configured section of [`OUTCOME_SECTIONS`] |
//!
//! Values keep the snapshot's units and forms (bytes, seconds, RFC 3339 times), so a watcher can
//! compare them with the full snapshot. The projection is computed from the snapshot's JSON, so it
//! works the same on a snapshot read back from `/status`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::snapshot::Snapshot;

/// Where a terse value comes from.
enum Source {
    /// The snapshot's value at this JSON pointer.
    Pointer(&'static str),
    /// Computed from the snapshot's JSON.
    Computed(fn(&Value) -> Value),
}

/// Every fixed key but the `outcome.<section>` ones, in the order of the table above.
static FIELDS: &[(&str, Source)] = &[
    ("taken_at", Source::Pointer("/collection/taken_at")),
    ("service.name", Source::Pointer("/service/name")),
    ("service.version", Source::Pointer("/service/version")),
    ("service.status", Source::Pointer("/service/status")),
    ("service.uptime_seconds", Source::Pointer("/service/uptime_seconds")),
    ("health.status", Source::Pointer("/health/status")),
    ("health.failing", Source::Computed(failing_checks)),
    ("host.load.1", Source::Pointer("/host/load/1")),
    ("host.load.5", Source::Pointer("/host/load/5")),
    ("host.load.15", Source::Pointer("/host/load/15")),
    ("host.memory.available_bytes", Source::Pointer("/host/memory/available_bytes")),
    ("host.fork_pressure_pct", Source::Pointer("/host/processes/fork_pressure_pct")),
    ("process.cpu_pct", Source::Pointer("/process/cpu_pct")),
    ("process.rss_bytes", Source::Pointer("/process/rss_bytes")),
    ("runtime.event_loop_lag_ms", Source::Pointer("/runtime/event_loop_lag_ms")),
    ("terminals.tmux_sessions", Source::Pointer("/terminals/tmux_sessions")),
    ("terminals.tmux_session_names", Source::Pointer("/terminals/tmux_session_names")),
    ("terminals.screen_sessions", Source::Pointer("/terminals/screen_sessions")),
    ("broker.in_flight_count", Source::Pointer("/broker/in_flight_count")),
    ("broker.last_operation_at", Source::Pointer("/broker/last_operation_at")),
    ("notifier.pending_count", Source::Pointer("/notifier/pending_count")),
    (
        "notifier.oldest_pending_age_seconds",
        Source::Pointer("/notifier/oldest_pending_age_seconds"),
    ),
    ("messages.pending_deliveries", Source::Pointer("/messages/pending_deliveries")),
    ("tasks.overdue", Source::Computed(|s| overdue(s, "tasks", "tasks"))),
    ("app_jobs.overdue", Source::Computed(|s| overdue(s, "app_jobs", "jobs"))),
    ("queue.active", Source::Pointer("/queue/active")),
    ("queue.waiting", Source::Pointer("/queue/waiting")),
    ("sessions.active_sessions", Source::Pointer("/sessions/active_sessions")),
    ("scheduler.last_tick_at", Source::Pointer("/scheduler/last_tick_at")),
    ("repos.worktree_conflicts", Source::Computed(worktree_conflicts)),
    ("deploy.head_sha", Source::Pointer("/deploy/head_sha")),
    ("deploy.dirty", Source::Pointer("/deploy/dirty")),
    (
        "channels.disconnected",
        Source::Computed(|s| names_where(s, "channels", |c| c["connected"] == false)),
    ),
    (
        "containers.not_running",
        Source::Computed(|s| names_where(s, "containers", |c| c["state"] != "running")),
    ),
    ("sidecars.dead", Source::Computed(|s| names_where(s, "sidecars", |c| c["alive"] == false))),
];

/// The sections with an `outcome.<section>` key: every section of this version's snapshot and those
/// planned for it, in the snapshot's order. A test fails when a section is added to the snapshot
/// and not here.
pub const OUTCOME_SECTIONS: &[&str] = &[
    "service",
    "process",
    "host",
    "runtime",
    "terminals",
    "processes",
    "deploy",
    "repos",
    "store",
    "channels",
    "gateway",
    "containers",
    "queue",
    "sessions",
    "scheduler",
    "broker",
    "notifier",
    "messages",
    "tasks",
    "app_jobs",
    "probes",
    "storage",
    "sidecars",
    "http",
    "custom",
    "recent_operations",
    "pipeline",
    "custom_checks",
    "metrics",
    "workers",
];

/// Every fixed key the terse projection can have, in its documented order (`processes.count.<name>`
/// keys come from the config and are not listed). A snapshot's projection has those of its
/// configured sections.
pub fn keys() -> Vec<String> {
    let fields = FIELDS.iter().map(|(key, _)| (*key).to_owned());
    fields.chain(OUTCOME_SECTIONS.iter().map(|name| format!("outcome.{name}"))).collect()
}

/// The terse projection of `snapshot`.
pub fn terse(snapshot: &Snapshot) -> BTreeMap<String, Value> {
    match serde_json::to_value(snapshot) {
        Ok(json) => terse_value(&json),
        // Without a JSON form nothing can be read: every key `null`, as for a missing section.
        Err(_) => terse_value(&Value::Null),
    }
}

/// The terse projection of a snapshot given as JSON (as `/status` serves it).
pub fn terse_value(snapshot: &Value) -> BTreeMap<String, Value> {
    let configured = |section: &str| {
        section == "health" || snapshot.get(section).is_some() || snapshot.is_null()
    };
    let mut out = BTreeMap::new();
    for (key, source) in FIELDS {
        let section = key.split('.').next().unwrap_or_default();
        if *key != "taken_at" && !configured(section) {
            continue;
        }
        let value = match source {
            Source::Pointer(pointer) => at(snapshot, pointer).cloned().unwrap_or(Value::Null),
            Source::Computed(compute) => compute(snapshot),
        };
        out.insert((*key).to_owned(), value);
    }
    if let Some(processes) = section(snapshot, "processes") {
        for (name, entry) in processes {
            let count = entry.get("count").cloned().unwrap_or(Value::Null);
            out.insert(format!("processes.count.{name}"), count);
        }
    }
    let reports = at(snapshot, "/collection/sections");
    for name in OUTCOME_SECTIONS {
        if !configured(name) {
            continue;
        }
        let outcome = reports
            .and_then(|sections| sections.get(name))
            .and_then(|report| report.get("outcome"))
            .cloned()
            .unwrap_or(Value::Null);
        out.insert(format!("outcome.{name}"), outcome);
    }
    out
}

/// The value at `pointer`, a JSON pointer of object keys without `~` escapes (as every pointer
/// here is), found without the copy of each key that `Value::pointer` makes.
fn at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    pointer.split('/').skip(1).try_fold(value, |value, key| value.get(key))
}

/// The section `name` when it is an object.
fn section<'a>(snapshot: &'a Value, name: &str) -> Option<&'a Map<String, Value>> {
    snapshot.get(name)?.as_object()
}

fn failing_checks(snapshot: &Value) -> Value {
    let Some(checks) = at(snapshot, "/health/checks").and_then(Value::as_array) else {
        return Value::Null;
    };
    checks
        .iter()
        .filter(|check| check["status"] != "pass")
        .map(|check| check["name"].clone())
        .collect()
}

fn overdue(snapshot: &Value, name: &str, list: &str) -> Value {
    let Some(items) = section(snapshot, name).and_then(|s| s.get(list)).and_then(Value::as_array)
    else {
        return Value::Null;
    };
    items.iter().filter(|item| item["overdue"] == true).count().into()
}

/// `repo` for a repository whose main worktree is stopped in a conflict, `repo/worktree` for a
/// linked worktree. Entries that failed to read (`{"error": …}`) count as no conflict.
pub(crate) fn worktree_conflicts(snapshot: &Value) -> Value {
    let Some(repos) = section(snapshot, "repos") else { return Value::Null };
    let mut names = Vec::new();
    for (repo, status) in repos {
        if status["conflict"] == true {
            names.push(Value::String(repo.clone()));
        }
        if let Some(worktrees) = status.get("worktrees").and_then(Value::as_object) {
            for (worktree, status) in worktrees {
                if status["conflict"] == true {
                    names.push(Value::String(format!("{repo}/{worktree}")));
                }
            }
        }
    }
    Value::Array(names)
}

/// Names of the entries of the keyed section `name` for which `matches` holds.
pub(crate) fn names_where(snapshot: &Value, name: &str, matches: fn(&Value) -> bool) -> Value {
    let Some(entries) = section(snapshot, name) else { return Value::Null };
    entries
        .iter()
        .filter(|(_, entry)| matches(entry))
        .map(|(name, _)| Value::String(name.clone()))
        .collect()
}

#[cfg(test)]
mod tests;

//! The checks, in the order they run. Each function documents what it compares.

use std::collections::BTreeMap;

use super::data::{
    app_jobs_overdue, deploy_pending, disk_usage, notifier_alive, notifier_backlog,
    operation_timeouts, pending_deliveries, probes, repos_unreadable, tasks_overdue,
    worktree_conflicts,
};
use super::host::{
    cpu_throttled, disk_available, fork_pressure, load_per_cpu, memory_available, oom_kills,
    pressure,
};
use super::hostapp::{
    channels_disconnected, containers_not_running, custom, gateway_models_unhealthy, scheduler_lag,
    workers_stale,
};
use super::service::{
    collectors, event_loop_lag, http_server, shutting_down, snapshot_fresh, store_writable,
};
use super::{CheckConfig, CheckContext, CheckDef, Thresholds, Verdict, grade};
use crate::health::HealthStatus;

const fn defaults(
    critical: bool,
    warn: Option<f64>,
    fail: Option<f64>,
    below: bool,
) -> CheckConfig {
    CheckConfig {
        enabled: true,
        critical,
        warn_above: if below { None } else { warn },
        fail_above: if below { None } else { fail },
        warn_below: if below { warn } else { None },
        fail_below: if below { fail } else { None },
        fail_after: 1,
        recover_after: 1,
    }
}

/// Every check, in evaluation order.
pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        name: "collectors",
        component: "collector",
        measurement: "outcomes",
        unit: Some("sections"),
        thresholds: Thresholds::None,
        default: defaults(false, None, None, false),
        run: collectors,
    },
    CheckDef {
        name: "shutting_down",
        component: "service",
        measurement: "status",
        unit: None,
        thresholds: Thresholds::None,
        default: defaults(true, None, None, false),
        run: shutting_down,
    },
    CheckDef {
        name: "snapshot_fresh",
        component: "snapshot",
        measurement: "age",
        unit: Some("intervals"),
        thresholds: Thresholds::Above,
        default: defaults(true, None, Some(3.0), false),
        run: snapshot_fresh,
    },
    CheckDef {
        name: "event_loop_lag",
        component: "runtime",
        measurement: "event_loop_lag",
        unit: Some("ms"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(100.0), Some(1000.0), false),
        run: event_loop_lag,
    },
    CheckDef {
        name: "store_writable",
        component: "store",
        measurement: "writable",
        unit: Some("ms"),
        thresholds: Thresholds::None,
        default: defaults(false, None, None, false),
        run: store_writable,
    },
    CheckDef {
        name: "http_server",
        component: "http",
        measurement: "restarts",
        unit: Some("restarts"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), Some(4.0), false),
        run: http_server,
    },
    CheckDef {
        name: "memory_available",
        component: "memory",
        measurement: "available",
        unit: Some("percent"),
        thresholds: Thresholds::Below,
        default: defaults(false, Some(10.0), Some(5.0), true),
        run: memory_available,
    },
    CheckDef {
        name: "disk_available",
        component: "disk",
        measurement: "available",
        unit: Some("percent"),
        thresholds: Thresholds::Below,
        default: defaults(false, Some(10.0), Some(5.0), true),
        run: disk_available,
    },
    CheckDef {
        name: "fork_pressure",
        component: "processes",
        measurement: "fork_pressure",
        unit: Some("percent"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(80.0), Some(90.0), false),
        run: fork_pressure,
    },
    CheckDef {
        name: "load_per_cpu",
        component: "cpu",
        measurement: "load_per_cpu",
        unit: Some("ratio"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(2.0), Some(4.0), false),
        run: load_per_cpu,
    },
    CheckDef {
        name: "cpu_throttled",
        component: "cpu",
        measurement: "throttled",
        unit: Some("percent"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(20.0), None, false),
        run: cpu_throttled,
    },
    CheckDef {
        name: "oom_kills",
        component: "memory",
        measurement: "oom_kills",
        unit: Some("kills"),
        thresholds: Thresholds::Above,
        default: defaults(false, None, Some(0.0), false),
        run: oom_kills,
    },
    CheckDef {
        name: "pressure",
        component: "pressure",
        measurement: "some_avg10",
        unit: Some("percent"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(50.0), None, false),
        run: pressure,
    },
    CheckDef {
        name: "tasks_overdue",
        component: "tasks",
        measurement: "overdue",
        unit: Some("tasks"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: tasks_overdue,
    },
    CheckDef {
        name: "app_jobs_overdue",
        component: "app_jobs",
        measurement: "overdue",
        unit: Some("jobs"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: app_jobs_overdue,
    },
    // 3600 s: SohnBot's `outbox_stuck` (`observability.outbox_stuck_threshold`); a notification an
    // hour old is stuck, one a few minutes old is a retry in progress.
    CheckDef {
        name: "notifier_backlog",
        component: "notifier",
        measurement: "oldest_pending_age",
        unit: Some("s"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(3600.0), None, false),
        run: notifier_backlog,
    },
    // 120 s: SohnBot's `notifier_alive` (`observability.notifier_lag_threshold`).
    CheckDef {
        name: "notifier_alive",
        component: "notifier",
        measurement: "since_last_attempt",
        unit: Some("s"),
        thresholds: Thresholds::Above,
        default: defaults(false, None, Some(120.0), false),
        run: notifier_alive,
    },
    // 600 s: SohnBot's `job_timeouts` had no bound (a stub); ten minutes is twice its scheduler's
    // 300 s lag bound, past any tool call the broker allows by default.
    CheckDef {
        name: "operation_timeouts",
        component: "broker",
        measurement: "operation_age",
        unit: Some("s"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(600.0), None, false),
        run: operation_timeouts,
    },
    // 1000 MB: SohnBot's `disk_usage` cap (`observability.disk_cap_mb`), databases and logs
    // together.
    CheckDef {
        name: "disk_usage",
        component: "storage",
        measurement: "used",
        unit: Some("MB"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(1000.0), None, false),
        run: disk_usage,
    },
    CheckDef {
        name: "pending_deliveries",
        component: "messages",
        measurement: "pending_deliveries",
        unit: Some("deliveries"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(100.0), None, false),
        run: pending_deliveries,
    },
    // 15 min: longer than a restart of the host takes, so a deploy being applied does not warn,
    // short enough that one stuck behind a failed restart is seen the same shift.
    CheckDef {
        name: "deploy_pending",
        component: "deploy",
        measurement: "pending_age",
        unit: Some("s"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(900.0), None, false),
        run: deploy_pending,
    },
    CheckDef {
        name: "repos_unreadable",
        component: "repos",
        measurement: "unreadable",
        unit: Some("repositories"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: repos_unreadable,
    },
    // SohnBot's `scheduler_lag`: fail above `observability.scheduler_lag_threshold` (300 s), warn
    // above half of it.
    CheckDef {
        name: "scheduler_lag",
        component: "scheduler",
        measurement: "lag",
        unit: Some("s"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(150.0), Some(300.0), false),
        run: scheduler_lag,
    },
    CheckDef {
        name: "channels_disconnected",
        component: "channels",
        measurement: "disconnected",
        unit: Some("channels"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: channels_disconnected,
    },
    CheckDef {
        name: "gateway_models_unhealthy",
        component: "gateway",
        measurement: "unhealthy_models",
        unit: Some("models"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: gateway_models_unhealthy,
    },
    CheckDef {
        name: "containers_not_running",
        component: "containers",
        measurement: "not_running",
        unit: Some("containers"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: containers_not_running,
    },
    CheckDef {
        name: "worktree_conflicts",
        component: "git",
        measurement: "conflicts",
        unit: Some("worktrees"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: worktree_conflicts,
    },
    CheckDef {
        name: "workers_stale",
        component: "workers",
        measurement: "stale",
        unit: Some("workers"),
        thresholds: Thresholds::Above,
        default: defaults(false, Some(0.0), None, false),
        run: workers_stale,
    },
    CheckDef {
        name: "custom",
        component: "host",
        measurement: "custom",
        unit: None,
        thresholds: Thresholds::None,
        default: defaults(false, None, None, false),
        run: custom,
    },
    CheckDef {
        name: "probes",
        component: "probe",
        measurement: "value",
        unit: None,
        thresholds: Thresholds::None,
        default: defaults(false, None, None, false),
        run: probes,
    },
];

pub(super) fn verdict(
    status: HealthStatus,
    message: String,
    observed_value: Option<f64>,
) -> Verdict {
    Verdict { component_id: None, status, message, observed_value, details: BTreeMap::new() }
}

/// Grades `value` and words the message `"{what} is {value}{unit}"` plus the threshold crossed.
pub(super) fn graded(what: &str, value: f64, unit: &str, config: &CheckConfig) -> Verdict {
    let status = grade(value, config);
    let limit = match status {
        HealthStatus::Pass => String::new(),
        HealthStatus::Warn => threshold_text(config.warn_above, config.warn_below, unit),
        HealthStatus::Fail => threshold_text(config.fail_above, config.fail_below, unit),
    };
    let mut verdict =
        verdict(status, format!("{what} is {}{unit}{limit}", round2(value)), Some(round2(value)));
    // The thresholds compared with, under their config names, for monitoring plugins' perfdata.
    for (key, limit) in [
        ("warn_above", config.warn_above),
        ("fail_above", config.fail_above),
        ("warn_below", config.warn_below),
        ("fail_below", config.fail_below),
    ] {
        if let Some(limit) = limit {
            verdict.details.insert(key.into(), limit.to_string());
        }
    }
    verdict
}

pub(super) fn threshold_text(above: Option<f64>, below: Option<f64>, unit: &str) -> String {
    match (above, below) {
        (Some(limit), _) => format!(", above {limit}{unit}"),
        (None, Some(limit)) => format!(", below {limit}{unit}"),
        (None, None) => String::new(),
    }
}

pub(super) fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Why a field of a section is `null`: its `unmeasured` reason, or the section's outcome reason.
pub(super) fn why_null(ctx: &CheckContext<'_>, section: &str, field: &str) -> String {
    let report = ctx.snapshot.collection.sections.get(section);
    report
        .and_then(|report| report.unmeasured.get(field).or(report.reason.as_ref()))
        .cloned()
        .unwrap_or_else(|| format!("{section}.{field} was not measured"))
}

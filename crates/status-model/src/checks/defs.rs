//! The checks, in the order they run. Each function documents what it compares.

use std::collections::BTreeMap;

use super::{CheckConfig, CheckContext, CheckDef, Thresholds, Verdict, grade};
use crate::collection::Outcome;
use crate::health::HealthStatus;
use crate::sections::ServiceStatus;

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
];

fn verdict(status: HealthStatus, message: String, observed_value: Option<f64>) -> Verdict {
    Verdict { component_id: None, status, message, observed_value, details: BTreeMap::new() }
}

/// Grades `value` and words the message `"{what} is {value}{unit}"` plus the threshold crossed.
fn graded(what: &str, value: f64, unit: &str, config: &CheckConfig) -> Verdict {
    let status = grade(value, config);
    let limit = match status {
        HealthStatus::Pass => String::new(),
        HealthStatus::Warn => threshold_text(config.warn_above, config.warn_below, unit),
        HealthStatus::Fail => threshold_text(config.fail_above, config.fail_below, unit),
    };
    verdict(status, format!("{what} is {}{unit}{limit}", round2(value)), Some(round2(value)))
}

fn threshold_text(above: Option<f64>, below: Option<f64>, unit: &str) -> String {
    match (above, below) {
        (Some(limit), _) => format!(", above {limit}{unit}"),
        (None, Some(limit)) => format!(", below {limit}{unit}"),
        (None, None) => String::new(),
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Why a field of a section is `null`: its `unmeasured` reason, or the section's outcome reason.
fn why_null(ctx: &CheckContext<'_>, section: &str, field: &str) -> String {
    let report = ctx.snapshot.collection.sections.get(section);
    report
        .and_then(|report| report.unmeasured.get(field).or(report.reason.as_ref()))
        .cloned()
        .unwrap_or_else(|| format!("{section}.{field} was not measured"))
}

/// Warns when any section's collection was not `ok`, naming each with its outcome.
fn collectors(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let sections = &ctx.snapshot.collection.sections;
    let failing: BTreeMap<String, String> = sections
        .iter()
        .filter(|(_, report)| report.outcome != Outcome::Ok)
        .map(|(name, report)| {
            let reason = report.reason.as_deref().unwrap_or("no reason given");
            (name.clone(), format!("{}: {reason}", report.outcome.as_str()))
        })
        .collect();
    #[expect(clippy::cast_precision_loss, reason = "a handful of sections")]
    let count = failing.len() as f64;
    let mut result = if failing.is_empty() {
        verdict(HealthStatus::Pass, format!("all {} sections collected", sections.len()), Some(0.0))
    } else {
        let names: Vec<String> = sections
            .iter()
            .filter(|(_, r)| r.outcome != Outcome::Ok)
            .map(|(n, r)| format!("{n} ({})", r.outcome.as_str()))
            .collect();
        verdict(HealthStatus::Warn, format!("not collected: {}", names.join(", ")), Some(count))
    };
    result.details = failing;
    vec![result]
}

/// Fails while the service is shutting down, so readiness sends traffic elsewhere.
fn shutting_down(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let Some(service) = ctx.snapshot.service.value() else { return Vec::new() };
    vec![match service.status {
        ServiceStatus::Ok => verdict(HealthStatus::Pass, "running".into(), None),
        ServiceStatus::ShuttingDown => verdict(HealthStatus::Fail, "shutting down".into(), None),
    }]
}

/// The snapshot's age in collection intervals; `fail_above` 3 by default. Only meaningful when the
/// snapshot comes from a loop (it has an interval).
fn snapshot_fresh(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(interval) = ctx.snapshot.collection.interval_seconds.filter(|i| *i > 0.0) else {
        return Vec::new();
    };
    let age = ctx.now.duration_since(ctx.snapshot.collection.taken_at).as_secs_f64().max(0.0);
    let mut result = graded("snapshot age", age / interval, " intervals", config);
    result.details.insert("age_seconds".into(), format!("{}", round2(age)));
    result.details.insert("interval_seconds".into(), format!("{interval}"));
    vec![result]
}

/// Worst event-loop lag since the previous collection, in ms. No sample yet passes: the probe
/// needs one period after start.
fn event_loop_lag(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(runtime) = ctx.snapshot.runtime.value() else { return Vec::new() };
    vec![match runtime.event_loop_lag_ms {
        Some(lag) => graded("event loop lag", lag, " ms", config),
        None => verdict(HealthStatus::Pass, why_null(ctx, "runtime", "event_loop_lag_ms"), None),
    }]
}

/// Available memory as a percentage of the total (Linux `MemAvailable`).
fn memory_available(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(host) = ctx.snapshot.host.value() else { return Vec::new() };
    vec![match &host.memory {
        Some(memory) if memory.total_bytes > 0 => {
            #[expect(
                clippy::cast_precision_loss,
                reason = "a percentage needs no more than 52 bits"
            )]
            let pct = memory.available_bytes as f64 / memory.total_bytes as f64 * 100.0;
            let mut result = graded("available memory", pct, "%", config);
            result.details.insert("available_bytes".into(), memory.available_bytes.to_string());
            result.details.insert("total_bytes".into(), memory.total_bytes.to_string());
            result
        }
        _ => verdict(
            HealthStatus::Warn,
            format!("memory not measured: {}", why_null(ctx, "host", "memory")),
            None,
        ),
    }]
}

/// Available space on each configured path's file system, as a percentage of its size.
fn disk_available(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(host) = ctx.snapshot.host.value() else { return Vec::new() };
    host.disks
        .iter()
        .map(|(path, usage)| {
            let mut result = match usage {
                Some(usage) if usage.total_bytes > 0 => {
                    #[expect(
                        clippy::cast_precision_loss,
                        reason = "a percentage needs no more than 52 bits"
                    )]
                    let pct = usage.available_bytes as f64 / usage.total_bytes as f64 * 100.0;
                    let mut result =
                        graded(&format!("available space on {path}"), pct, "%", config);
                    result
                        .details
                        .insert("available_bytes".into(), usage.available_bytes.to_string());
                    result
                }
                _ => verdict(
                    HealthStatus::Warn,
                    format!(
                        "{path} not measured: {}",
                        why_null(ctx, "host", &format!("disks.{path}"))
                    ),
                    None,
                ),
            };
            result.component_id = Some(path.clone());
            result
        })
        .collect()
}

/// Tasks against the tightest task limit, in percent.
fn fork_pressure(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(host) = ctx.snapshot.host.value() else { return Vec::new() };
    vec![match &host.processes {
        Some(table) => {
            let mut result = graded("fork pressure", table.fork_pressure_pct, "%", config);
            result.details.insert("current".into(), table.current.to_string());
            result.details.insert("max".into(), table.max.to_string());
            result.details.insert("limit_source".into(), table.limit_source.clone());
            result
        }
        None => verdict(
            HealthStatus::Warn,
            format!("task table not measured: {}", why_null(ctx, "host", "processes")),
            None,
        ),
    }]
}

/// The 1-minute load average divided by the number of CPUs.
fn load_per_cpu(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(host) = ctx.snapshot.host.value() else { return Vec::new() };
    vec![match (&host.load, host.cpus) {
        (Some(load), Some(cpus)) if cpus > 0 => {
            #[expect(clippy::cast_precision_loss, reason = "CPU counts are small")]
            let ratio = load.one / cpus as f64;
            let mut result = graded("load per CPU", ratio, "", config);
            result.details.insert("load_1".into(), load.one.to_string());
            result.details.insert("cpus".into(), cpus.to_string());
            result
        }
        _ => verdict(
            HealthStatus::Warn,
            format!("load not measured: {}", why_null(ctx, "host", "load")),
            None,
        ),
    }]
}

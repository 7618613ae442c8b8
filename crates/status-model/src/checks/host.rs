//! Checks of the machine: memory, disk space, the task table, load.

use super::defs::{graded, verdict, why_null};
use super::{CheckConfig, CheckContext, Verdict};
use crate::health::HealthStatus;

/// Available memory as a percentage of its bound: the host's (Linux `MemAvailable` of
/// `MemTotal`) or, when the process's cgroup has a memory limit leaving fewer bytes, the cgroup's
/// (headroom of the limit: limit minus usage, reclaimable cache not counted as used). The details
/// say which bound was used (`bound`: `host` or `cgroup`).
pub(super) fn memory_available(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(host) = ctx.snapshot.host.value() else { return Vec::new() };
    let cgroup = ctx
        .snapshot
        .process
        .value()
        .and_then(|process| process.cgroup.as_ref())
        .and_then(|cgroup| cgroup.memory.as_ref())
        .and_then(|memory| Some((memory.headroom_bytes?, memory.limit_bytes?)))
        .filter(|&(_, limit)| limit > 0);
    let host_bound = host
        .memory
        .as_ref()
        .filter(|memory| memory.total_bytes > 0)
        .map(|memory| (memory.available_bytes, memory.total_bytes));
    let (bound, (available, total)) = match (host_bound, cgroup) {
        (Some(host), Some(cgroup)) if cgroup.0 < host.0 => ("cgroup", cgroup),
        (Some(host), _) => ("host", host),
        (None, Some(cgroup)) => ("cgroup", cgroup),
        (None, None) => {
            return vec![verdict(
                HealthStatus::Warn,
                format!("memory not measured: {}", why_null(ctx, "host", "memory")),
                None,
            )];
        }
    };
    #[expect(clippy::cast_precision_loss, reason = "a percentage needs no more than 52 bits")]
    let pct = available as f64 / total as f64 * 100.0;
    let what =
        if bound == "cgroup" { "available memory in the cgroup" } else { "available memory" };
    let mut result = graded(what, pct, "%", config);
    result.details.insert("bound".into(), bound.into());
    result.details.insert("available_bytes".into(), available.to_string());
    result.details.insert("total_bytes".into(), total.to_string());
    if let Some(memory) = &host.memory {
        result.details.insert("host_available_bytes".into(), memory.available_bytes.to_string());
    }
    if let Some((headroom, limit)) = cgroup {
        result.details.insert("cgroup_limit_bytes".into(), limit.to_string());
        result.details.insert("cgroup_headroom_bytes".into(), headroom.to_string());
    }
    vec![result]
}

/// Share of the cgroup's CPU enforcement periods that were throttled since the previous
/// collection, in percent. No verdict without a readable cgroup CPU controller (not Linux).
pub(super) fn cpu_throttled(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(cpu) = ctx
        .snapshot
        .process
        .value()
        .and_then(|process| process.cgroup.as_ref())
        .and_then(|cgroup| cgroup.cpu.as_ref())
    else {
        return Vec::new();
    };
    let mut result = match (cpu.throttled_pct, cpu.quota_cpus) {
        (_, None) => verdict(HealthStatus::Pass, "the cgroup has no CPU quota".into(), None),
        (None, Some(_)) => verdict(
            HealthStatus::Pass,
            "no CPU period elapsed since the previous collection (or none was taken yet)".into(),
            None,
        ),
        (Some(pct), Some(_)) => graded("CPU throttled", pct, "% of periods", config),
    };
    if let Some(quota) = cpu.quota_cpus {
        result.details.insert("quota_cpus".into(), quota.to_string());
    }
    result
        .details
        .insert("throttled_periods_total".into(), cpu.throttled_periods_total.to_string());
    vec![result]
}

/// OOM kills in the process's cgroup since the previous collection: any fails.
pub(super) fn oom_kills(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(memory) = ctx
        .snapshot
        .process
        .value()
        .and_then(|process| process.cgroup.as_ref())
        .and_then(|cgroup| cgroup.memory.as_ref())
    else {
        return Vec::new();
    };
    let mut result = match (memory.oom_kills_new, memory.oom_kills_total) {
        (Some(new), _) => {
            #[expect(clippy::cast_precision_loss, reason = "kill counts are small")]
            let new = new as f64;
            graded("OOM kills since the previous collection", new, "", config)
        }
        (None, Some(_)) => verdict(
            HealthStatus::Pass,
            "first collection: new OOM kills need a previous count".into(),
            None,
        ),
        (None, None) => verdict(
            HealthStatus::Pass,
            "this kernel does not count OOM kills per cgroup".into(),
            None,
        ),
    };
    if let Some(total) = memory.oom_kills_total {
        result.details.insert("oom_kills_total".into(), total.to_string());
    }
    vec![result]
}

/// The `some` 10-second pressure average of CPU, memory and I/O, in percent: one verdict per
/// resource, from the process's cgroup where it has PSI files, else the host's.
pub(super) fn pressure(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let cgroup = ctx
        .snapshot
        .process
        .value()
        .and_then(|process| process.cgroup.as_ref())
        .and_then(|cgroup| cgroup.pressure.as_ref());
    let host = ctx.snapshot.host.value().and_then(|host| host.pressure.as_ref());
    let (source, pressure) = match (cgroup, host) {
        (Some(cgroup), _) => ("cgroup", cgroup),
        (None, Some(host)) => ("host", host),
        (None, None) => return Vec::new(),
    };
    [("cpu", &pressure.cpu), ("memory", &pressure.memory), ("io", &pressure.io)]
        .into_iter()
        .filter_map(|(resource, value)| {
            let value = value.as_ref()?;
            let mut result = graded(
                &format!("{resource} pressure (some, avg10)"),
                value.some.avg10_pct,
                "%",
                config,
            );
            result.component_id = Some(resource.to_owned());
            result.details.insert("source".into(), source.into());
            result.details.insert("avg60_pct".into(), value.some.avg60_pct.to_string());
            Some(result)
        })
        .collect()
}

/// Available space on each configured path's file system, as a percentage of its size.
pub(super) fn disk_available(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
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
pub(super) fn fork_pressure(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
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
pub(super) fn load_per_cpu(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
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

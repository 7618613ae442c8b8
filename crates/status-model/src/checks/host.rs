//! Checks of the machine: memory, disk space, the task table, load.

use super::defs::{graded, verdict, why_null};
use super::{CheckConfig, CheckContext, Verdict};
use crate::health::HealthStatus;

/// Available memory as a percentage of the total (Linux `MemAvailable`).
pub(super) fn memory_available(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
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

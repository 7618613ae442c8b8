//! Checks of what the host tells through `StatusDeps` and of its helpers: channels, the gateway's
//! models, containers, the scheduler's tick, the workers' heartbeats.

use super::defs::{graded, verdict};
use super::{CheckConfig, CheckContext, Verdict};
use crate::health::HealthStatus;
use crate::sections::ContainerState;

/// The host's own verdicts (`StatusDeps::custom_checks`), one per name, as the host gave them.
pub(super) fn custom(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let Some(checks) = ctx.snapshot.custom_checks.value() else { return Vec::new() };
    checks
        .iter()
        .map(|(name, check)| {
            let mut result = verdict(check.status, check.message.clone(), check.observed_value);
            if let Some(unit) = &check.observed_unit {
                result.details.insert("unit".into(), unit.clone());
            }
            result.component_id = Some(name.clone());
            result
        })
        .collect()
}

/// How many items a check's details name.
const NAMED: usize = 10;

/// Names `items` (the first [`NAMED`]) in a verdict's details under `key`.
fn name_them(result: &mut Verdict, key: &str, items: &[String]) {
    if !items.is_empty() {
        let shown: Vec<&str> = items.iter().take(NAMED).map(String::as_str).collect();
        result.details.insert(key.into(), shown.join(", "));
    }
}

#[expect(clippy::cast_precision_loss, reason = "item counts are small")]
fn count(items: &[String]) -> f64 {
    items.len() as f64
}

/// Chat channels not connected; `warn_above` 0 by default.
pub(super) fn channels_disconnected(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(section) = ctx.snapshot.channels.value() else { return Vec::new() };
    let down: Vec<String> = section
        .channels
        .iter()
        .filter(|(_, channel)| !channel.connected)
        .map(|(name, _)| name.clone())
        .collect();
    let mut result = graded("disconnected channels", count(&down), "", config);
    name_them(&mut result, "disconnected", &down);
    vec![result]
}

/// Containers (named in the config, or the gateway's) that are not running; `warn_above` 0.
pub(super) fn containers_not_running(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(section) = ctx.snapshot.containers.value() else { return Vec::new() };
    let stopped: Vec<String> = section
        .containers
        .iter()
        .filter(|(_, container)| container.state != ContainerState::Running)
        .map(|(name, _)| name.clone())
        .collect();
    let mut result = graded("containers not running", count(&stopped), "", config);
    name_them(&mut result, "not_running", &stopped);
    vec![result]
}

/// Models the proxy gateway reports unhealthy; `warn_above` 0. A failed health probe warns.
pub(super) fn gateway_models_unhealthy(
    ctx: &CheckContext<'_>,
    config: &CheckConfig,
) -> Vec<Verdict> {
    let Some(gateway) = ctx.snapshot.gateway.value() else { return Vec::new() };
    if gateway.unhealthy_models.is_not_configured() {
        return Vec::new();
    }
    vec![match gateway.unhealthy_models.value() {
        #[expect(clippy::cast_precision_loss, reason = "model counts are small")]
        Some(&unhealthy) => graded("unhealthy gateway models", unhealthy as f64, "", config),
        None => verdict(HealthStatus::Warn, "the gateway's health probe failed".into(), None),
    }]
}

/// Seconds since the scheduler's last tick: `warn` above half of `fail_above` (default 300 s), `fail`
/// above it; no tick yet passes.
pub(super) fn scheduler_lag(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(scheduler) = ctx.snapshot.scheduler.value() else { return Vec::new() };
    let Some(tick) = scheduler.last_tick_at else {
        return vec![verdict(HealthStatus::Pass, "no tick yet".into(), None)];
    };
    let lag = ctx.now.duration_since(tick).as_secs_f64().max(0.0);
    vec![graded("time since the scheduler's last tick", lag, " s", config)]
}

/// Workers silent for more than their configured number of heartbeat intervals (the collector
/// marks them `stale`); `warn_above` 0 by default. No worker yet passes.
pub(super) fn workers_stale(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(section) = ctx.snapshot.workers.value() else { return Vec::new() };
    let stale: Vec<String> = section
        .workers
        .iter()
        .filter(|(_, worker)| worker.stale)
        .map(|(id, _)| id.clone())
        .collect();
    let mut result = graded("stale workers", count(&stale), "", config);
    name_them(&mut result, "stale", &stale);
    vec![result]
}

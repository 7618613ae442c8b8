//! Checks of the service itself: its collectors, its run state, its snapshot's age, its event loop.

use std::collections::BTreeMap;

use super::defs::{graded, round2, verdict, why_null};
use super::{CheckConfig, CheckContext, Verdict};
use crate::collection::Outcome;
use crate::health::HealthStatus;
use crate::sections::ServiceStatus;

/// Warns when any section's collection was not `ok`, naming each with its outcome.
pub(super) fn collectors(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
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

/// Fails while the service is shutting down, so readiness sends traffic elsewhere, and when the
/// `[target]` process it describes is gone.
pub(super) fn shutting_down(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let Some(service) = ctx.snapshot.service.value() else { return Vec::new() };
    vec![match service.status {
        ServiceStatus::Ok => verdict(HealthStatus::Pass, "running".into(), None),
        ServiceStatus::ShuttingDown => verdict(HealthStatus::Fail, "shutting down".into(), None),
        ServiceStatus::Gone => {
            let mut gone = verdict(
                HealthStatus::Fail,
                format!("{} is gone (the target process no longer runs)", service.name),
                None,
            );
            gone.details.insert("state".into(), "gone".into());
            gone
        }
    }]
}

/// Restarts of the status server's accept loop within the last 10 minutes: `warn` after one
/// (`warn_above` 0), `fail` after 5 (`fail_above` 4). Nothing while no server runs.
pub(super) fn http_server(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(http) = ctx.snapshot.http.value().filter(|http| http.serving) else {
        return Vec::new();
    };
    #[expect(clippy::cast_precision_loss, reason = "a handful of restarts")]
    let mut result =
        graded("server restarts in 10 minutes", http.restarts_last_10m as f64, "", config);
    result.details.insert("restarts_total".into(), http.restarts_total.to_string());
    if let Some(error) = &http.last_error {
        result.details.insert("last_error".into(), error.clone());
    }
    vec![result]
}

/// The snapshot's age in collection intervals; `fail_above` 3 by default. Only meaningful when the
/// snapshot comes from a loop (it has an interval).
pub(super) fn snapshot_fresh(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
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
pub(super) fn event_loop_lag(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(runtime) = ctx.snapshot.runtime.value() else { return Vec::new() };
    vec![match runtime.event_loop_lag_ms {
        Some(lag) => graded("event loop lag", lag, " ms", config),
        None => verdict(HealthStatus::Pass, why_null(ctx, "runtime", "event_loop_lag_ms"), None),
    }]
}

/// The collector's own store takes writes (a real write, rolled back, and the writers' last commit):
/// `fail` when it does not, `warn` when its file was lost while open (deleted, replaced, truncated;
/// until restart) or its journal mode is not WAL (a reader would then block the writer).
pub(super) fn store_writable(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let Some(store) = ctx.snapshot.store.value() else { return Vec::new() };
    let mut result = match (&store.error, store.journal_mode.as_deref()) {
        (Some(error), _) => {
            verdict(HealthStatus::Fail, format!("{} cannot take writes: {error}", store.path), None)
        }
        (None, Some("wal")) if store.last_loss.is_some() => verdict(
            HealthStatus::Warn,
            format!("takes writes, but {}", store.last_loss.as_deref().unwrap_or_default()),
            store.write_ms,
        ),
        (None, Some("wal")) => {
            verdict(HealthStatus::Pass, "takes writes, in WAL mode".into(), store.write_ms)
        }
        (None, mode) => verdict(
            HealthStatus::Warn,
            format!(
                "takes writes but is in {} journal mode, not WAL",
                mode.unwrap_or("an unknown")
            ),
            store.write_ms,
        ),
    };
    result.details.insert("path".into(), store.path.clone());
    vec![result]
}

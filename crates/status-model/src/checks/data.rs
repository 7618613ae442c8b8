//! Checks of what the host's databases say: overdue tasks and jobs, the notifier's backlog,
//! undelivered messages, and the SQL probes' own thresholds.

use super::defs::{graded, verdict, why_null};
use super::{CheckConfig, CheckContext, Verdict};
use crate::health::HealthStatus;
use crate::sections::Fallible;

/// How many overdue items a check's details name.
const NAMED: usize = 10;

/// Counts overdue items against `warn_above` (default 0: any overdue item warns), naming the first.
fn overdue(what: &str, ids: Vec<String>, config: &CheckConfig) -> Verdict {
    #[expect(clippy::cast_precision_loss, reason = "item counts are small")]
    let count = ids.len() as f64;
    let mut result = graded(&format!("overdue {what}"), count, "", config);
    if !ids.is_empty() {
        let shown: Vec<&str> = ids.iter().take(NAMED).map(String::as_str).collect();
        result.details.insert("overdue".into(), shown.join(", "));
    }
    result
}

/// Scheduled tasks whose `next_run` is past by more than the configured grace.
pub(super) fn tasks_overdue(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(section) = ctx.snapshot.tasks.value() else { return Vec::new() };
    let ids = section
        .tasks
        .iter()
        .filter(|task| task.overdue == Some(true))
        .map(|task| task.id.clone())
        .collect();
    vec![overdue("tasks", ids, config)]
}

/// Enabled app jobs whose `next_run` is past by more than the configured grace.
pub(super) fn app_jobs_overdue(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(section) = ctx.snapshot.app_jobs.value() else { return Vec::new() };
    let ids = section
        .jobs
        .iter()
        .filter(|job| job.overdue == Some(true))
        .map(|job| job.name.clone().unwrap_or_else(|| job.id.clone()))
        .collect();
    vec![overdue("app jobs", ids, config)]
}

/// Age of the oldest notification still pending, in seconds; nothing pending passes.
pub(super) fn notifier_backlog(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(notifier) = ctx.snapshot.notifier.value() else { return Vec::new() };
    let mut result = match notifier.oldest_pending_age_seconds {
        Some(age) => graded("oldest pending notification age", age, " s", config),
        None => verdict(HealthStatus::Pass, "no notification pending".into(), None),
    };
    result.details.insert("pending_count".into(), notifier.pending_count.to_string());
    vec![result]
}

/// Seconds a pending deploy (a `pending_sha` other than the applied one) has waited, seen from
/// `deploy.pending_since`; nothing pending passes.
pub(super) fn deploy_pending(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(deploy) = ctx.snapshot.deploy.value() else { return Vec::new() };
    let mut result = match (&deploy.pending_sha, deploy.pending_since) {
        (Some(sha), Some(since)) => {
            let waited = ctx.now.duration_since(since).as_secs_f64().max(0.0);
            let mut result = graded("pending deploy waiting", waited.round(), " s", config);
            result.details.insert("pending_sha".into(), sha.clone());
            result
        }
        _ => verdict(HealthStatus::Pass, "no deploy pending".into(), None),
    };
    if let Some(applied) = &deploy.last_deploy_sha {
        result.details.insert("applied_sha".into(), applied.clone());
    }
    vec![result]
}

/// Outbound deliveries not yet made.
pub(super) fn pending_deliveries(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(messages) = ctx.snapshot.messages.value() else { return Vec::new() };
    #[expect(clippy::cast_precision_loss, reason = "delivery counts stay far below 2^52")]
    let pending = messages.pending_deliveries as f64;
    vec![graded("pending deliveries", pending, "", config)]
}

/// Each SQL probe against its own `warn_above`/`fail_above` (from `[[databases.probes]]`); a probe
/// without thresholds is reported but always passes; a probe that failed warns.
pub(super) fn probes(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let Some(probes) = ctx.snapshot.probes.value() else { return Vec::new() };
    probes
        .iter()
        .map(|(name, result)| {
            let mut verdict = match result {
                Some(probe) => match probe.value {
                    Some(value) => {
                        let thresholds = CheckConfig {
                            enabled: true,
                            critical: false,
                            warn_above: probe.warn_above,
                            fail_above: probe.fail_above,
                            warn_below: None,
                            fail_below: None,
                            fail_after: 1,
                            recover_after: 1,
                        };
                        let mut verdict = graded(&format!("probe {name}"), value, "", &thresholds);
                        verdict.details.insert("database".into(), probe.database.clone());
                        verdict
                    }
                    None => verdict(
                        HealthStatus::Pass,
                        format!("probe {name} returned no number"),
                        None,
                    ),
                },
                None => verdict(
                    HealthStatus::Warn,
                    format!("probe {name} failed: {}", why_null(ctx, "probes", name)),
                    None,
                ),
            };
            verdict.component_id = Some(name.clone());
            verdict
        })
        .collect()
}

/// Repositories and worktrees stopped in a merge, rebase, cherry-pick or revert: each is named;
/// `warn_above` 0 by default. A repo or worktree that could not be read is not counted here (the
/// `repos` section says why).
pub(super) fn worktree_conflicts(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(repos) = ctx.snapshot.repos.value() else { return Vec::new() };
    let mut stuck = Vec::new();
    for (name, repo) in &repos.0 {
        let Some(repo) = repo.value() else { continue };
        if repo.conflict {
            stuck.push(name.clone());
        }
        for (worktree, status) in repo.worktrees.iter().flatten() {
            if status.value().is_some_and(|status| status.conflict) {
                stuck.push(format!("{name}/{worktree}"));
            }
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "worktree counts are small")]
    let count = stuck.len() as f64;
    let mut result = graded("worktrees in conflict", count, "", config);
    if !stuck.is_empty() {
        let shown: Vec<&str> = stuck.iter().take(NAMED).map(String::as_str).collect();
        result.details.insert("conflicts".into(), shown.join(", "));
    }
    vec![result]
}

/// Seconds since the notifier last attempted a send, while notifications are pending; `fail_above`
/// 120 s by default, SohnBot's `observability.notifier_lag_threshold`. Nothing pending passes: an
/// idle notifier has nothing to attempt.
pub(super) fn notifier_alive(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(notifier) = ctx.snapshot.notifier.value() else { return Vec::new() };
    if notifier.pending_count == 0 {
        return vec![verdict(HealthStatus::Pass, "no notification pending".into(), None)];
    }
    let mut result = match notifier.last_attempt_at {
        Some(at) => {
            let idle = ctx.now.duration_since(at).as_secs_f64().max(0.0).round();
            graded("time since the notifier's last attempt", idle, " s", config)
        }
        None => verdict(
            HealthStatus::Warn,
            "notifications pending and no attempt recorded".into(),
            None,
        ),
    };
    result.details.insert("pending_count".into(), notifier.pending_count.to_string());
    vec![result]
}

/// Operations in flight longer than `warn_above` (default 600 s), named by id and tool. Their age
/// is the collected `elapsed_s` plus the time since the snapshot was taken. Only the listed
/// operations (the broker lists 20) are seen.
pub(super) fn operation_timeouts(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(broker) = ctx.snapshot.broker.value() else { return Vec::new() };
    let since = ctx.now.duration_since(ctx.snapshot.collection.taken_at).as_secs_f64().max(0.0);
    let limit = config.fail_above.into_iter().chain(config.warn_above).fold(f64::MAX, f64::min);
    let mut late: Vec<(f64, String)> = broker
        .in_flight
        .iter()
        .filter_map(|op| op.elapsed_s.map(|elapsed| (elapsed + since, op)))
        .filter(|(age, _)| *age > limit)
        .map(|(age, op)| (age, format!("{} ({}, {} s)", op.operation_id, op.tool, age.round())))
        .collect();
    late.sort_by(|a, b| b.0.total_cmp(&a.0));
    let oldest = late.first().map_or(0.0, |(age, _)| age.round());
    let mut result = match late.is_empty() {
        true => verdict(HealthStatus::Pass, "no operation past its time".into(), Some(0.0)),
        false => graded("longest running operation", oldest, " s", config),
    };
    if !late.is_empty() {
        let named: Vec<String> = late.into_iter().take(NAMED).map(|(_, name)| name).collect();
        result.details.insert("operations".into(), named.join(", "));
    }
    vec![result]
}

/// The host's database files and log directory together, in MB (10^6 bytes), from `storage`;
/// `warn_above` 1000 MB by default, SohnBot's `observability.disk_cap_mb`. Unmeasured parts are
/// left out and named.
pub(super) fn disk_usage(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(storage) = ctx.snapshot.storage.value() else { return Vec::new() };
    let databases: u64 = storage.databases.values().flatten().map(|files| files.total_bytes).sum();
    let logs = storage.log_dir_bytes.unwrap_or(0);
    #[expect(clippy::cast_precision_loss, reason = "sizes far below 2^52 bytes")]
    let total_mb = (databases + logs) as f64 / 1e6;
    let mut result = graded("database files and logs", total_mb, " MB", config);
    result.details.insert("database_bytes".into(), databases.to_string());
    result.details.insert("log_dir_bytes".into(), logs.to_string());
    let unmeasured: Vec<&str> = storage
        .databases
        .iter()
        .filter(|(_, files)| files.is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    if !unmeasured.is_empty() {
        result.details.insert("unmeasured".into(), unmeasured.join(", "));
    }
    vec![result]
}

/// Repositories that could not be read, each named with its reason (and the age of the value kept
/// for it, if any); `warn_above` 0 by default.
pub(super) fn repos_unreadable(ctx: &CheckContext<'_>, config: &CheckConfig) -> Vec<Verdict> {
    let Some(repos) = ctx.snapshot.repos.value() else { return Vec::new() };
    let failed: Vec<(&String, String)> = repos
        .0
        .iter()
        .filter_map(|(name, repo)| match repo {
            Fallible::Failed { error } => Some((name, error.clone())),
            Fallible::Ok(status) => status.unreadable.as_ref().map(|reason| {
                let age = status.stale_seconds.unwrap_or_default();
                (name, format!("{reason} (showing the value read {age:.0} s ago)"))
            }),
        })
        .collect();
    #[expect(clippy::cast_precision_loss, reason = "a handful of repositories")]
    let mut result = graded("unreadable repositories", failed.len() as f64, "", config);
    for (name, error) in failed.into_iter().take(NAMED) {
        result.details.insert(name.clone(), error);
    }
    vec![result]
}

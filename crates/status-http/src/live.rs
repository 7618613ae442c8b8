//! The health report as of a request: the cached report with the freshness check evaluated now.
//!
//! Everything else in the report was decided when the snapshot was collected; only the snapshot's
//! age changes between collections, so only `snapshot_fresh` is re-run per request. The report is the
//! redacted one published with the snapshot.

use status_collect::Published;
use status_model::checks::{CheckConfig, CheckContext, CheckDef};
use status_model::{CheckResult, HealthReport, Timestamp};

/// The name of the freshness check.
pub(crate) const FRESHNESS: &str = "snapshot_fresh";

/// The cached report with `snapshot_fresh` re-evaluated at `now` (when that check is enabled).
/// `None` when the snapshot carries no health report.
pub(crate) fn report(
    published: &Published,
    freshness: &CheckConfig,
    now: Timestamp,
) -> Option<HealthReport> {
    let mut report = published.health.clone()?;
    if let Some(fresh) = fresh_check(published, freshness, now)
        && let Some(slot) = report.checks.iter_mut().find(|result| result.name == FRESHNESS)
    {
        *slot = fresh;
        report.status = HealthReport::overall(&report.checks);
    }
    Some(report)
}

/// `snapshot_fresh`'s result re-evaluated at `now`: the one part of the report that changes between
/// collections. `None` when the snapshot carries no report, the report has no such check, or the
/// check gives no verdict.
pub(crate) fn fresh_check(
    published: &Published,
    freshness: &CheckConfig,
    now: Timestamp,
) -> Option<CheckResult> {
    let slot = published.health.as_ref()?.checks.iter().find(|result| result.name == FRESHNESS)?;
    let check = CheckDef::find(FRESHNESS)?;
    // The freshness check reads only the collection's time and interval, which redaction keeps.
    let context = CheckContext { snapshot: &published.snapshot, now };
    let verdict = (check.run)(&context, freshness).into_iter().next()?;
    let changed = verdict.status != slot.status;
    Some(CheckResult {
        status: verdict.status,
        message: verdict.message,
        observed_value: verdict.observed_value,
        details: verdict.details,
        time: now,
        status_since: if changed { now } else { slot.status_since },
        ..slot.clone()
    })
}

/// Age of the snapshot at `now`, in whole milliseconds (0 for a snapshot from the future).
pub(crate) fn age_millis(published: &Published, now: Timestamp) -> i64 {
    now.duration_since(published.collection.taken_at)
        .as_millis()
        .max(0)
        .try_into()
        .unwrap_or(i64::MAX)
}

/// The time at which the snapshot is `age_ms` old.
pub(crate) fn at_age(published: &Published, age_ms: i64) -> Timestamp {
    let taken_at = published.collection.taken_at;
    let age = std::time::Duration::from_millis(u64::try_from(age_ms).unwrap_or(0));
    taken_at.checked_add(age).unwrap_or(taken_at)
}

/// Age of the snapshot at `now`, in seconds.
pub(crate) fn age_seconds(published: &Published, now: Timestamp) -> f64 {
    now.duration_since(published.collection.taken_at).as_secs_f64().max(0.0)
}

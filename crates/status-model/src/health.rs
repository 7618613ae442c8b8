//! The health vocabulary shared by checks, `/health` and the CLI, and the health report that a
//! snapshot carries.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A health verdict. The order is severity: `Pass < Warn < Fail`, so the worst of many is their `max`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Healthy.
    Pass,
    /// Healthy but with a concern worth a look.
    Warn,
    /// Unhealthy.
    Fail,
}

impl HealthStatus {
    /// The worst of the given statuses, `Pass` when there are none.
    pub fn worst(statuses: impl IntoIterator<Item = HealthStatus>) -> HealthStatus {
        statuses.into_iter().max().unwrap_or(HealthStatus::Pass)
    }

    /// The lowercase wire name (`pass`, `warn`, `fail`).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Pass => "pass",
            HealthStatus::Warn => "warn",
            HealthStatus::Fail => "fail",
        }
    }
}

/// The verdicts of every enabled check over one snapshot, in the checks' fixed order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HealthReport {
    /// The overall status (see [`HealthReport::overall`]): the worst of the critical checks, with
    /// non-critical checks and `shutting_down` counting as `warn` at most (`pass` when there are none).
    pub status: HealthStatus,
    /// When the overall status last changed (RFC 3339 UTC).
    pub status_since: Timestamp,
    /// Status changes of checks and of the overall status since the collector started.
    pub transitions_total: u64,
    /// One result per check (per item, for checks over several items such as disks).
    pub checks: Vec<CheckResult>,
    /// The status changes this evaluation saw (usually none), oldest first.
    pub events: Vec<HealthEvent>,
}

/// The check that fails while the service stops on purpose.
const SHUTTING_DOWN: &str = "shutting_down";

impl HealthReport {
    /// The overall status of `checks`, as `/health` answers it (IETF mapping: `fail` is 503):
    /// the worst of the critical checks' statuses, where a non-critical check counts as `warn` at
    /// most (it never makes `/health` fail) and so does `shutting_down` (a clean stop fails
    /// readiness, but it is not a failure of the service, nor recorded as one in the history). A
    /// `[target]` process that is gone fails `shutting_down` with detail `state = gone`: that is a
    /// failure, and counts in full.
    pub fn overall(checks: &[CheckResult]) -> HealthStatus {
        HealthStatus::worst(checks.iter().map(|check| {
            let gone = check.details.get("state").is_some_and(|state| state == "gone");
            if check.critical && (check.name != SHUTTING_DOWN || gone) {
                check.status
            } else {
                check.status.min(HealthStatus::Warn)
            }
        }))
    }

    /// The worst status among critical checks: what readiness answers.
    pub fn readiness(&self) -> HealthStatus {
        HealthStatus::worst(
            self.checks.iter().filter(|check| check.critical).map(|check| check.status),
        )
    }
}

/// One check's verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    /// Unique name: the check's name, plus `:item` for checks over several items (`disk_available:/var`).
    pub name: String,
    /// The IETF health format's component (`memory`, `disk`, `cpu`, …).
    pub component: String,
    /// The IETF health format's measurement (`available`, `load_per_cpu`, …).
    pub measurement: String,
    /// The item checked, for checks over several items (a path, a section).
    pub component_id: Option<String>,
    /// The verdict after flap damping.
    pub status: HealthStatus,
    /// Whether this check can make readiness fail.
    pub critical: bool,
    /// What the verdict means, in a sentence.
    pub message: String,
    /// The measured value compared with the thresholds; `null` when there was none.
    pub observed_value: Option<f64>,
    /// The unit of `observed_value` (`percent`, `ms`, `ratio`, `s`).
    pub observed_unit: Option<String>,
    /// When the check ran (the snapshot's time, or the request's for live checks).
    pub time: Timestamp,
    /// When `status` last changed.
    pub status_since: Timestamp,
    /// Supporting facts (thresholds, raw figures, per-item reasons).
    pub details: BTreeMap<String, String>,
}

/// A change of a check's status, or of the overall status (check name `overall`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HealthEvent {
    /// The check's name, or `overall`.
    pub check: String,
    /// The status before.
    pub from: HealthStatus,
    /// The status now.
    pub to: HealthStatus,
    /// When the change was seen.
    pub at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::HealthStatus::{Fail, Pass, Warn};
    use super::*;

    #[test]
    fn order_is_severity() {
        assert!(Pass < Warn && Warn < Fail);
        assert_eq!(HealthStatus::worst([]), Pass);
        assert_eq!(HealthStatus::worst([Pass, Warn, Pass]), Warn);
        assert_eq!(HealthStatus::worst([Warn, Fail, Pass]), Fail);
    }

    fn check(name: &str, critical: bool, status: HealthStatus) -> CheckResult {
        CheckResult {
            name: name.into(),
            component: "c".into(),
            measurement: "m".into(),
            component_id: None,
            status,
            critical,
            message: String::new(),
            observed_value: None,
            observed_unit: None,
            time: Timestamp::UNIX_EPOCH,
            status_since: Timestamp::UNIX_EPOCH,
            details: BTreeMap::new(),
        }
    }

    #[test]
    fn non_critical_checks_and_a_clean_stop_warn_at_most() {
        let overall = |checks: &[CheckResult]| HealthReport::overall(checks);
        assert_eq!(overall(&[]), Pass);
        assert_eq!(overall(&[check("a", false, Fail), check("b", true, Pass)]), Warn);
        assert_eq!(overall(&[check("a", false, Fail), check("b", true, Fail)]), Fail);
        assert_eq!(overall(&[check("a", true, Warn)]), Warn);
        assert_eq!(overall(&[check("shutting_down", true, Fail)]), Warn);
        // A gone `[target]` fails the same check, and that is a failure of the service.
        let mut gone = check("shutting_down", true, Fail);
        gone.details.insert("state".into(), "gone".into());
        assert_eq!(overall(&[gone]), Fail);
        assert_eq!(overall(&[check("shutting_down", true, Pass), check("a", false, Pass)]), Pass);
    }

    #[test]
    fn wire_names() {
        for status in [Pass, Warn, Fail] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
    }
}

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
    /// The worst status of all checks (`pass` when there are none).
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

impl HealthReport {
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

    #[test]
    fn wire_names() {
        for status in [Pass, Warn, Fail] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
    }
}

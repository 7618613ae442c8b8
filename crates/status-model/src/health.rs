//! The health vocabulary shared by checks, `/health` and the CLI.

use serde::{Deserialize, Serialize};

/// A health verdict. The order is severity: `Pass < Warn < Fail`, so the worst of many is their `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

//! The host's own health checks, through `StatusDeps::custom_checks`, end up in the health report.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use status_collect::Status;
use status_deps::{BoxError, Provides, StatusDeps};
use status_model::{CustomCheck, CustomChecksSection, HealthStatus};

/// A host whose only extra is two verdicts of its own.
struct Host;

#[async_trait]
impl StatusDeps for Host {
    fn provides(&self) -> Provides {
        Provides { custom_checks: true, ..Provides::default() }
    }

    async fn custom_checks(&self) -> Result<CustomChecksSection, BoxError> {
        Ok(BTreeMap::from([
            (
                "api_quota".to_owned(),
                CustomCheck {
                    status: HealthStatus::Fail,
                    message: "quota exhausted".into(),
                    observed_value: Some(100.0),
                    observed_unit: Some("percent".into()),
                },
            ),
            (
                "index".to_owned(),
                CustomCheck {
                    status: HealthStatus::Pass,
                    message: "fresh".into(),
                    observed_value: None,
                    observed_unit: None,
                },
            ),
        ]))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_checks_become_health_checks() {
    let collection = Status::builder().deps(Arc::new(Host)).on_demand().unwrap();
    let snapshot = status_model::Snapshot::clone(&collection.collect().await.unwrap().snapshot);
    assert_eq!(snapshot.collection.sections["custom_checks"].outcome, status_model::Outcome::Ok);
    let health = snapshot.health.unwrap();
    let custom: Vec<_> = health
        .checks
        .iter()
        .filter(|c| c.name.starts_with("custom:"))
        .map(|c| (c.name.as_str(), c.status))
        .collect();
    assert_eq!(
        custom,
        [("custom:api_quota", HealthStatus::Fail), ("custom:index", HealthStatus::Pass)]
    );
    // Host checks are not critical unless configured so: a failing one makes the whole warn.
    assert_eq!(health.status, HealthStatus::Warn);
}

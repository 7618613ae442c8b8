//! The `containers` section: named containers' states from the Docker Engine API, for the names in
//! `[containers] names` and the host's proxy gateway's containers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use status_deps::StatusDeps;
use status_model::{ContainersSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::docker::{self, DockerEndpoint, DockerError};

/// Collects the `containers` section.
pub struct ContainersCollector {
    names: Vec<String>,
    endpoint: DockerEndpoint,
    gateway: Option<Arc<dyn StatusDeps>>,
    budget: Duration,
}

/// How long the Docker requests may take unless [`ContainersCollector::with_budget`] says: three
/// quarters of the default collection deadline.
const DEFAULT_BUDGET: Duration = Duration::from_millis(1500);

impl ContainersCollector {
    /// Reads `names` from the daemon at `endpoint`; with `gateway`, also the containers that host's
    /// [`StatusDeps::gateway`] names (the states it reports itself are not asked of Docker). The
    /// requests get 1.5 s in all; see [`ContainersCollector::with_budget`].
    pub fn new(
        names: Vec<String>,
        endpoint: DockerEndpoint,
        gateway: Option<Arc<dyn StatusDeps>>,
    ) -> ContainersCollector {
        ContainersCollector { names, endpoint, gateway, budget: DEFAULT_BUDGET }
    }

    /// Gives the Docker requests `budget` in all (each on a connection of its own). One still
    /// unanswered then is dropped with its connection and the section fails, naming it; the next
    /// collection starts afresh. Keep it under the collection deadline.
    pub fn with_budget(mut self, budget: Duration) -> ContainersCollector {
        self.budget = budget;
        self
    }
}

#[async_trait]
impl Collector for ContainersCollector {
    fn section(&self) -> SectionName {
        SectionName::Containers
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let mut names = self.names.clone();
        let mut gateway_error = None;
        let mut reported = BTreeMap::new();
        if let Some(deps) = &self.gateway {
            match deps.gateway().await {
                Ok(info) => {
                    if let Some(proxy) = info.proxy {
                        names.extend(proxy.containers);
                        reported = proxy.states;
                    }
                }
                Err(error) => gateway_error = Some(format!("the host's gateway() failed: {error}")),
            }
        }
        names.sort();
        names.dedup();
        let containers = docker::states(&self.endpoint, &names, &reported, self.budget)
            .await
            .map_err(|error| match error {
                DockerError::NoDaemon(_) => CollectError::Unavailable(error.to_string()),
                DockerError::Failed(_) => CollectError::Failed(error.to_string()),
            })?;
        let mut collected =
            Collected::complete(SectionData::Containers(ContainersSection { containers }));
        if let Some(reason) = gateway_error {
            collected.unmeasured.insert("gateway containers".into(), reason);
        }
        Ok(collected)
    }
}

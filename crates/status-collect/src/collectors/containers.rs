//! The `containers` section: named containers' states from the Docker Engine API, for the names in
//! `[containers] names` and the host's proxy gateway's containers.

use std::sync::Arc;

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
}

impl ContainersCollector {
    /// Reads `names` from the daemon at `endpoint`; with `gateway`, also the containers that host's
    /// [`StatusDeps::gateway`] names.
    pub fn new(
        names: Vec<String>,
        endpoint: DockerEndpoint,
        gateway: Option<Arc<dyn StatusDeps>>,
    ) -> ContainersCollector {
        ContainersCollector { names, endpoint, gateway }
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
        if let Some(deps) = &self.gateway {
            match deps.gateway().await {
                Ok(info) => names.extend(info.proxy.into_iter().flat_map(|proxy| proxy.containers)),
                Err(error) => gateway_error = Some(format!("the host's gateway() failed: {error}")),
            }
        }
        names.sort();
        names.dedup();
        let containers =
            docker::inspect(&self.endpoint, &names).await.map_err(|error| match error {
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

//! The `gateway` section: the mode the host reports and, for a proxy gateway, its containers' states
//! and the healthy and unhealthy model counts from its health URL.
//!
//! The bearer key is read from the environment variable the host names, at each probe, and goes only
//! into the request's `Authorization` header (marked sensitive): never into the snapshot, a reason or
//! a log line.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hyper::Uri;
use serde::Deserialize;
use status_deps::StatusDeps;
use status_model::{ContainerStatus, GatewaySection, ProxyGateway, SectionData, SectionName, Slot};
use tokio::net::TcpStream;

use super::EnvLookup;
use crate::collector::{CollectError, Collected, Collector};
#[cfg(feature = "docker")]
use crate::docker::{self, DockerEndpoint};
use crate::http::Connection;

/// Collects the `gateway` section.
pub struct GatewayCollector {
    deps: Arc<dyn StatusDeps>,
    #[cfg(feature = "docker")]
    docker: DockerEndpoint,
    env: EnvLookup,
    health_timeout: Duration,
}

impl GatewayCollector {
    /// Asks `deps` for the gateway; reads a proxy's containers from `docker` (those whose states
    /// the host does not report) and probes its health URL, each giving up after `health_timeout`
    /// (a request then unanswered is dropped with its connection). The key variable is looked up through `env`.
    /// Without the `docker` feature there is no `docker` argument, and only the states the host
    /// reports are given.
    pub fn new(
        deps: Arc<dyn StatusDeps>,
        #[cfg(feature = "docker")] docker: DockerEndpoint,
        env: EnvLookup,
        health_timeout: Duration,
    ) -> GatewayCollector {
        GatewayCollector {
            deps,
            #[cfg(feature = "docker")]
            docker,
            env,
            health_timeout,
        }
    }

    /// The states of the proxy's containers: those the host reports, the others from Docker.
    #[cfg(feature = "docker")]
    async fn container_states(
        &self,
        proxy: &ProxyGateway,
    ) -> Result<BTreeMap<String, ContainerStatus>, String> {
        docker::states(&self.docker, &proxy.containers, &proxy.states, self.health_timeout)
            .await
            .map_err(|error| error.to_string())
    }

    /// The states of the proxy's containers the host reports; one it does not report could only
    /// be read from Docker, which this build leaves out.
    #[cfg(not(feature = "docker"))]
    async fn container_states(
        &self,
        proxy: &ProxyGateway,
    ) -> Result<BTreeMap<String, ContainerStatus>, String> {
        let unreported: Vec<&str> = proxy
            .containers
            .iter()
            .filter(|name| !proxy.states.contains_key(*name))
            .map(String::as_str)
            .collect();
        if unreported.is_empty() {
            Ok(proxy.states.clone())
        } else {
            Err(format!(
                "the states of {} are read from Docker, and this build was made without the \
                 `docker` feature",
                unreported.join(", ")
            ))
        }
    }
}

#[async_trait]
impl Collector for GatewayCollector {
    fn section(&self) -> SectionName {
        SectionName::Gateway
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let info = self.deps.gateway().await.map_err(|error| {
            CollectError::Failed(format!("the host's gateway() failed: {error}"))
        })?;
        let mut section = GatewaySection {
            mode: info.mode,
            containers: Slot::NotConfigured,
            healthy_models: Slot::NotConfigured,
            unhealthy_models: Slot::NotConfigured,
        };
        let mut collected = Collected::complete(SectionData::Gateway(section.clone()));
        let Some(proxy) = info.proxy else {
            return Ok(collected);
        };
        let (containers, health) = tokio::join!(
            self.container_states(&proxy),
            tokio::time::timeout(self.health_timeout, probe(&proxy, &self.env)),
        );
        match containers {
            Ok(containers) => section.containers = Slot::Present(containers),
            Err(error) => {
                section.containers = Slot::Missing;
                collected.unmeasured.insert("containers".into(), error);
            }
        }
        let health = health.unwrap_or_else(|_| {
            Err(format!(
                "GET {} gave no answer within {}",
                proxy.health_url,
                humantime::format_duration(self.health_timeout)
            ))
        });
        match health {
            Ok(counts) => {
                section.healthy_models = Slot::Present(counts.healthy);
                section.unhealthy_models = Slot::Present(counts.unhealthy);
            }
            Err(reason) => {
                tracing::debug!(%reason, "gateway health probe failed");
                section.healthy_models = Slot::Missing;
                section.unhealthy_models = Slot::Missing;
                collected.unmeasured.insert("healthy_models".into(), reason.clone());
                collected.unmeasured.insert("unhealthy_models".into(), reason);
            }
        }
        collected.data = SectionData::Gateway(section);
        Ok(collected)
    }
}

struct ModelCounts {
    healthy: u64,
    unhealthy: u64,
}

/// A LiteLLM-style `/health` answer: counts, or lists of endpoints.
#[derive(Deserialize)]
struct HealthBody {
    healthy_count: Option<u64>,
    unhealthy_count: Option<u64>,
    healthy_endpoints: Option<Vec<serde_json::Value>>,
    unhealthy_endpoints: Option<Vec<serde_json::Value>>,
}

/// GETs the health URL once. Errors name the URL and the variable, never the key.
async fn probe(proxy: &ProxyGateway, env: &EnvLookup) -> Result<ModelCounts, String> {
    let url = &proxy.health_url;
    let uri: Uri = url.parse().map_err(|error| format!("invalid health URL {url:?}: {error}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!("health URL {url} is not http:// (https is not supported)"));
    }
    let authority = uri.authority().ok_or_else(|| format!("health URL {url} has no host"))?;
    let address = (authority.host().trim_matches(['[', ']']), authority.port_u16().unwrap_or(80));
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let key = match &proxy.key_env {
        Some(name) => Some(
            env(name)
                .ok_or_else(|| format!("the key variable {name} is not set in the environment"))?,
        ),
        None => None,
    };
    let stream = TcpStream::connect(address)
        .await
        .map_err(|error| format!("GET {url}: connect: {error}"))?;
    let mut connection =
        Connection::open(stream).await.map_err(|error| format!("GET {url}: {error}"))?;
    let (status, body) = connection
        .get(authority.as_str(), path, key.as_deref())
        .await
        .map_err(|error| format!("GET {url}: {error}"))?;
    if !status.is_success() {
        return Err(format!("GET {url} answered {status}"));
    }
    let health: HealthBody = serde_json::from_slice(&body)
        .map_err(|error| format!("GET {url}: the answer is not health JSON: {error}"))?;
    let count = |count: Option<u64>, list: Option<Vec<serde_json::Value>>, what: &str| {
        count.or_else(|| list.map(|list| list.len() as u64)).ok_or_else(|| {
            format!("GET {url}: the answer has neither {what}_count nor {what}_endpoints")
        })
    };
    Ok(ModelCounts {
        healthy: count(health.healthy_count, health.healthy_endpoints, "healthy")?,
        unhealthy: count(health.unhealthy_count, health.unhealthy_endpoints, "unhealthy")?,
    })
}

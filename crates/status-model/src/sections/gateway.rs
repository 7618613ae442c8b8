//! The `gateway` section: how the app reaches its models, and whether a proxy gateway is healthy.
//! Also [`GatewayInfo`], what the app tells the collector about its gateway.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::containers::ContainerStatus;
use crate::slot::Slot;

/// The app's model gateway.
///
/// For a direct gateway only `mode` is present. For a proxy gateway `containers`,
/// `healthy_models` and `unhealthy_models` are present; each is `null` when it could not be read
/// (the reason is in the collection report).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GatewaySection {
    /// The mode the app reports (for example `direct` or `proxy`).
    pub mode: String,
    /// The proxy's containers, keyed by name.
    #[serde(default, skip_serializing_if = "Slot::is_not_configured")]
    pub containers: Slot<BTreeMap<String, ContainerStatus>>,
    /// Models the proxy's health endpoint reports healthy.
    #[serde(default, skip_serializing_if = "Slot::is_not_configured")]
    pub healthy_models: Slot<u64>,
    /// Models the proxy's health endpoint reports unhealthy.
    #[serde(default, skip_serializing_if = "Slot::is_not_configured")]
    pub unhealthy_models: Slot<u64>,
}

/// What the app says about its gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GatewayInfo {
    /// The mode, reported as is.
    pub mode: String,
    /// For a proxy gateway, how to check it; `None` for a direct one.
    pub proxy: Option<ProxyGateway>,
}

/// How to check a proxy gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProxyGateway {
    /// The proxy's Docker containers; those not in `states` are read from the Docker daemon.
    pub containers: Vec<String>,
    /// Container states the app reports itself, keyed by name (for example for containers it runs
    /// under its own supervisor, or when it has no Docker daemon to ask). A name here is not asked
    /// of Docker. Empty by default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub states: BTreeMap<String, ContainerStatus>,
    /// Its health URL (plain `http://`), answered with a LiteLLM-style `/health` body
    /// (`healthy_count`/`unhealthy_count`, or `healthy_endpoints`/`unhealthy_endpoints` lists).
    pub health_url: String,
    /// The NAME of the environment variable holding the bearer key, never the key itself.
    pub key_env: Option<String>,
}

//! The config tables of the sections read from the machine around the host: `[containers]`,
//! `[gateway]`, `[terminals]` and `[processes]`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// `[containers]`: Docker containers whose state the `containers` section reports.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ContainersConfig {
    /// `names`: container names. Default none. The section is configured when this is not empty or
    /// the host provides a gateway (whose proxy containers are added).
    pub names: Vec<String>,
    /// `socket`: the Docker daemon's unix socket. Default: `DOCKER_HOST` when it is `unix://…`, else
    /// `/var/run/docker.sock`.
    pub socket: Option<PathBuf>,
}

/// `[gateway]`: how the `gateway` section probes a proxy gateway's health URL.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GatewayConfig {
    /// `health_timeout`: how long the health URL may take, as `5s`; 100 ms to 60 s. Default 5 s.
    /// The probe is also bounded by `[collect] deadline`: it gets at most three quarters of it, so
    /// that a slow proxy leaves the rest of the section (mode, containers) on time.
    #[serde(deserialize_with = "health_timeout_in_range")]
    pub health_timeout: Duration,
}

impl Default for GatewayConfig {
    fn default() -> GatewayConfig {
        GatewayConfig { health_timeout: Duration::from_secs(5) }
    }
}

/// `[terminals]`: the `terminals` section (tmux and screen sessions).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TerminalsConfig {
    /// `enabled`: whether to report terminal sessions. Default true.
    pub enabled: bool,
    /// `tmux_tmpdir`: the `TMUX_TMPDIR` whose servers (the sockets in its `tmux-UID/`) are asked.
    /// Default: the environment's, else tmux's own (`/tmp`).
    pub tmux_tmpdir: Option<PathBuf>,
    /// `screen_dir`: the `SCREENDIR` holding screen's sockets. Default: the environment's, else
    /// screen's own.
    pub screen_dir: Option<PathBuf>,
}

impl Default for TerminalsConfig {
    fn default() -> TerminalsConfig {
        TerminalsConfig { enabled: true, tmux_tmpdir: None, screen_dir: None }
    }
}

/// `[processes]`: the `processes` section.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ProcessesConfig {
    /// `names`: executable names to count, matched exactly. Default empty, which leaves the section
    /// out: what to count is the host's own business (an agent orchestrator might name
    /// `["claude", "node", "bun"]`).
    pub names: Vec<String>,
}

fn health_timeout_in_range<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    super::parse_bounded_duration(
        "gateway.health_timeout",
        &text,
        (Duration::from_millis(100), Duration::from_secs(60)),
    )
    .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests;

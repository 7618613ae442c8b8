//! Reading container states from the Docker Engine API over its unix socket, with the small HTTP
//! client in [`crate::http`]: one `GET /containers/<name>/json` per container, each on a connection
//! of its own, all within the section's time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use status_model::{ContainerState, ContainerStatus, Timestamp};
use tokio::net::UnixStream;
use tokio::time::Instant;

use crate::http::Connection;

/// The default socket when neither the config nor `DOCKER_HOST` names one.
pub(crate) const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Where the Docker daemon listens.
#[derive(Clone, Debug, PartialEq)]
pub enum DockerEndpoint {
    /// A unix socket.
    Unix(PathBuf),
    /// `DOCKER_HOST` names something other than a unix socket; the reason says what.
    Unsupported(String),
}

impl DockerEndpoint {
    /// The configured socket, else `DOCKER_HOST` (`unix://…` only), else `/var/run/docker.sock`.
    pub fn resolve(configured: Option<&Path>, docker_host: Option<String>) -> DockerEndpoint {
        if let Some(path) = configured {
            return DockerEndpoint::Unix(path.to_owned());
        }
        match docker_host.filter(|value| !value.is_empty()) {
            None => DockerEndpoint::Unix(PathBuf::from(DEFAULT_SOCKET)),
            Some(value) => match value.strip_prefix("unix://") {
                Some(path) => DockerEndpoint::Unix(PathBuf::from(path)),
                None => DockerEndpoint::Unsupported(format!(
                    "DOCKER_HOST={value} is not a unix:// socket; only unix sockets are read \
                     (set `[containers] socket` to override)"
                )),
            },
        }
    }
}

/// Why container states could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DockerError {
    /// No daemon answers at the endpoint.
    #[error("no Docker daemon at {0}")]
    NoDaemon(String),
    /// The daemon answered with an error, or something unreadable, or not within the time allowed.
    #[error("{0}")]
    Failed(String),
}

/// Inspects each named container, each request on a connection of its own, all within `budget`.
/// A name no container has is `not_found`; any other failure fails the whole call, naming the
/// container. A request still unanswered when the budget runs out is dropped with its connection
/// (the daemon sees it closed), so nothing is left for a later call to wait on.
pub(crate) async fn inspect(
    endpoint: &DockerEndpoint,
    names: &[String],
    budget: Duration,
) -> Result<BTreeMap<String, ContainerStatus>, DockerError> {
    let socket = match endpoint {
        DockerEndpoint::Unix(path) => path,
        DockerEndpoint::Unsupported(reason) => return Err(DockerError::NoDaemon(reason.clone())),
    };
    let give_up_at = Instant::now() + budget;
    let mut states = BTreeMap::new();
    for name in names {
        if !valid_name(name) {
            return Err(DockerError::Failed(format!("invalid container name {name:?}")));
        }
        let path = format!("/containers/{name}/json");
        let state = tokio::time::timeout_at(give_up_at, inspect_one(socket, name, &path))
            .await
            .map_err(|_| {
            DockerError::Failed(format!(
                "GET {path} on {} gave no answer within {}",
                socket.display(),
                humantime::format_duration(budget)
            ))
        })??;
        states.insert(name.clone(), state);
    }
    Ok(states)
}

/// The states of `names` and of the containers in `reported`: those the host reported as it gave
/// them, the others from the daemon ([`inspect`], within `budget`).
pub(crate) async fn states(
    endpoint: &DockerEndpoint,
    names: &[String],
    reported: &BTreeMap<String, ContainerStatus>,
    budget: Duration,
) -> Result<BTreeMap<String, ContainerStatus>, DockerError> {
    let asked: Vec<String> =
        names.iter().filter(|name| !reported.contains_key(*name)).cloned().collect();
    let mut states = inspect(endpoint, &asked, budget).await?;
    states.extend(reported.iter().map(|(name, state)| (name.clone(), state.clone())));
    Ok(states)
}

/// `GET /containers/<name>/json` on a new connection to `socket`, closed when this returns or is
/// dropped.
async fn inspect_one(
    socket: &Path,
    name: &str,
    path: &str,
) -> Result<ContainerStatus, DockerError> {
    let stream = UnixStream::connect(socket).await.map_err(|error| {
        DockerError::NoDaemon(format!("{} (connect: {error})", socket.display()))
    })?;
    let mut connection = Connection::open(stream).await.map_err(|error| {
        DockerError::NoDaemon(format!("{} (handshake: {error})", socket.display()))
    })?;
    let (status, body) = connection.get("docker", path, None).await.map_err(|error| {
        DockerError::Failed(format!("GET {path} on {}: {error}", socket.display()))
    })?;
    match status.as_u16() {
        200 => parse_inspect(&body).map_err(|error| {
            DockerError::Failed(format!("unreadable answer to GET {path}: {error}"))
        }),
        404 => Ok(ContainerStatus {
            state: ContainerState::NotFound,
            health: None,
            started_at: None,
            restart_count: None,
        }),
        _ => Err(DockerError::Failed(format!(
            "the Docker daemon answered {status} for container {name}: {}",
            daemon_message(&body)
        ))),
    }
}

/// Docker's container names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, so they go into a path unescaped.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspect {
    state: InspectState,
    restart_count: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectState {
    status: String,
    started_at: Option<String>,
    health: Option<InspectHealth>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InspectHealth {
    status: String,
}

/// Parses a `GET /containers/<name>/json` body.
pub(crate) fn parse_inspect(body: &[u8]) -> Result<ContainerStatus, String> {
    let inspect: Inspect = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    let state = match inspect.state.status.as_str() {
        "created" => ContainerState::Created,
        "running" => ContainerState::Running,
        "paused" => ContainerState::Paused,
        "restarting" => ContainerState::Restarting,
        "removing" => ContainerState::Removing,
        "exited" => ContainerState::Exited,
        "dead" => ContainerState::Dead,
        other => return Err(format!("unknown container state {other:?}")),
    };
    // A container that never started has StartedAt "0001-01-01T00:00:00Z".
    let started_at = inspect
        .state
        .started_at
        .and_then(|text| text.parse::<Timestamp>().ok())
        .filter(|at| at.as_second() > 0);
    Ok(ContainerStatus {
        state,
        health: inspect.state.health.map(|health| health.status),
        started_at,
        restart_count: Some(inspect.restart_count),
    })
}

/// The `message` of a Docker error body, else the body itself, shortened.
fn daemon_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Message {
        message: String,
    }
    match serde_json::from_slice::<Message>(body) {
        Ok(message) => message.message,
        Err(_) => String::from_utf8_lossy(body).chars().take(200).collect(),
    }
}

#[cfg(test)]
mod tests;

//! The collectors, one per section, and the set a configuration asks for.

mod containers;
mod gateway;
mod host;
mod host_provided;
mod process;
mod processes;
mod runtime;
mod service;
mod sidecars;
mod terminals;

use std::sync::Arc;

pub use containers::ContainersCollector;
pub use gateway::GatewayCollector;
pub use host::HostCollector;
pub use host_provided::{HostProvidedCollector, HostSection};
pub use process::{EnvLookup, ProcessCollector};
pub use processes::ProcessesCollector;
pub use runtime::RuntimeCollector;
pub use service::{ServiceCollector, ShutdownFlag};
pub use sidecars::{Liveness, Sidecars, SidecarsCollector};
use status_deps::StatusDeps;
pub use terminals::TerminalsCollector;

use crate::collector::{CollectError, Collector};
use crate::config::Config;
use crate::docker::DockerEndpoint;

/// The collectors `config` and `deps` ask for: `service`, `process`, `host`, `runtime`, then
/// [`around_the_host`]'s. Must be called inside a tokio runtime (the runtime collector starts its lag
/// probe). `DOCKER_HOST` and the gateway's key variable are read from the process environment.
pub fn standard(
    config: &Config,
    deps: Arc<dyn StatusDeps>,
    shutdown: ShutdownFlag,
) -> Vec<Arc<dyn Collector>> {
    let env: EnvLookup = Arc::new(|name| std::env::var(name).ok());
    let mut collectors: Vec<Arc<dyn Collector>> = vec![
        Arc::new(ServiceCollector::new(deps.clone(), config.service.name.clone(), shutdown)),
        Arc::new(ProcessCollector::new()),
        Arc::new(HostCollector::new(config.host.disk_paths.clone())),
        Arc::new(RuntimeCollector::start()),
    ];
    collectors.extend(around_the_host(config, &deps, env));
    collectors
}

/// The sections about the host's surroundings and its own state: `terminals` (unless disabled),
/// `processes` (unless no names), the host-provided sections its [`StatusDeps::provides`] lists,
/// `gateway` when it provides one, and `containers` when names are configured or it provides a
/// gateway. `env` looks up `DOCKER_HOST` and the gateway's key variable. (`sidecars` is added by
/// [`Status`](crate::Status), which owns the registry.)
pub fn around_the_host(
    config: &Config,
    deps: &Arc<dyn StatusDeps>,
    env: EnvLookup,
) -> Vec<Arc<dyn Collector>> {
    let mut collectors: Vec<Arc<dyn Collector>> = Vec::new();
    let terminals = &config.terminals;
    if terminals.enabled {
        let collector =
            TerminalsCollector::new(terminals.tmux_tmpdir.clone(), terminals.screen_dir.clone());
        collectors.push(Arc::new(collector));
    }
    if !config.processes.names.is_empty() {
        collectors.push(Arc::new(ProcessesCollector::new(config.processes.names.clone())));
    }
    let provides = deps.provides();
    for section in HostSection::provided(provides) {
        collectors.push(Arc::new(HostProvidedCollector::new(deps.clone(), section)));
    }
    let docker = DockerEndpoint::resolve(config.containers.socket.as_deref(), env("DOCKER_HOST"));
    if provides.gateway {
        // The probe leaves a quarter of the deadline for the rest of the section.
        let timeout = config.gateway.health_timeout.min(config.collect.deadline * 3 / 4);
        let gateway = GatewayCollector::new(deps.clone(), docker.clone(), env, timeout);
        collectors.push(Arc::new(gateway));
    }
    if !config.containers.names.is_empty() || provides.gateway {
        let gateway = provides.gateway.then(|| deps.clone());
        let names = config.containers.names.clone();
        collectors.push(Arc::new(ContainersCollector::new(names, docker, gateway)));
    }
    collectors
}

/// Runs blocking work on the blocking pool. A panic there is resumed here, so the engine reports the
/// section as `panicked`.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CollectError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(error) => Err(CollectError::Failed(format!("blocking task failed: {error}"))),
        },
    }
}

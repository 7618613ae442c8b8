//! The collectors, one per section, and the set a configuration asks for.

mod deploy;
mod host;
mod process;
mod repos;
mod runtime;
mod service;

use std::sync::Arc;

pub use deploy::DeployCollector;
pub use host::HostCollector;
pub use process::{EnvLookup, ProcessCollector};
pub use repos::ReposCollector;
pub use runtime::RuntimeCollector;
pub use service::{ServiceCollector, ShutdownFlag};
use status_deps::StatusDeps;

use crate::collector::{CollectError, Collector};
use crate::config::Config;
use crate::store::Store;

/// The collectors `config` asks for, in snapshot order: `service`, `process`, `host`, `runtime`,
/// then `deploy` and `repos` when repositories are configured. Must be called inside a tokio runtime
/// (the runtime collector starts its lag probe). The `deploy` section's store is the one under
/// `config`'s state dir; [`standard_with_store`] shares one with the caller.
pub fn standard(
    config: &Config,
    deps: Arc<dyn StatusDeps>,
    shutdown: ShutdownFlag,
) -> Vec<Arc<dyn Collector>> {
    standard_with_store(config, deps, shutdown, Store::new(&config.state_dir()))
}

/// [`standard`], with the store the `deploy` section reads.
pub fn standard_with_store(
    config: &Config,
    deps: Arc<dyn StatusDeps>,
    shutdown: ShutdownFlag,
    store: Store,
) -> Vec<Arc<dyn Collector>> {
    let mut collectors: Vec<Arc<dyn Collector>> = vec![
        Arc::new(ServiceCollector::new(deps, config.service.name.clone(), shutdown)),
        Arc::new(ProcessCollector::new()),
        Arc::new(HostCollector::new(config.host.disk_paths.clone())),
        Arc::new(RuntimeCollector::start()),
    ];
    let deadline = config.collect.deadline;
    if let Some(checkout) = config.deploy.checkout(&config.repos) {
        collectors.push(Arc::new(DeployCollector::new(checkout.to_owned(), store, deadline)));
    }
    if !config.repos.is_empty() {
        collectors.push(Arc::new(ReposCollector::new(config.repos.clone(), deadline)));
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

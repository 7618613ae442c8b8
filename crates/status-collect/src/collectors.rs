//! The collectors, one per section, and the set a configuration asks for.

mod host;
mod process;
mod runtime;
mod service;

use std::sync::Arc;

pub use host::HostCollector;
pub use process::{EnvLookup, ProcessCollector};
pub use runtime::RuntimeCollector;
pub use service::{ServiceCollector, ShutdownFlag};
use status_deps::StatusDeps;

use crate::collector::{CollectError, Collector};
use crate::config::Config;

/// The collectors `config` asks for, in snapshot order: `service`, `process`, `host`, `runtime`.
/// Must be called inside a tokio runtime (the runtime collector starts its lag probe).
pub fn standard(
    config: &Config,
    deps: Arc<dyn StatusDeps>,
    shutdown: ShutdownFlag,
) -> Vec<Arc<dyn Collector>> {
    vec![
        Arc::new(ServiceCollector::new(deps, config.service.name.clone(), shutdown)),
        Arc::new(ProcessCollector::new()),
        Arc::new(HostCollector::new(config.host.disk_paths.clone())),
        Arc::new(RuntimeCollector::start()),
    ]
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

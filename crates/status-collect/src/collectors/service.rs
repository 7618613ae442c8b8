//! The `service` collector: name, version, start time, uptime and run state.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use jiff::Timestamp;
use status_deps::StatusDeps;
use status_model::{SectionData, SectionName, ServiceSection, ServiceStatus};
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::time::{now_millis, round3};

/// Set when the status handle begins shutting down; shared with the `service` collector.
#[derive(Clone, Debug, Default)]
pub struct ShutdownFlag(Arc<AtomicBool>);

impl ShutdownFlag {
    /// Marks the service as shutting down.
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`ShutdownFlag::set`] was called.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Collects the `service` section.
pub struct ServiceCollector {
    deps: Arc<dyn StatusDeps>,
    name: String,
    started_at: Timestamp,
    started: Instant,
    shutdown: ShutdownFlag,
}

impl ServiceCollector {
    /// The name is the configured one, else the host's, else the executable's file name.
    /// The start time is now.
    pub fn new(
        deps: Arc<dyn StatusDeps>,
        configured_name: Option<String>,
        shutdown: ShutdownFlag,
    ) -> ServiceCollector {
        let name = configured_name
            .or_else(|| deps.service_name())
            .or_else(executable_name)
            .unwrap_or_else(|| "unknown".to_owned());
        ServiceCollector { deps, name, started_at: now_millis(), started: Instant::now(), shutdown }
    }
}

fn executable_name() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.file_stem()?.to_string_lossy().into_owned())
}

#[async_trait]
impl Collector for ServiceCollector {
    fn section(&self) -> SectionName {
        SectionName::Service
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let host_stopping = self.deps.is_shutting_down().await.map_err(|error| {
            CollectError::Failed(format!("the host's is_shutting_down failed: {error}"))
        })?;
        let status = if host_stopping || self.shutdown.is_set() {
            ServiceStatus::ShuttingDown
        } else {
            ServiceStatus::Ok
        };
        Ok(Collected::complete(SectionData::Service(ServiceSection {
            name: self.name.clone(),
            version: self.deps.version(),
            started_at: self.started_at,
            uptime_seconds: round3(self.started.elapsed().as_secs_f64()),
            status,
        })))
    }
}

//! The `service` collector: name, version, start time, uptime and run state, of the host or of the
//! `[target]` process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use jiff::Timestamp;
use status_deps::StatusDeps;
use status_model::{SectionData, SectionName, ServiceSection, ServiceStatus};
use tokio::time::Instant;

use super::target::{Lookup, Target};
use crate::collector::{CollectError, Collected, Collector};
use crate::task::blocking;
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
    configured_name: Option<String>,
    target: Option<Arc<Target>>,
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
            .clone()
            .or_else(|| deps.service_name())
            .or_else(executable_name)
            .unwrap_or_else(|| "unknown".to_owned());
        ServiceCollector {
            deps,
            name,
            started_at: now_millis(),
            started: Instant::now(),
            shutdown,
            configured_name,
            target: None,
        }
    }

    /// Describes `target` instead of the host: its name (unless configured), its `[target]
    /// version`, its start time and uptime, and `gone` once it stops running. A target never found
    /// running is `unavailable`.
    #[must_use]
    pub fn with_target(mut self, target: Arc<Target>) -> ServiceCollector {
        self.target = Some(target);
        self
    }

    async fn collect_target(
        &self,
        target: Arc<Target>,
        shutting_down: bool,
    ) -> Result<Collected, CollectError> {
        let version = target.version();
        let (found, status) = match blocking(move || target.lookup()).await? {
            Lookup::Running(found) => (found, ServiceStatus::Ok),
            Lookup::Missing { last: Some(last), .. } => (last, ServiceStatus::Gone),
            Lookup::Missing { reason, last: None } => {
                return Err(CollectError::Unavailable(reason));
            }
        };
        let started_at = found.started_at.map_err(CollectError::Unavailable)?;
        let status = if shutting_down && status == ServiceStatus::Ok {
            ServiceStatus::ShuttingDown
        } else {
            status
        };
        let name = self.configured_name.clone().or(found.name).unwrap_or_else(|| self.name.clone());
        Ok(Collected::complete(SectionData::Service(ServiceSection {
            name,
            version,
            started_at,
            uptime_seconds: found.uptime_seconds.unwrap_or_default(),
            status,
        })))
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
        if let Some(target) = &self.target {
            return self
                .collect_target(target.clone(), host_stopping || self.shutdown.is_set())
                .await;
        }
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

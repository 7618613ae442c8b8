//! The sections the host fills itself through [`StatusDeps`]: `channels`, `queue`, `sessions`,
//! `scheduler`, `custom` and `custom_checks`. One collector type serves them all; the engine gives each call the same
//! deadline and isolation as any collector, so a host method that hangs is that section's `timeout`
//! and one that panics is its `panicked`.

use std::sync::Arc;

use async_trait::async_trait;
use status_deps::{Provides, StatusDeps};
use status_model::{SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};

/// Collects one app-provided section by calling the app.
pub(crate) struct AppProvidedCollector {
    deps: Arc<dyn StatusDeps>,
    section: AppSection,
}

/// A section the host fills itself (the gateway has a collector of its own: it also probes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppSection {
    /// `channels`, from [`StatusDeps::channels`].
    Channels,
    /// `queue`, from [`StatusDeps::queue`].
    Queue,
    /// `sessions`, from [`StatusDeps::sessions`].
    Sessions,
    /// `scheduler`, from [`StatusDeps::scheduler`].
    Scheduler,
    /// `custom`, from [`StatusDeps::custom_sections`].
    Custom,
    /// `custom_checks`, from [`StatusDeps::custom_checks`].
    CustomChecks,
}

impl AppSection {
    /// The sections `provides` lists, in snapshot order.
    pub fn provided(provides: Provides) -> Vec<AppSection> {
        [
            (provides.channels, AppSection::Channels),
            (provides.queue, AppSection::Queue),
            (provides.sessions, AppSection::Sessions),
            (provides.scheduler, AppSection::Scheduler),
            (provides.custom, AppSection::Custom),
            (provides.custom_checks, AppSection::CustomChecks),
        ]
        .into_iter()
        .filter_map(|(provided, section)| provided.then_some(section))
        .collect()
    }
}

impl AppProvidedCollector {
    /// A collector that asks `deps` for `section`.
    pub(crate) fn new(deps: Arc<dyn StatusDeps>, section: AppSection) -> AppProvidedCollector {
        AppProvidedCollector { deps, section }
    }
}

#[async_trait]
impl Collector for AppProvidedCollector {
    fn section(&self) -> SectionName {
        match self.section {
            AppSection::Channels => SectionName::Channels,
            AppSection::Queue => SectionName::Queue,
            AppSection::Sessions => SectionName::Sessions,
            AppSection::Scheduler => SectionName::Scheduler,
            AppSection::Custom => SectionName::Custom,
            AppSection::CustomChecks => SectionName::CustomChecks,
        }
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let deps = &self.deps;
        let (method, result) = match self.section {
            AppSection::Channels => ("channels", deps.channels().await.map(SectionData::Channels)),
            AppSection::Queue => ("queue", deps.queue().await.map(SectionData::Queue)),
            AppSection::Sessions => ("sessions", deps.sessions().await.map(SectionData::Sessions)),
            AppSection::Scheduler => {
                ("scheduler", deps.scheduler().await.map(SectionData::Scheduler))
            }
            AppSection::Custom => {
                ("custom_sections", deps.custom_sections().await.map(SectionData::Custom))
            }
            AppSection::CustomChecks => {
                ("custom_checks", deps.custom_checks().await.map(SectionData::CustomChecks))
            }
        };
        result
            .map(Collected::complete)
            .map_err(|error| CollectError::Failed(format!("the host's {method}() failed: {error}")))
    }
}

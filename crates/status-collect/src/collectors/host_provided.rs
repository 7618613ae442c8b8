//! The sections the host fills itself through [`StatusDeps`]: `channels`, `queue`, `sessions`,
//! `scheduler`, `custom` and `custom_checks`. One collector type serves them all; the engine gives each call the same
//! deadline and isolation as any collector, so a host method that hangs is that section's `timeout`
//! and one that panics is its `panicked`.

use std::sync::Arc;

use async_trait::async_trait;
use status_deps::{Provides, StatusDeps};
use status_model::{SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};

/// Collects one host-provided section by calling the host.
pub(crate) struct HostProvidedCollector {
    deps: Arc<dyn StatusDeps>,
    section: HostSection,
}

/// A section the host fills itself (the gateway has a collector of its own: it also probes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostSection {
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

impl HostSection {
    /// The sections `provides` lists, in snapshot order.
    pub fn provided(provides: Provides) -> Vec<HostSection> {
        [
            (provides.channels, HostSection::Channels),
            (provides.queue, HostSection::Queue),
            (provides.sessions, HostSection::Sessions),
            (provides.scheduler, HostSection::Scheduler),
            (provides.custom, HostSection::Custom),
            (provides.custom_checks, HostSection::CustomChecks),
        ]
        .into_iter()
        .filter_map(|(provided, section)| provided.then_some(section))
        .collect()
    }
}

impl HostProvidedCollector {
    /// A collector that asks `deps` for `section`.
    pub(crate) fn new(deps: Arc<dyn StatusDeps>, section: HostSection) -> HostProvidedCollector {
        HostProvidedCollector { deps, section }
    }
}

#[async_trait]
impl Collector for HostProvidedCollector {
    fn section(&self) -> SectionName {
        match self.section {
            HostSection::Channels => SectionName::Channels,
            HostSection::Queue => SectionName::Queue,
            HostSection::Sessions => SectionName::Sessions,
            HostSection::Scheduler => SectionName::Scheduler,
            HostSection::Custom => SectionName::Custom,
            HostSection::CustomChecks => SectionName::CustomChecks,
        }
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let deps = &self.deps;
        let (method, result) = match self.section {
            HostSection::Channels => ("channels", deps.channels().await.map(SectionData::Channels)),
            HostSection::Queue => ("queue", deps.queue().await.map(SectionData::Queue)),
            HostSection::Sessions => ("sessions", deps.sessions().await.map(SectionData::Sessions)),
            HostSection::Scheduler => {
                ("scheduler", deps.scheduler().await.map(SectionData::Scheduler))
            }
            HostSection::Custom => {
                ("custom_sections", deps.custom_sections().await.map(SectionData::Custom))
            }
            HostSection::CustomChecks => {
                ("custom_checks", deps.custom_checks().await.map(SectionData::CustomChecks))
            }
        };
        result
            .map(Collected::complete)
            .map_err(|error| CollectError::Failed(format!("the host's {method}() failed: {error}")))
    }
}

//! The `metrics` collector: reads the host's [`MetricsRegistry`].

use async_trait::async_trait;
use status_model::{SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::diagnostics::MetricsRegistry;

/// Collects the `metrics` section; absent while nothing is registered.
pub struct MetricsCollector {
    registry: MetricsRegistry,
}

impl MetricsCollector {
    /// Reads `registry` at each collection.
    pub fn new(registry: MetricsRegistry) -> MetricsCollector {
        MetricsCollector { registry }
    }
}

#[async_trait]
impl Collector for MetricsCollector {
    fn section(&self) -> SectionName {
        SectionName::Metrics
    }

    fn configured(&self) -> bool {
        !self.registry.is_empty()
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let Some((section, refused)) = self.registry.read() else {
            return Err(CollectError::Unavailable("no metrics are registered".into()));
        };
        // A refused registration is named where a reader of the section looks for what is missing.
        Ok(Collected { data: SectionData::Metrics(section), unmeasured: refused })
    }
}

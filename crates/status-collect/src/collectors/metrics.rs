//! The `metrics` collector: reads the host's [`MetricsRegistry`].

use async_trait::async_trait;
use status_model::{SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::diagnostics::MetricsRegistry;

/// Collects the `metrics` section; absent while nothing is registered, unless told otherwise.
pub struct MetricsCollector {
    registry: MetricsRegistry,
    /// Reported even while nothing is registered (`unavailable` until something is).
    always: bool,
}

impl MetricsCollector {
    /// Reads `registry` at each collection.
    pub fn new(registry: MetricsRegistry) -> MetricsCollector {
        MetricsCollector { registry, always: false }
    }

    /// Reports the section even while nothing is registered: with `[workers] socket` configured,
    /// whose listener registers its counters, so a collection that does not listen (on demand)
    /// reports the same sections as one that does.
    pub(crate) fn reported_when_empty(self) -> MetricsCollector {
        MetricsCollector { always: true, ..self }
    }
}

#[async_trait]
impl Collector for MetricsCollector {
    fn section(&self) -> SectionName {
        SectionName::Metrics
    }

    fn configured(&self) -> bool {
        self.always || !self.registry.is_empty()
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let Some((section, refused)) = self.registry.read() else {
            return Err(CollectError::Unavailable("no metrics are registered".into()));
        };
        // A refused registration is named where a reader of the section looks for what is missing.
        Ok(Collected { data: SectionData::Metrics(section), unmeasured: refused })
    }
}

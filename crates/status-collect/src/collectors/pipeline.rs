//! The `pipeline` collector: the counters of the change pipeline (history, files, hooks), read from
//! memory.

use std::sync::Arc;

use async_trait::async_trait;
use status_model::{SectionData, SectionName};

use crate::change::PipelineStats;
use crate::collector::{CollectError, Collected, Collector};

/// Collects the `pipeline` section.
pub(crate) struct PipelineCollector {
    stats: Arc<PipelineStats>,
}

impl PipelineCollector {
    /// Reads `stats`, which the running pipeline counts into.
    pub(crate) fn new(stats: Arc<PipelineStats>) -> PipelineCollector {
        PipelineCollector { stats }
    }
}

#[async_trait]
impl Collector for PipelineCollector {
    fn section(&self) -> SectionName {
        SectionName::Pipeline
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        Ok(Collected::complete(SectionData::Pipeline(self.stats.counts())))
    }
}

//! The `pipeline` collector: the counters of the change pipeline (history, files, hooks), read from
//! memory.

use std::sync::Arc;

use async_trait::async_trait;
use status_model::{SectionData, SectionName};

use crate::change::ChangeStats;
use crate::collector::{CollectError, Collected, Collector};

/// Collects the `pipeline` section.
pub struct PipelineCollector {
    /// `None`: no pipeline runs after these collections.
    stats: Option<Arc<ChangeStats>>,
}

impl PipelineCollector {
    /// Reads `stats`, which the running pipeline counts into.
    pub fn new(stats: Arc<ChangeStats>) -> PipelineCollector {
        PipelineCollector { stats: Some(stats) }
    }

    /// For collections on demand, after which no pipeline runs: the section is `unavailable`
    /// with that reason rather than counters that could only be zeros.
    pub(crate) fn not_running() -> PipelineCollector {
        PipelineCollector { stats: None }
    }
}

#[async_trait]
impl Collector for PipelineCollector {
    fn section(&self) -> SectionName {
        SectionName::Pipeline
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        match &self.stats {
            Some(stats) => Ok(Collected::complete(SectionData::Pipeline(stats.counts()))),
            None => Err(CollectError::Unavailable(
                "collected on demand: no history, files or hooks run after this collection"
                    .to_owned(),
            )),
        }
    }
}

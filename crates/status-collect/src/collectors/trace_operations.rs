//! `recent_operations` from the trace buffer, for hosts whose operations are in no database.
//!
//! Each execution held by the [`TraceBuffer`] becomes one operation, the 100 most recently active
//! first: `operation_id` is the execution id, `timestamp` its first event's time, `capability` the
//! target of its events (the last one's), `action` the `kind` field of its latest event that has
//! one, `status` its outcome (`null` while none was recorded), `duration_ms` from its first to its
//! last event once it has an outcome, and `error_summary` the `error` field of its latest event that
//! has one (already cut to 200 characters by the buffer). `tier` is `null`: traces have none.

use async_trait::async_trait;
use status_model::{OperationRecord, RecentOperationsSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::diagnostics::TraceBuffer;

/// Operations listed, as from the database.
const LIMIT: usize = 100;

/// Collects `recent_operations` from a trace buffer; absent until the host installs its layer.
pub(crate) struct TraceOperationsCollector {
    traces: TraceBuffer,
}

impl TraceOperationsCollector {
    /// Reads `traces` at each collection.
    pub(crate) fn new(traces: TraceBuffer) -> TraceOperationsCollector {
        TraceOperationsCollector { traces }
    }
}

#[async_trait]
impl Collector for TraceOperationsCollector {
    fn section(&self) -> SectionName {
        SectionName::RecentOperations
    }

    fn configured(&self) -> bool {
        self.traces.is_installed()
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let operations = self
            .traces
            .executions()
            .into_iter()
            .take(LIMIT)
            .filter_map(|summary| self.traces.execution(&summary.execution_id))
            .map(|trace| {
                let latest = |name: &str| {
                    trace.events.iter().rev().find_map(|event| event.fields.get(name).cloned())
                };
                let summary = &trace.summary;
                let duration_ms = summary.outcome.as_ref().map(|_| {
                    let span = summary.last_at.duration_since(summary.first_at);
                    (span.as_secs_f64() * 1_000_000.0).round() / 1000.0
                });
                OperationRecord {
                    operation_id: summary.execution_id.clone(),
                    timestamp: Some(summary.first_at),
                    capability: trace.events.last().map(|event| event.target.to_owned()),
                    action: latest("kind"),
                    tier: None,
                    status: summary.outcome.clone(),
                    duration_ms,
                    error_summary: latest("error"),
                }
            })
            .collect();
        Ok(Collected::complete(SectionData::RecentOperations(RecentOperationsSection {
            operations,
        })))
    }
}

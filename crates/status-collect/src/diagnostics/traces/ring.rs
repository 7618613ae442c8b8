//! The bounded ring behind the trace buffer, with its own byte accounting.

use std::collections::{HashMap, VecDeque};
use std::mem::size_of;
use std::sync::Arc;

use jiff::Timestamp;

use super::{ExecutionSummary, ExecutionTrace, TraceEvent, TraceStats};
use crate::config::TracesConfig;

/// The bounds.
pub(super) struct Limits {
    pub(super) per_execution: usize,
    pub(super) events: usize,
    pub(super) bytes: usize,
}

impl Limits {
    pub(super) fn new(config: &TracesConfig) -> Limits {
        Limits {
            per_execution: config.max_events_per_execution.max(1),
            events: config.max_events.max(1),
            bytes: config.max_bytes,
        }
    }
}

/// An event as held: static strings borrowed from the callsite, the rest as the layer formatted
/// them (kept as they are rather than shrunk, which would cost a reallocation per value; the
/// accounting counts their capacity).
pub(super) struct Record {
    pub(super) at: Timestamp,
    pub(super) level: &'static str,
    pub(super) target: &'static str,
    pub(super) message: Option<String>,
    pub(super) outcome: Option<String>,
    pub(super) fields: Vec<(&'static str, String)>,
}

impl Record {
    /// What it costs to hold: the record itself, its boxed strings, its field slots.
    fn bytes(&self) -> usize {
        size_of::<Record>()
            + self.message.as_ref().map_or(0, |m| m.len())
            + self.outcome.as_ref().map_or(0, |o| o.len())
            + self
                .fields
                .iter()
                .map(|(_, value)| size_of::<(&str, Box<str>)>() + value.len())
                .sum::<usize>()
    }
}

struct Execution {
    id: Arc<str>,
    first_at: Timestamp,
    last_at: Timestamp,
    events: VecDeque<Record>,
    bytes: usize,
    outcome: Option<String>,
    dropped: u64,
}

/// What an execution costs besides its events: its record, its id (twice: map key and order
/// queue share one allocation), the map and queue slots.
fn execution_overhead(id: &str) -> usize {
    size_of::<Execution>() + id.len() + 2 * size_of::<Arc<str>>() + 16
}

#[derive(Default)]
pub(super) struct Ring {
    executions: HashMap<Arc<str>, Execution>,
    /// Execution ids in the order they were first seen: eviction takes from the front.
    order: VecDeque<Arc<str>>,
    events: usize,
    bytes: usize,
    recorded: u64,
    evicted: u64,
    dropped: u64,
    pub(super) withheld: u64,
}

impl Ring {
    /// Keeps `record` for execution `id`, then evicts whole executions, oldest first, until the
    /// store is within `limits` again.
    pub(super) fn record(&mut self, id: &str, record: Record, limits: &Limits) {
        self.recorded += 1;
        let bytes = record.bytes();
        let execution = match self.executions.get_mut(id) {
            Some(execution) => execution,
            None => {
                let id: Arc<str> = Arc::from(id);
                self.order.push_back(id.clone());
                let overhead = execution_overhead(&id);
                self.bytes += overhead;
                self.executions.entry(id.clone()).or_insert(Execution {
                    id,
                    first_at: record.at,
                    last_at: record.at,
                    events: VecDeque::new(),
                    bytes: overhead,
                    outcome: None,
                    dropped: 0,
                })
            }
        };
        if execution.events.len() >= limits.per_execution
            && let Some(old) = execution.events.pop_front()
        {
            let old_bytes = old.bytes();
            execution.bytes -= old_bytes;
            self.bytes -= old_bytes;
            self.events -= 1;
            execution.dropped += 1;
            self.dropped += 1;
        }
        execution.last_at = record.at;
        if let Some(outcome) = &record.outcome {
            execution.outcome = Some(outcome.clone());
        }
        execution.bytes += bytes;
        execution.events.push_back(record);
        self.bytes += bytes;
        self.events += 1;
        while (self.events > limits.events || self.bytes > limits.bytes) && !self.order.is_empty() {
            self.evict_oldest();
        }
    }

    fn evict_oldest(&mut self) {
        let Some(id) = self.order.pop_front() else { return };
        if let Some(execution) = self.executions.remove(&id) {
            self.bytes -= execution.bytes;
            self.events -= execution.events.len();
            self.evicted += 1;
        }
    }

    pub(super) fn summaries(&self) -> Vec<ExecutionSummary> {
        let mut list: Vec<ExecutionSummary> = self.executions.values().map(summary).collect();
        list.sort_by(|a, b| {
            b.last_at.cmp(&a.last_at).then_with(|| a.execution_id.cmp(&b.execution_id))
        });
        list
    }

    pub(super) fn trace(&self, id: &str) -> Option<ExecutionTrace> {
        let execution = self.executions.get(id)?;
        let events = execution
            .events
            .iter()
            .map(|record| TraceEvent {
                at: record.at,
                level: record.level,
                target: record.target,
                message: record.message.clone(),
                fields: record
                    .fields
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), value.clone()))
                    .collect(),
            })
            .collect();
        Some(ExecutionTrace { summary: summary(execution), events })
    }

    pub(super) fn stats(&self, limits: &Limits) -> TraceStats {
        TraceStats {
            executions: self.executions.len(),
            events: self.events,
            bytes: self.bytes,
            max_events: limits.events,
            max_bytes: limits.bytes,
            recorded_events: self.recorded,
            evicted_executions: self.evicted,
            dropped_events: self.dropped,
            withheld_fields: self.withheld,
        }
    }
}

fn summary(execution: &Execution) -> ExecutionSummary {
    ExecutionSummary {
        execution_id: execution.id.to_string(),
        first_at: execution.first_at,
        last_at: execution.last_at,
        event_count: execution.events.len(),
        dropped_events: execution.dropped,
        outcome: execution.outcome.clone(),
    }
}

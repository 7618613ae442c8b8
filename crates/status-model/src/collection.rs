//! The collection report: when a snapshot was taken and how each section's collection went.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How one collection cycle went, section by section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CollectionReport {
    /// When the collection started (RFC 3339 UTC).
    pub taken_at: Timestamp,
    /// Wall time of the whole collection, in milliseconds.
    pub duration_ms: f64,
    /// Number of this collection since the collector started, from 1.
    pub sequence: u64,
    /// The loop's interval between collections, in seconds: a snapshot older than a few intervals
    /// is stale. `null` for a collection made outside a loop.
    pub interval_seconds: Option<f64>,
    /// Collectors abandoned at their deadline, and database probes whose statement was interrupted
    /// at theirs, since the collector started.
    pub abandoned_total: u64,
    /// One report per configured section, keyed by section name.
    pub sections: BTreeMap<String, SectionReport>,
    /// Sections this collection left out on purpose, with the reason for each, keyed by section
    /// name: a one-shot command-line run without a `[target]` leaves out `process` and `runtime`,
    /// which would describe only itself. Absent when nothing was left out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub left_out: BTreeMap<String, String>,
}

/// How one section's collection went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SectionReport {
    /// The outcome of this cycle's attempt.
    pub outcome: Outcome,
    /// How long the attempt took, in milliseconds (the deadline, for a timeout).
    pub duration_ms: f64,
    /// Why the outcome is not `ok`; `null` when it is.
    pub reason: Option<String>,
    /// When the section's value is a previous good value kept after this attempt failed: its age in
    /// seconds. `null` when the value is fresh or there is none.
    pub stale_seconds: Option<f64>,
    /// Fields of the section that are `null` because they could not be measured, with the reason for
    /// each, keyed by field path (`cpu_pct`, `disks./data`).
    pub unmeasured: BTreeMap<String, String>,
    /// Attempts that did not end `ok` since the collector started.
    pub failures_total: u64,
}

impl SectionReport {
    /// A report for a successful, fresh attempt.
    pub fn ok(duration_ms: f64, unmeasured: BTreeMap<String, String>) -> SectionReport {
        SectionReport {
            outcome: Outcome::Ok,
            duration_ms,
            reason: None,
            stale_seconds: None,
            unmeasured,
            failures_total: 0,
        }
    }
}

/// The outcome of one section's collection attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The collector returned a value.
    Ok,
    /// The collector returned an error.
    Error,
    /// The collector did not finish before its deadline, or was still running from an earlier cycle.
    Timeout,
    /// The collector panicked.
    Panicked,
    /// The section cannot be measured here (missing platform support, tool or service).
    Unavailable,
}

impl Outcome {
    /// The lowercase wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
            Outcome::Panicked => "panicked",
            Outcome::Unavailable => "unavailable",
        }
    }
}

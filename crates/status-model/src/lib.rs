//! The status snapshot as plain data: the wire format every other crate shares.
//!
//! A [`Snapshot`] holds one value per configured section plus the [`CollectionReport`] that says how
//! each section's collection went.
//! Field names carry their units (`rss_bytes`, `duration_ms`), times are RFC 3339 UTC, and a value that
//! could not be measured is `None` (JSON `null`) with the reason in the section's report, never a zero.
//!
//! [`diff`] compares two snapshots (or any two JSON documents) key by key; [`render`] turns a
//! snapshot into text for terminals and chat, [`terse`] into a small flat record; [`redact`] drops
//! fields of a snapshot or replaces them by keyed pseudonyms, once per snapshot.
//!
//! [`schema::snapshot_schema`] is the snapshot's JSON Schema, derived from these types (schemars);
//! `docs/status.schema.json` and `docs/fields.md` are generated from it.
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use status_model::{CollectionReport, QueueSection, SectionData, SectionName, Snapshot};
//!
//! let report = CollectionReport {
//!     taken_at: "2026-03-01T12:00:00Z".parse().unwrap(),
//!     duration_ms: 3.2,
//!     sequence: 1,
//!     interval_seconds: Some(30.0),
//!     abandoned_total: 0,
//!     left_out: Default::default(),
//!     sections: BTreeMap::new(),
//! };
//! let mut snapshot = Snapshot::new(report);
//! let queue = QueueSection { active: 2, max_concurrent: 4, waiting: 5, per_group: BTreeMap::new() };
//! snapshot.put(SectionData::Queue(queue));
//! snapshot.put_missing(SectionName::Channels);
//!
//! let json = serde_json::to_value(&snapshot).unwrap();
//! assert_eq!(json["queue"]["waiting"], 5);
//! assert!(json["channels"].is_null(), "configured but never collected");
//! assert!(json.get("repos").is_none(), "not configured: no key at all");
//! ```
//!
//! This crate may depend on serde, serde_json (the diff and the views work over JSON), schemars (for
//! the schema) and jiff (for timestamps) only: no I/O, no async runtime, no HTTP, no database. Views that need a protocol, such
//! as Prometheus text or HTML, are rendered by the front-ends, not here.

pub mod checks;
mod collection;
pub mod diff;
mod health;
pub mod kinds;
pub mod redact;
pub mod render;
pub mod schema;
mod sections;
mod slot;
mod snapshot;
pub mod terse;

#[cfg(test)]
mod fixture;

pub use collection::{CollectionReport, Outcome, SectionReport};
pub use diff::{Change, ChangeKind, KeyFilter};
pub use health::{CheckResult, HealthEvent, HealthReport, HealthStatus};
pub use jiff::Timestamp;
pub use redact::{FieldPattern, RedactedSnapshot, Redactor};
pub use render::{Style, View, render_text};
pub use sections::{
    AppJob, AppJobsSection, BrokerSection, ChannelStatus, ChannelsSection, ContainerState,
    ContainerStatus, ContainersSection, CustomCheck, CustomChecksSection, CustomSections,
    DatabaseFiles, DeploySection, DiskUsage, Fallible, GatewayInfo, GatewaySection, GitOperation,
    HostSection, HttpSection, InFlightOperation, LoadAverage, MemoryUsage, MessagesSection,
    NamedProcesses, NotifierSection, OperationRecord, PipelineSection, ProbeResult, ProbesSection,
    ProcessSection, ProcessTable, ProcessesSection, ProxyGateway, QueueGroup, QueueSection,
    RecentOperationsSection, RepoStatus, ReposSection, RuntimeSection, ScheduledJob, ScheduledTask,
    SchedulerSection, ServiceSection, ServiceStatus, SessionsSection, SidecarKind, SidecarStatus,
    SidecarsSection, StorageSection, StoreSection, SupervisorInfo, SupervisorKind, SwapUsage,
    TasksSection, TerminalsSection, WorktreeStatus,
};
pub use sections::{
    CgroupCpu, CgroupInfo, CgroupMemory, CgroupPids, Pressure, PressureLine, PressureResource,
};
pub use sections::{
    HistogramBucket, HistogramValue, Metric, MetricKind, MetricSeries, MetricsSection,
    WorkerStatus, WorkersSection,
};
pub use slot::Slot;
pub use snapshot::{SCHEMA_VERSION, SectionData, SectionName, Snapshot, UnknownSection};

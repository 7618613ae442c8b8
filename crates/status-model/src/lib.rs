//! The status snapshot as plain data: the wire format every other crate shares.
//!
//! A [`Snapshot`] holds one value per configured section plus the [`CollectionReport`] that says how
//! each section's collection went.
//! Field names carry their units (`rss_bytes`, `duration_ms`), times are RFC 3339 UTC, and a value that
//! could not be measured is `None` (JSON `null`) with the reason in the section's report, never a zero.
//!
//! [`redact`] drops fields of a snapshot or replaces them by keyed pseudonyms, once per snapshot.
//!
//! This crate may depend on serde, serde_json and jiff (for timestamps) only: no I/O, no async runtime, no HTTP, no
//! database. Views such as Prometheus text or HTML are rendered by the front-ends, not here.

pub mod checks;
mod collection;
mod health;
pub mod redact;
mod sections;
mod slot;
mod snapshot;

pub use collection::{CollectionReport, Outcome, SectionReport};
pub use health::{CheckResult, HealthEvent, HealthReport, HealthStatus};
pub use jiff::Timestamp;
pub use redact::{FieldPattern, RedactedSnapshot, Redactor};
pub use sections::{
    BrokerSection, DatabaseFiles, DiskUsage, HostJob, HostJobsSection, HostSection,
    InFlightOperation, LoadAverage, MemoryUsage, MessagesSection, NotifierSection, OperationRecord,
    ProbeResult, ProbesSection, ProcessSection, ProcessTable, RecentOperationsSection,
    RuntimeSection, ScheduledTask, ServiceSection, ServiceStatus, StorageSection, SupervisorInfo,
    SupervisorKind, SwapUsage, TasksSection,
};
pub use slot::Slot;
pub use snapshot::{SCHEMA_VERSION, SectionData, SectionName, Snapshot, UnknownSection};

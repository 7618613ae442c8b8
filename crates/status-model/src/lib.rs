//! The status snapshot as plain data: the wire format every other crate shares.
//!
//! A [`Snapshot`] holds one value per configured section plus the [`CollectionReport`] that says how
//! each section's collection went.
//! Field names carry their units (`rss_bytes`, `duration_ms`), times are RFC 3339 UTC, and a value that
//! could not be measured is `None` (JSON `null`) with the reason in the section's report, never a zero.
//!
//! This crate may depend on serde, serde_json (the host's custom sections are JSON values) and jiff
//! (for timestamps) only: no I/O, no async runtime, no HTTP, no database. Views such as Prometheus text or HTML are rendered by the front-ends, not here.

mod collection;
mod health;
mod sections;
mod slot;
mod snapshot;

pub use collection::{CollectionReport, Outcome, SectionReport};
pub use health::HealthStatus;
pub use jiff::Timestamp;
pub use sections::{
    ChannelStatus, ChannelsSection, ContainerState, ContainerStatus, ContainersSection,
    CustomSections, DiskUsage, GatewayInfo, GatewaySection, HostSection, LoadAverage, MemoryUsage,
    NamedProcesses, ProcessSection, ProcessTable, ProcessesSection, ProxyGateway, QueueGroup,
    QueueSection, RuntimeSection, ScheduledJob, SchedulerSection, ServiceSection, ServiceStatus,
    SessionsSection, SidecarKind, SidecarStatus, SidecarsSection, SupervisorInfo, SupervisorKind,
    SwapUsage, TerminalsSection,
};
pub use slot::Slot;
pub use snapshot::{SCHEMA_VERSION, SectionData, SectionName, Snapshot, UnknownSection};

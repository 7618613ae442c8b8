//! The section types, one file each.

mod channels;
mod containers;
mod custom;
mod gateway;
mod host;
mod process;
mod processes;
mod queue;
mod runtime;
mod scheduler;
mod service;
mod sessions;
mod sidecars;
mod terminals;

pub use channels::{ChannelStatus, ChannelsSection};
pub use containers::{ContainerState, ContainerStatus, ContainersSection};
pub use custom::CustomSections;
pub use gateway::{GatewayInfo, GatewaySection, ProxyGateway};
pub use host::{DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, SwapUsage};
pub use process::{ProcessSection, SupervisorInfo, SupervisorKind};
pub use processes::{NamedProcesses, ProcessesSection};
pub use queue::{QueueGroup, QueueSection};
pub use runtime::RuntimeSection;
pub use scheduler::{ScheduledJob, SchedulerSection};
pub use service::{ServiceSection, ServiceStatus};
pub use sessions::SessionsSection;
pub use sidecars::{SidecarKind, SidecarStatus, SidecarsSection};
pub use terminals::TerminalsSection;

#[cfg(test)]
mod tests;

//! The section types, one file each.

mod app_jobs;
mod broker;
mod cgroup;
mod channels;
mod containers;
mod custom;
mod custom_checks;
mod deploy;
mod gateway;
mod host;
mod messages;
mod metrics;
mod notifier;
mod pipeline;
mod probes;
mod process;
mod processes;
mod queue;
mod recent_operations;
mod repos;
mod runtime;
mod scheduler;
mod service;
mod storage;
mod store;
mod tasks;

pub use broker::{BrokerSection, InFlightOperation};
pub use deploy::DeploySection;
mod http;
mod sessions;
mod sidecars;
mod terminals;
mod workers;

pub use app_jobs::{AppJob, AppJobsSection};
pub use cgroup::{
    CgroupCpu, CgroupInfo, CgroupMemory, CgroupPids, Pressure, PressureLine, PressureResource,
};
pub use channels::{ChannelStatus, ChannelsSection};
pub use containers::{ContainerState, ContainerStatus, ContainersSection};
pub use custom::CustomSections;
pub use custom_checks::{CustomCheck, CustomChecksSection};
pub use gateway::{GatewayInfo, GatewaySection, ProxyGateway};
pub use host::{DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, SwapUsage};
pub use http::HttpSection;
pub use messages::MessagesSection;
pub use metrics::{
    HistogramBucket, HistogramValue, Metric, MetricKind, MetricSeries, MetricsSection,
};
pub use notifier::NotifierSection;
pub use pipeline::PipelineSection;
pub use probes::{ProbeResult, ProbesSection};
pub use process::{ProcessSection, SupervisorInfo, SupervisorKind};
pub use processes::{NamedProcesses, ProcessesSection};
pub use queue::{QueueGroup, QueueSection};
pub use recent_operations::{OperationRecord, RecentOperationsSection};
pub use repos::{Fallible, GitOperation, RepoStatus, ReposSection, WorktreeStatus};
pub use runtime::RuntimeSection;
pub use scheduler::{ScheduledJob, SchedulerSection};
pub use service::{ServiceSection, ServiceStatus};
pub use sessions::SessionsSection;
pub use sidecars::{SidecarKind, SidecarStatus, SidecarsSection};
pub use storage::{DatabaseFiles, StorageSection};
pub use store::StoreSection;
pub use tasks::{ScheduledTask, TasksSection};
pub use terminals::TerminalsSection;
pub use workers::{WorkerStatus, WorkersSection};

#[cfg(test)]
mod tests;

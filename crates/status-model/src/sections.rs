//! The section types, one file each.

mod broker;
mod deploy;
mod host;
mod host_jobs;
mod messages;
mod notifier;
mod pipeline;
mod probes;
mod process;
mod recent_operations;
mod repos;
mod runtime;
mod service;
mod storage;
mod store;
mod tasks;

pub use broker::{BrokerSection, InFlightOperation};
pub use deploy::DeploySection;
pub use host::{DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, SwapUsage};
pub use host_jobs::{HostJob, HostJobsSection};
pub use messages::MessagesSection;
pub use notifier::NotifierSection;
pub use pipeline::PipelineSection;
pub use probes::{ProbeResult, ProbesSection};
pub use process::{ProcessSection, SupervisorInfo, SupervisorKind};
pub use recent_operations::{OperationRecord, RecentOperationsSection};
pub use repos::{Fallible, GitOperation, RepoStatus, ReposSection, WorktreeStatus};
pub use runtime::RuntimeSection;
pub use service::{ServiceSection, ServiceStatus};
pub use storage::{DatabaseFiles, StorageSection};
pub use store::StoreSection;
pub use tasks::{ScheduledTask, TasksSection};

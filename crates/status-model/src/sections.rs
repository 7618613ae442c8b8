//! The section types, one file each.

mod deploy;
mod host;
mod process;
mod repos;
mod runtime;
mod service;

pub use deploy::DeploySection;
pub use host::{DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, SwapUsage};
pub use process::{ProcessSection, SupervisorInfo, SupervisorKind};
pub use repos::{Fallible, GitOperation, RepoStatus, ReposSection, WorktreeStatus};
pub use runtime::RuntimeSection;
pub use service::{ServiceSection, ServiceStatus};

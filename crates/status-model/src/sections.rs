//! The section types, one file each.

mod host;
mod process;
mod runtime;
mod service;

pub use host::{DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, SwapUsage};
pub use process::{ProcessSection, SupervisorInfo, SupervisorKind};
pub use runtime::RuntimeSection;
pub use service::{ServiceSection, ServiceStatus};

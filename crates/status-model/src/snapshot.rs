//! The snapshot: every configured section plus the report of how it was collected.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::collection::CollectionReport;
use crate::health::HealthReport;
use crate::sections::{
    AppJobsSection, BrokerSection, ChannelsSection, ContainersSection, CustomChecksSection,
    CustomSections, DeploySection, GatewaySection, HostSection, HttpSection, MessagesSection,
    MetricsSection, NotifierSection, PipelineSection, ProbesSection, ProcessSection,
    ProcessesSection, QueueSection, RecentOperationsSection, ReposSection, RuntimeSection,
    SchedulerSection, ServiceSection, SessionsSection, SidecarsSection, StorageSection,
    StoreSection, TasksSection, TerminalsSection, WorkersSection,
};
use crate::slot::Slot;

/// The version of the snapshot's JSON format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Declares the sections once: the snapshot's fields, [`SectionData`], [`SectionName`] and the
/// matches between them. A new section is one more line in the invocation below.
macro_rules! sections {
    ($($(#[$doc:meta])* $variant:ident($field:ident $(, was $old:literal)?): $ty:ty,)*) => {
        /// One status snapshot of the host.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
        pub struct Snapshot {
            /// [`SCHEMA_VERSION`] of the writer.
            pub schema_version: u32,
            /// How this snapshot was collected.
            pub collection: CollectionReport,
            /// The health checks' verdicts; `null` when no checks ran.
            pub health: Option<HealthReport>,
            $(
                $(#[$doc])*
                #[serde(default, skip_serializing_if = "Slot::is_not_configured")]
                $(#[serde(alias = $old)])?
                pub $field: Slot<$ty>,
            )*
        }

        impl Snapshot {
            /// An empty snapshot with the given collection report; every section not configured.
            pub fn new(collection: CollectionReport) -> Snapshot {
                Snapshot {
                    schema_version: SCHEMA_VERSION,
                    collection,
                    health: None,
                    $($field: Slot::NotConfigured,)*
                }
            }

            /// Puts a section's value in its slot.
            pub fn put(&mut self, data: SectionData) {
                match data {
                    $(SectionData::$variant(value) => self.$field = Slot::Present(value),)*
                }
            }

            /// Marks a configured section as having no value (`null`).
            pub fn put_missing(&mut self, name: SectionName) {
                match name {
                    $(SectionName::$variant => self.$field = Slot::Missing,)*
                }
            }

            /// Whether the section is configured in this snapshot (has a key, even if `null`).
            pub fn is_configured(&self, name: SectionName) -> bool {
                match name {
                    $(SectionName::$variant => !self.$field.is_not_configured(),)*
                }
            }
        }

        /// The value of one section, as a collector produces it.
        #[derive(Clone, Debug, PartialEq)]
        pub enum SectionData {
            $($(#[$doc])* $variant($ty),)*
        }

        impl SectionData {
            /// Which section this value belongs in.
            pub fn name(&self) -> SectionName {
                match self {
                    $(SectionData::$variant(_) => SectionName::$variant,)*
                }
            }
        }

        /// The name of a section: its top-level key in the snapshot.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum SectionName {
            $($(#[$doc])* $variant,)*
        }

        impl SectionName {
            /// Every section, in the order they appear in the snapshot.
            pub const ALL: &[SectionName] = &[$(SectionName::$variant,)*];

            /// The top-level key.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SectionName::$variant => stringify!($field),)*
                }
            }

            /// Sections renamed, as (old key, section): a snapshot written before the rename is
            /// read back with its old key, and [`FromStr`] takes either name.
            pub const RENAMED: &[(&str, SectionName)] = &[$($(($old, SectionName::$variant),)?)*];
        }
    };
}

sections! {
    /// `service`: the app as a service.
    Service(service): ServiceSection,
    /// `process`: the app's process (or the `[target]` one).
    Process(process): ProcessSection,
    /// `host`: the machine.
    Host(host): HostSection,
    /// `runtime`: the async runtime.
    Runtime(runtime): RuntimeSection,
    /// `terminals`: tmux and screen sessions.
    Terminals(terminals): TerminalsSection,
    /// `processes`: processes counted by executable name.
    Processes(processes): ProcessesSection,
    /// `deploy`: the app's own checkout and its last deploy.
    Deploy(deploy): DeploySection,
    /// `repos`: configured git repositories and their worktrees.
    Repos(repos): ReposSection,
    /// `channels`: the app's chat channels.
    Channels(channels): ChannelsSection,
    /// `gateway`: the app's model gateway.
    Gateway(gateway): GatewaySection,
    /// `containers`: named Docker containers.
    Containers(containers): ContainersSection,
    /// `queue`: the app's work queue.
    Queue(queue): QueueSection,
    /// `sessions`: the app's workspaces and agent sessions.
    Sessions(sessions): SessionsSection,
    /// `scheduler`: the app's scheduler.
    Scheduler(scheduler): SchedulerSection,
    /// `broker`: the operation broker, from a database's `execution_log`.
    Broker(broker): BrokerSection,
    /// `notifier`: the notification outbox, from a database's `notification_outbox`.
    Notifier(notifier): NotifierSection,
    /// `messages`: inbound and outbound message traffic, from a `messaging` database.
    Messages(messages): MessagesSection,
    /// `tasks`: scheduled tasks, from a `messaging` database.
    Tasks(tasks): TasksSection,
    /// `app_jobs`: the app's cron-like jobs, from a `messaging` database (renamed: a snapshot
    /// written under the old key is read back too).
    AppJobs(app_jobs, was "host_jobs"): AppJobsSection, // rename: keep
    /// `probes`: named scalar SQL probes.
    Probes(probes): ProbesSection,
    /// `storage`: sizes of the databases and logs.
    Storage(storage): StorageSection,
    /// `store`: whether the collector's own embedded store takes writes.
    Store(store): StoreSection,
    /// `sidecars`: threads and processes the app registered.
    Sidecars(sidecars): SidecarsSection,
    /// `http`: the supervised status server's restarts.
    Http(http): HttpSection,
    /// `pipeline`: what became of the snapshots after collection (history, files, hooks).
    Pipeline(pipeline): PipelineSection,
    /// `recent_operations`: the newest operations, metadata only.
    RecentOperations(recent_operations): RecentOperationsSection,
    /// `custom`: the app's own sections, each under its name.
    Custom(custom): CustomSections,
    /// `custom_checks`: the app's own health verdicts.
    CustomChecks(custom_checks): CustomChecksSection,
    /// `metrics`: counters, gauges and histograms the app registered.
    Metrics(metrics): MetricsSection,
    /// `workers`: the app's workers and their heartbeats.
    Workers(workers): WorkersSection,
}

impl fmt::Display for SectionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A section name that is not one of [`SectionName::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSection(pub String);

impl fmt::Display for UnknownSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown section `{}`", self.0)
    }
}

impl std::error::Error for UnknownSection {}

impl FromStr for SectionName {
    type Err = UnknownSection;

    fn from_str(s: &str) -> Result<SectionName, UnknownSection> {
        SectionName::ALL
            .iter()
            .copied()
            .find(|name| name.as_str() == s)
            .or_else(|| {
                SectionName::RENAMED.iter().find(|(old, _)| *old == s).map(|(_, name)| *name)
            })
            .ok_or_else(|| UnknownSection(s.to_owned()))
    }
}

#[cfg(test)]
mod tests;

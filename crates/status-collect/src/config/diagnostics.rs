//! `[workers]` and `[traces]`: the heartbeat socket and the trace buffer.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::bounded;

/// `[workers]`: heartbeats of the host's workers.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkersConfig {
    /// `socket`: a Unix socket path on which workers in other processes send heartbeats, one JSON
    /// object per line (`{"id":"w1","rss_bytes":1048576,"cpu_pct":12.5,"custom":{}}`). None by
    /// default: heartbeats come only through `Status::heartbeats()`.
    pub socket: Option<PathBuf>,
    /// `heartbeat_interval`: how often workers are expected to send one, 100 ms to 1 h. Default 10 s.
    #[serde(deserialize_with = "heartbeat_interval_in_range")]
    pub heartbeat_interval: Duration,
    /// `stale_after_intervals`: a worker silent for more than this many intervals is `stale`
    /// (and the `workers_stale` check warns), 1 to 1000. Default 3.
    #[serde(deserialize_with = "intervals_in_range")]
    pub stale_after_intervals: u32,
}

impl Default for WorkersConfig {
    fn default() -> WorkersConfig {
        WorkersConfig {
            socket: None,
            heartbeat_interval: Duration::from_secs(10),
            stale_after_intervals: 3,
        }
    }
}

/// `[traces]`: the trace buffer's filter and bounds (see `TraceBuffer`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TracesConfig {
    /// `targets`: event targets kept, each with the targets below it (`my_app::pool` keeps
    /// `my_app::pool::worker`). Empty (the default): every target.
    pub targets: Vec<String>,
    /// `execution_id_field`: the field, on the event or an enclosing span, that groups events.
    /// Default `execution_id`.
    pub execution_id_field: String,
    /// `outcome_field`: the field whose latest value is an execution's final outcome. Default
    /// `outcome`.
    pub outcome_field: String,
    /// `max_events_per_execution`: events kept per execution, the newest. Default 256.
    pub max_events_per_execution: usize,
    /// `max_events`: events kept in all. Default 10,000.
    pub max_events: usize,
    /// `max_bytes`: bytes kept in all, by the buffer's own accounting. Default 8 MiB.
    pub max_bytes: usize,
    /// `max_value_chars`: characters kept of each value. Default 200.
    pub max_value_chars: usize,
    /// `deny_fields`: field names never stored; `*` matches anything, case-insensitive. Default
    /// `*token*`, `*key*`, `*secret*`, `*password*`, `message_text`, `text`. Setting it replaces
    /// the defaults.
    pub deny_fields: Vec<String>,
}

impl Default for TracesConfig {
    fn default() -> TracesConfig {
        TracesConfig {
            targets: Vec::new(),
            execution_id_field: "execution_id".into(),
            outcome_field: "outcome".into(),
            max_events_per_execution: 256,
            max_events: 10_000,
            max_bytes: 8 * 1024 * 1024,
            max_value_chars: 200,
            deny_fields: ["*token*", "*key*", "*secret*", "*password*", "message_text", "text"]
                .map(str::to_owned)
                .to_vec(),
        }
    }
}

fn heartbeat_interval_in_range<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    bounded(
        deserializer,
        "workers.heartbeat_interval",
        (Duration::from_millis(100), Duration::from_secs(3600)),
    )
}

fn intervals_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let value = u32::deserialize(deserializer)?;
    if !(1..=1000).contains(&value) {
        return Err(serde::de::Error::custom(format!(
            "`workers.stale_after_intervals` must be between 1 and 1000, got {value}"
        )));
    }
    Ok(value)
}

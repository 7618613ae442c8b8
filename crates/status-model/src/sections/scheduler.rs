//! The `scheduler` section: the app's scheduler loop and its upcoming jobs.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's scheduler.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchedulerSection {
    /// When the scheduler loop last ran; `null` when it has not run yet.
    pub last_tick_at: Option<Timestamp>,
    /// The next jobs due, soonest first, as the app lists them.
    pub next_jobs: Vec<ScheduledJob>,
    /// Jobs running now.
    pub active_jobs: u64,
}

/// One upcoming job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScheduledJob {
    /// The job's name.
    pub name: String,
    /// When it is next due; `null` when it has no next run (paused, or run once and done).
    pub next_run_at: Option<Timestamp>,
}

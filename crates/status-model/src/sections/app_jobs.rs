//! The `app_jobs` section: the app's cron-like jobs and whether they run on time.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's cron-like jobs, read from the table `host_jobs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AppJobsSection {
    /// All jobs in the table (the list below is capped at 200).
    pub total: u64,
    /// Up to 200 jobs, soonest `next_run` first, jobs without one last.
    pub jobs: Vec<AppJob>,
}

/// One app job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AppJob {
    /// The job's id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// `cron`, `interval` or `once`, as stored.
    pub schedule_type: Option<String>,
    /// The cron expression, interval or time, as stored.
    pub schedule_value: Option<String>,
    /// `idle`, `running`, `failed`, …, as stored.
    pub status: Option<String>,
    /// Whether the job is switched on.
    pub enabled: bool,
    /// When it runs next; `null` when not scheduled or unreadable.
    pub next_run: Option<Timestamp>,
    /// When it last ran; `null` when never or unreadable.
    pub last_run: Option<Timestamp>,
    /// An enabled job whose `next_run` is past by more than the configured grace. `null` when
    /// `next_run` is stored but cannot be read.
    pub overdue: Option<bool>,
}

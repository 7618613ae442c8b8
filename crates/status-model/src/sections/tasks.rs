//! The `tasks` section: the host's scheduled tasks and whether they run on time.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The host's scheduled tasks, read from `scheduled_tasks`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TasksSection {
    /// All tasks in the table (the list below is capped at 200).
    pub total: u64,
    /// Up to 200 tasks, soonest `next_run` first, tasks without one last.
    pub tasks: Vec<ScheduledTask>,
}

/// One scheduled task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScheduledTask {
    /// The task's id.
    pub id: String,
    /// The group (workspace, chat) the task belongs to.
    pub group: Option<String>,
    /// `cron`, `interval` or `once`, as stored.
    pub schedule_type: Option<String>,
    /// The cron expression, interval or time, as stored.
    pub schedule_value: Option<String>,
    /// `active`, `paused`, `completed`, …, as stored.
    pub status: Option<String>,
    /// When it runs next; `null` when not scheduled or unreadable.
    pub next_run: Option<Timestamp>,
    /// When it last ran; `null` when never or unreadable.
    pub last_run: Option<Timestamp>,
    /// A one-line summary of the last result, at most 200 characters.
    pub last_result: Option<String>,
    /// An `active` task whose `next_run` is past by more than the configured grace. `null` when
    /// `next_run` is stored but cannot be read.
    pub overdue: Option<bool>,
}

//! The `tasks` collector: every scheduled task, and whether an active one is overdue, from
//! `scheduled_tasks` (the `messaging` layout).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{ScheduledTask, SectionData, SectionName, TasksSection};

use super::schedule::{LISTED, Lateness};
use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{count, summary, text};
use crate::layouts::columns::{Variant, detect};

const TASKS: &[Variant] = &[
    Variant {
        name: "messaging",
        columns: &["id", "group_id", "schedule_type", "schedule_value", "status", "next_run"],
    },
    Variant {
        name: "pynchy",
        columns: &["id", "group_folder", "schedule_type", "schedule_value", "status", "next_run"],
    },
];

/// Collects the `tasks` section.
pub(crate) struct TasksCollector {
    db: Arc<Database>,
}

impl TasksCollector {
    /// Reads `scheduled_tasks` of `db`.
    pub(crate) fn new(db: Arc<Database>) -> TasksCollector {
        TasksCollector { db }
    }
}

#[async_trait]
impl Collector for TasksCollector {
    fn section(&self) -> SectionName {
        SectionName::Tasks
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let db = &self.db;
        let mut conn = db.read().await?;
        let group = match detect(&mut conn, db, "scheduled_tasks", TASKS).await? {
            0 => "group_id",
            _ => "group_folder",
        };
        let total = sqlx::query("SELECT COUNT(*) FROM scheduled_tasks")
            .fetch_one(&mut *conn)
            .await
            .map_err(|error| db.error(error))?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, {group}, schedule_type, schedule_value, status, next_run, last_run, \
             substr(last_result, 1, 1000) FROM scheduled_tasks \
             ORDER BY next_run IS NULL, next_run, id LIMIT ?"
        )))
        .bind(LISTED)
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;

        let mut unmeasured = BTreeMap::new();
        let lateness = Lateness::new(Timestamp::now(), db.overdue_grace());
        let tasks = rows
            .iter()
            .map(|row| {
                let id = text(row, 0).unwrap_or_default();
                let status = text(row, 4);
                let active = status.as_deref() == Some("active");
                let times =
                    lateness.read(row, 5, 6, active, &format!("tasks.{id}"), &mut unmeasured);
                ScheduledTask {
                    group: text(row, 1),
                    schedule_type: text(row, 2),
                    schedule_value: text(row, 3),
                    status,
                    next_run: times.next_run,
                    last_run: times.last_run,
                    last_result: text(row, 7).as_deref().and_then(summary),
                    overdue: times.overdue,
                    id,
                }
            })
            .collect();
        // The read ends here; every statement above saw the same state of the database.
        conn.rollback().await.map_err(|error| db.error(error))?;
        Ok(Collected {
            data: SectionData::Tasks(TasksSection { total: count(&total, 0), tasks }),
            unmeasured,
        })
    }
}

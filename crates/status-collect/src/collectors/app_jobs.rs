//! The `app_jobs` collector: every app job, and whether an enabled one is overdue, from
//! the table `host_jobs` (the `messaging` layout).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{AppJob, AppJobsSection, SectionData, SectionName};

use super::schedule::{LISTED, Lateness};
use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{count, text};
use crate::layouts::columns::{Variant, detect};

/// This project's and pynchy's `host_jobs` share the columns read.
const JOBS: &[Variant] = &[Variant {
    name: "messaging or pynchy",
    columns: &[
        "id",
        "name",
        "schedule_type",
        "schedule_value",
        "status",
        "enabled",
        "next_run",
        "last_run",
    ],
}];

/// Collects the `app_jobs` section.
pub(crate) struct AppJobsCollector {
    db: Arc<Database>,
}

impl AppJobsCollector {
    /// Reads `host_jobs` of `db`.
    pub(crate) fn new(db: Arc<Database>) -> AppJobsCollector {
        AppJobsCollector { db }
    }
}

#[async_trait]
impl Collector for AppJobsCollector {
    fn section(&self) -> SectionName {
        SectionName::AppJobs
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let db = &self.db;
        let mut conn = db.read().await?;
        detect(&mut conn, db, "host_jobs", JOBS).await?;
        let total = sqlx::query("SELECT COUNT(*) FROM host_jobs")
            .fetch_one(&mut *conn)
            .await
            .map_err(|error| db.error(error))?;
        let rows = sqlx::query(
            "SELECT id, name, schedule_type, schedule_value, status, enabled, next_run, last_run \
             FROM host_jobs ORDER BY next_run IS NULL, next_run, id LIMIT ?",
        )
        .bind(LISTED)
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;

        let mut unmeasured = BTreeMap::new();
        let lateness = Lateness::new(Timestamp::now(), db.overdue_grace());
        let jobs = rows
            .iter()
            .map(|row| {
                let id = text(row, 0).unwrap_or_default();
                let enabled = text(row, 5)
                    .is_some_and(|value| !matches!(value.trim(), "0" | "" | "false" | "FALSE"));
                let times =
                    lateness.read(row, 6, 7, enabled, &format!("jobs.{id}"), &mut unmeasured);
                AppJob {
                    name: text(row, 1),
                    schedule_type: text(row, 2),
                    schedule_value: text(row, 3),
                    status: text(row, 4),
                    enabled,
                    next_run: times.next_run,
                    last_run: times.last_run,
                    overdue: times.overdue,
                    id,
                }
            })
            .collect();
        // The read ends here; every statement above saw the same state of the database.
        conn.rollback().await.map_err(|error| db.error(error))?;
        Ok(Collected {
            data: SectionData::AppJobs(AppJobsSection { total: count(&total, 0), jobs }),
            unmeasured,
        })
    }
}

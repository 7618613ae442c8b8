//! The `probes` collector: each configured probe's scalar answer, run side by side, each failing
//! alone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::AssertSqlSafe;
use status_model::{ProbeResult, ProbesSection, SectionData, SectionName};
use tokio::task::JoinSet;

use crate::collector::{CollectError, Collected, Collector};
use crate::config::ProbeConfig;
use crate::database::Database;
use crate::database::row::{number, text};

/// Collects the `probes` section.
pub(crate) struct ProbesCollector {
    probes: Vec<(Arc<Database>, ProbeConfig)>,
    deadline: Duration,
}

impl ProbesCollector {
    /// Runs each probe against its database. `deadline` is the section's: a probe still running
    /// just before it is given up, so the others' answers arrive in time.
    pub(crate) fn new(
        probes: Vec<(Arc<Database>, ProbeConfig)>,
        deadline: Duration,
    ) -> ProbesCollector {
        ProbesCollector { probes, deadline }
    }
}

#[async_trait]
impl Collector for ProbesCollector {
    fn section(&self) -> SectionName {
        SectionName::Probes
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let limit = self.deadline.mul_f64(0.9);
        let mut running = JoinSet::new();
        for (db, probe) in &self.probes {
            let (db, probe) = (db.clone(), probe.clone());
            running.spawn(async move {
                let answer = match tokio::time::timeout(limit, run(&db, &probe)).await {
                    Ok(answer) => answer,
                    Err(_) => {
                        Err(format!("no answer within {}", humantime::format_duration(limit)))
                    }
                };
                (db, probe, answer)
            });
        }

        let mut section = ProbesSection::new();
        let mut unmeasured = BTreeMap::new();
        while let Some(joined) = running.join_next().await {
            let (db, probe, answer) = match joined {
                Ok(done) => done,
                Err(error) => match error.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(error) => {
                        return Err(CollectError::Failed(format!("probe task failed: {error}")));
                    }
                },
            };
            let value = match answer {
                Ok(Answer::Value(value)) => Some(value),
                Ok(Answer::Null(reason)) => {
                    unmeasured.insert(format!("{}.value", probe.name), reason.to_owned());
                    None
                }
                Err(reason) => {
                    unmeasured.insert(probe.name.clone(), reason);
                    section.insert(probe.name, None);
                    continue;
                }
            };
            let result = ProbeResult {
                database: db.name().to_owned(),
                value,
                warn_above: probe.warn_above,
                fail_above: probe.fail_above,
            };
            section.insert(probe.name, Some(result));
        }
        Ok(Collected { data: SectionData::Probes(section), unmeasured })
    }
}

enum Answer {
    Value(f64),
    /// No value, and why: SQL `NULL` or no row.
    Null(&'static str),
}

async fn run(db: &Database, probe: &ProbeConfig) -> Result<Answer, String> {
    let mut conn = db.connection().await.map_err(|error| error.to_string())?;
    // Checked at config load to be one read-only statement, and the connection is read-only.
    let row = sqlx::query(AssertSqlSafe(probe.sql.clone()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| db.error(error).to_string())?;
    let Some(row) = row else { return Ok(Answer::Null("the probe returned no row")) };
    if let Some(value) = number(&row, 0) {
        return Ok(Answer::Value(value));
    }
    // The text itself is not shown: a probe may select a column that holds message text.
    match text(&row, 0) {
        None => Ok(Answer::Null("the probe returned NULL")),
        Some(other) => Err(format!(
            "the probe returned text of {} characters, not a number",
            other.chars().count()
        )),
    }
}

//! The `probes` collector: each configured probe's scalar answer, run side by side, each failing
//! alone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Probes given up at their deadline (their statement interrupted) since this was made.
    abandoned: Arc<AtomicU64>,
}

impl ProbesCollector {
    /// Runs each probe against its database. `deadline` is the section's: a probe still running
    /// just before it is given up, its statement interrupted and counted in the snapshot's
    /// `collection.abandoned_total`, so the others' answers arrive in time.
    pub(crate) fn new(
        probes: Vec<(Arc<Database>, ProbeConfig)>,
        deadline: Duration,
    ) -> ProbesCollector {
        ProbesCollector { probes, deadline, abandoned: Arc::default() }
    }
}

#[async_trait]
impl Collector for ProbesCollector {
    fn section(&self) -> SectionName {
        SectionName::Probes
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let limit = self.deadline.mul_f64(0.9);
        let until = tokio::time::Instant::now() + limit;
        let mut running = JoinSet::new();
        for (db, probe) in &self.probes {
            let (db, probe, abandoned) = (db.clone(), probe.clone(), self.abandoned.clone());
            running.spawn(async move {
                // The statement is interrupted at the same instant the probe is given up.
                let answer = match tokio::time::timeout_at(until, run(&db, &probe, until)).await {
                    Ok(Ok(answer)) => Ok(answer),
                    Ok(Err(Failure::Other(reason))) => Err(reason),
                    Ok(Err(Failure::Interrupted)) | Err(_) => {
                        abandoned.fetch_add(1, Ordering::Relaxed);
                        Err(format!(
                            "no answer within {}; the statement was interrupted",
                            humantime::format_duration(limit)
                        ))
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

    fn abandoned_total(&self) -> u64 {
        self.abandoned.load(Ordering::Relaxed)
    }
}

enum Answer {
    Value(f64),
    /// No value, and why: SQL `NULL` or no row.
    Null(&'static str),
}

/// Why a probe has no answer.
enum Failure {
    /// Its statement ran into the deadline and SQLite interrupted it.
    Interrupted,
    Other(String),
}

/// SQLite's result code for a statement stopped by its progress handler.
const SQLITE_INTERRUPT: &str = "9";

async fn run(
    db: &Database,
    probe: &ProbeConfig,
    until: tokio::time::Instant,
) -> Result<Answer, Failure> {
    let mut conn =
        db.connection_until(until).await.map_err(|error| Failure::Other(error.to_string()))?;
    // Checked at config load to be one read-only statement, and the connection is read-only.
    let row = sqlx::query(AssertSqlSafe(probe.sql.clone()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(sqlite) if sqlite.code().as_deref() == Some(SQLITE_INTERRUPT) => {
                Failure::Interrupted
            }
            _ => Failure::Other(db.error(error).to_string()),
        })?;
    let Some(row) = row else { return Ok(Answer::Null("the probe returned no row")) };
    if let Some(value) = number(&row, 0) {
        return Ok(Answer::Value(value));
    }
    // The text itself is not shown: a probe may select a column that holds message text.
    match text(&row, 0) {
        None => Ok(Answer::Null("the probe returned NULL")),
        Some(other) => Err(Failure::Other(format!(
            "the probe returned text of {} characters, not a number",
            other.chars().count()
        ))),
    }
}

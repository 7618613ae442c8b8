//! The `deploy` collector: the host's own checkout (gix, on the blocking pool) and its last deploy:
//! the deploy record in the host's database when `[deploy] database` names one (`router_state`,
//! `deployment_state`, read in one read transaction), else the store's `record_deploy`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{DeploySection, SectionData, SectionName};

use super::repos::interruptible;
use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{parse_time, text};
use crate::git;
use crate::layouts::columns::{Variant, detect};
use crate::store::Store;

/// The git fields, each left `null` with the same reason when the checkout cannot be opened.
const GIT_FIELDS: &[&str] = &["head_sha", "branch", "head_commit", "dirty", "unpushed_commits"];

/// Collects the `deploy` section.
pub struct DeployCollector {
    checkout: PathBuf,
    store: Store,
    deadline: Duration,
    database: Option<Arc<Database>>,
    /// The pending sha last seen and when it was first seen.
    pending: Mutex<Option<(String, Timestamp)>>,
}

impl DeployCollector {
    /// Reads the checkout at `checkout` and the last deploy recorded in `store`.
    pub fn new(checkout: PathBuf, store: Store, deadline: Duration) -> DeployCollector {
        DeployCollector { checkout, store, deadline, database: None, pending: Mutex::new(None) }
    }

    /// Reads the last deploy from the deploy record in `database` (see [`crate::layouts`]'s
    /// `PYNCHY_TABLES`), falling back to the store when the database holds none.
    #[must_use]
    pub fn with_database(mut self, database: Arc<Database>) -> DeployCollector {
        self.database = Some(database);
        self
    }

    /// `pending_since` for `pending`: the first time this sha was seen pending.
    fn pending_since(&self, pending: Option<&str>, now: Timestamp) -> Option<Timestamp> {
        let mut seen = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        match pending {
            None => {
                *seen = None;
                None
            }
            Some(sha) => match &*seen {
                Some((known, since)) if known == sha => Some(*since),
                _ => {
                    *seen = Some((sha.to_owned(), now));
                    Some(now)
                }
            },
        }
    }
}

/// What a host database's deploy record says.
#[derive(Default)]
struct DbRecord {
    sha: Option<String>,
    at: Option<Timestamp>,
    pending: Option<String>,
}

/// Reads `router_state`'s `last_deploy_sha`/`last_deploy_at` and `deployment_state`'s
/// `applied_sha`/`pending_sha` in one read transaction. Either table may be absent; neither is an
/// error. An unreadable time is a reason for `last_deploy_at`.
async fn read_record(
    db: &Database,
    unmeasured: &mut BTreeMap<String, String>,
) -> Result<DbRecord, CollectError> {
    let mut conn = db.read().await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name IN ('router_state', 'deployment_state')",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|error| db.error(error))?;
    if tables.is_empty() {
        return Err(CollectError::Unavailable(format!(
            "{} has no deploy record: no `router_state` or `deployment_state` table",
            db.place()
        )));
    }
    let mut record = DbRecord::default();
    if tables.iter().any(|table| table == "router_state") {
        let rows = sqlx::query(
            "SELECT key, value FROM router_state \
             WHERE key IN ('last_deploy_sha', 'last_deploy_at')",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        for row in rows {
            let value = text(&row, 1).filter(|value| !value.trim().is_empty());
            match text(&row, 0).as_deref() {
                Some("last_deploy_sha") => record.sha = value,
                Some("last_deploy_at") => match value.as_deref().map(parse_time).transpose() {
                    Ok(at) => record.at = at,
                    Err(reason) => {
                        unmeasured.insert("last_deploy_at".to_owned(), reason);
                    }
                },
                _ => {}
            }
        }
    }
    if tables.iter().any(|table| table == "deployment_state") {
        let variant = [Variant { name: "pynchy", columns: &["applied_sha", "pending_sha"] }];
        detect(&mut conn, db, "deployment_state", &variant).await?;
        let row = sqlx::query("SELECT applied_sha, pending_sha FROM deployment_state LIMIT 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(|error| db.error(error))?;
        if let Some(row) = row {
            let applied = text(&row, 0).filter(|sha| !sha.trim().is_empty());
            let pending = text(&row, 1).filter(|sha| !sha.trim().is_empty());
            record.pending = pending.filter(|pending| Some(pending) != applied.as_ref());
            if record.sha.is_none() {
                record.sha = applied;
            }
        }
    }
    conn.rollback().await.map_err(|error| db.error(error))?;
    Ok(record)
}

#[async_trait]
impl Collector for DeployCollector {
    fn section(&self) -> SectionName {
        SectionName::Deploy
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let path = self.checkout.clone();
        let (git, deploy) = tokio::join!(
            interruptible(self.deadline, move |interrupt| git::read_checkout(&path, interrupt)),
            self.store.last_deploy(),
        );
        let mut unmeasured = BTreeMap::new();
        let (checkout, git_error) = match git? {
            Ok((checkout, reasons)) => {
                unmeasured.extend(reasons);
                (checkout, None)
            }
            Err(error) => {
                for field in GIT_FIELDS {
                    unmeasured.insert((*field).to_owned(), error.to_string());
                }
                (git::Checkout::default(), Some(error))
            }
        };
        let last_deploy = match deploy {
            Ok(record) => record,
            Err(error) => {
                if let Some(git_error) = git_error {
                    return Err(CollectError::Failed(format!("{git_error}; {error}")));
                }
                for field in ["last_deploy_at", "last_deploy_sha"] {
                    unmeasured.insert(field.to_owned(), error.to_string());
                }
                None
            }
        };
        let (mut last_deploy_at, mut last_deploy_sha) = match last_deploy {
            Some(record) => (Some(record.at), Some(record.sha)),
            None => (None, None),
        };
        let mut pending_sha = None;
        if let Some(db) = &self.database {
            match read_record(db, &mut unmeasured).await {
                // The host's own record wins; the store's stands in only where it says nothing.
                Ok(record) if record.sha.is_some() || record.at.is_some() => {
                    last_deploy_sha = record.sha;
                    last_deploy_at = record.at;
                    pending_sha = record.pending;
                }
                Ok(record) => pending_sha = record.pending,
                Err(error) => {
                    unmeasured.insert("pending_sha".to_owned(), error.to_string());
                }
            }
        }
        let pending_since = self.pending_since(pending_sha.as_deref(), Timestamp::now());
        Ok(Collected {
            data: SectionData::Deploy(DeploySection {
                path: self.checkout.display().to_string(),
                head_sha: checkout.head_sha,
                branch: checkout.branch,
                head_commit: checkout.head_commit,
                dirty: checkout.dirty,
                unpushed_commits: checkout.unpushed_commits,
                last_deploy_at,
                last_deploy_sha,
                pending_sha,
                pending_since,
            }),
            unmeasured,
        })
    }
}

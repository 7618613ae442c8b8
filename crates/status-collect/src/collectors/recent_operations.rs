//! The `recent_operations` collector: the newest 100 operations of `execution_log`, metadata only.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use status_model::{OperationRecord, RecentOperationsSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{number, summary, text, time};

/// Collects the `recent_operations` section.
pub(crate) struct RecentOperationsCollector {
    db: Arc<Database>,
}

impl RecentOperationsCollector {
    /// Reads `execution_log` of `db`.
    pub(crate) fn new(db: Arc<Database>) -> RecentOperationsCollector {
        RecentOperationsCollector { db }
    }
}

#[async_trait]
impl Collector for RecentOperationsCollector {
    fn section(&self) -> SectionName {
        SectionName::RecentOperations
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let db = &self.db;
        let mut conn = db.read().await?;
        // Only the head of `error_details` leaves the database: enough for a 200-character summary
        // however much whitespace it holds, never a whole payload.
        let rows = sqlx::query(
            "SELECT operation_id, timestamp, capability, action, tier, status, duration_ms, \
             substr(error_details, 1, 1000) FROM execution_log ORDER BY timestamp DESC LIMIT 100",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        let mut unmeasured = BTreeMap::new();
        let mut operations = Vec::with_capacity(rows.len());
        for row in rows {
            let operation_id = text(&row, 0).unwrap_or_default();
            let timestamp = time(&row, 1)
                .map_err(|reason| {
                    unmeasured.insert(format!("operations.{operation_id}.timestamp"), reason)
                })
                .ok()
                .flatten();
            operations.push(OperationRecord {
                timestamp,
                capability: text(&row, 2),
                action: text(&row, 3),
                tier: text(&row, 4),
                status: text(&row, 5),
                duration_ms: number(&row, 6),
                error_summary: text(&row, 7).as_deref().and_then(summary),
                operation_id,
            });
        }
        // The read ends here; every statement above saw the same state of the database.
        conn.rollback().await.map_err(|error| db.error(error))?;
        Ok(Collected {
            data: SectionData::RecentOperations(RecentOperationsSection { operations }),
            unmeasured,
        })
    }
}

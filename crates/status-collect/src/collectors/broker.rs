//! The `broker` collector: the newest operation, operations in flight and the results of the last
//! ten, from `execution_log` (the `operations` layout).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{BrokerSection, InFlightOperation, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{count, seconds_since, text, time};

/// In-flight operations listed; `in_flight_count` counts them all.
const IN_FLIGHT_LISTED: i64 = 20;

/// Collects the `broker` section.
pub(crate) struct BrokerCollector {
    db: Arc<Database>,
}

impl BrokerCollector {
    /// Reads `execution_log` of `db`.
    pub(crate) fn new(db: Arc<Database>) -> BrokerCollector {
        BrokerCollector { db }
    }
}

#[async_trait]
impl Collector for BrokerCollector {
    fn section(&self) -> SectionName {
        SectionName::Broker
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let db = &self.db;
        let mut conn = db.read().await?;
        let mut unmeasured = BTreeMap::new();
        let now = Timestamp::now();

        // ORDER BY … LIMIT 1 rather than MAX(): it walks the timestamp index and reads the value as
        // stored, text or number.
        let newest =
            sqlx::query("SELECT timestamp FROM execution_log ORDER BY timestamp DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await
                .map_err(|error| db.error(error))?;
        let last_operation_at = match newest.map(|row| time(&row, 0)).transpose() {
            Ok(time) => time.flatten(),
            Err(reason) => {
                unmeasured.insert("last_operation_at".to_owned(), reason);
                None
            }
        };

        let in_flight_count =
            sqlx::query("SELECT COUNT(*) FROM execution_log WHERE status = 'in_progress'")
                .fetch_one(&mut *conn)
                .await
                .map_err(|error| db.error(error))?;
        let in_flight_count = count(&in_flight_count, 0);

        let rows = sqlx::query(
            "SELECT operation_id, capability, action, tier, timestamp FROM execution_log \
             WHERE status = 'in_progress' ORDER BY timestamp DESC LIMIT ?",
        )
        .bind(IN_FLIGHT_LISTED)
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        let mut in_flight = Vec::with_capacity(rows.len());
        for row in rows {
            let operation_id = text(&row, 0).unwrap_or_default();
            let elapsed_s = match time(&row, 4) {
                Ok(started) => started.map(|started| seconds_since(started, now)),
                Err(reason) => {
                    unmeasured.insert(format!("in_flight.{operation_id}.elapsed_s"), reason);
                    None
                }
            };
            in_flight.push(InFlightOperation {
                tool: format!(
                    "{}__{}",
                    text(&row, 1).unwrap_or_default(),
                    text(&row, 2).unwrap_or_default()
                ),
                operation_id,
                tier: text(&row, 3),
                elapsed_s,
            });
        }

        let results = sqlx::query(
            "SELECT status, COUNT(*) FROM (SELECT status FROM execution_log \
             WHERE status <> 'in_progress' ORDER BY timestamp DESC LIMIT 10) GROUP BY status",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        let last_10_results =
            results.iter().map(|row| (text(row, 0).unwrap_or_default(), count(row, 1))).collect();

        // The read ends here; every statement above saw the same state of the database.
        conn.rollback().await.map_err(|error| db.error(error))?;
        Ok(Collected {
            data: SectionData::Broker(BrokerSection {
                last_operation_at,
                in_flight_count,
                in_flight,
                last_10_results,
            }),
            unmeasured,
        })
    }
}

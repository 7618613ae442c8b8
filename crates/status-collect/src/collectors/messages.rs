//! The `messages` collector: message totals by direction, the last received and sent, and pending
//! deliveries, from the `messaging` layout.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::sqlite::SqliteRow;
use status_model::{MessagesSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{count, time};

/// Collects the `messages` section.
pub struct MessagesCollector {
    db: Arc<Database>,
}

impl MessagesCollector {
    /// Reads `messages`, `outbound_ledger` and `outbound_deliveries` of `db`.
    pub fn new(db: Arc<Database>) -> MessagesCollector {
        MessagesCollector { db }
    }
}

#[async_trait]
impl Collector for MessagesCollector {
    fn section(&self) -> SectionName {
        SectionName::Messages
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let db = &self.db;
        let mut conn = db.connection().await?;
        let mut unmeasured = BTreeMap::new();

        let totals = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'inbound'), \
                    (SELECT COUNT(*) FROM messages WHERE direction = 'outbound'), \
                    (SELECT COUNT(*) FROM outbound_deliveries WHERE status = 'pending')",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;

        let received = sqlx::query(
            "SELECT timestamp FROM messages WHERE direction = 'inbound' \
             ORDER BY timestamp DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        let sent = sqlx::query(
            "SELECT sent_at FROM outbound_ledger WHERE sent_at IS NOT NULL \
             ORDER BY sent_at DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;

        let mut newest = |field: &str, row: Option<SqliteRow>| -> Option<Timestamp> {
            match row.map(|row| time(&row, 0)).transpose() {
                Ok(time) => time.flatten(),
                Err(reason) => {
                    unmeasured.insert(field.to_owned(), reason);
                    None
                }
            }
        };
        let last_received_at = newest("last_received_at", received);
        let last_sent_at = newest("last_sent_at", sent);

        Ok(Collected {
            data: SectionData::Messages(MessagesSection {
                total_inbound: count(&totals, 0),
                total_outbound: count(&totals, 1),
                last_received_at,
                last_sent_at,
                pending_deliveries: count(&totals, 2),
            }),
            unmeasured,
        })
    }
}

//! The `messages` collector: message totals by direction, the last received and sent, and pending
//! deliveries (in all, per channel and the oldest), from the `messaging` layout in either variant,
//! this project's or pynchy's, each table's told by its columns.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::sqlite::SqliteRow;
use status_model::{MessagesSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{count, text, time};
use crate::layouts::columns::{Variant, detect};

/// Channels listed in `pending_by_channel`.
const CHANNELS_LISTED: i64 = 50;

const MESSAGES: &[Variant] = &[
    Variant { name: "messaging", columns: &["direction", "timestamp"] },
    Variant { name: "pynchy", columns: &["is_from_me", "timestamp"] },
];
const LEDGER: &[Variant] = &[
    Variant { name: "messaging", columns: &["id", "created_at", "sent_at"] },
    Variant { name: "pynchy", columns: &["id", "timestamp"] },
];
const DELIVERIES: &[Variant] = &[
    Variant { name: "messaging", columns: &["ledger_id", "channel", "status"] },
    Variant { name: "pynchy", columns: &["ledger_id", "channel_name", "delivered_at"] },
];

/// Collects the `messages` section.
pub(crate) struct MessagesCollector {
    db: Arc<Database>,
}

impl MessagesCollector {
    /// Reads `messages`, `outbound_ledger` and `outbound_deliveries` of `db`.
    pub(crate) fn new(db: Arc<Database>) -> MessagesCollector {
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
        let mut conn = db.read().await?;
        let mut unmeasured = BTreeMap::new();

        let pynchy_messages = detect(&mut conn, db, "messages", MESSAGES).await? == 1;
        let pynchy_ledger = detect(&mut conn, db, "outbound_ledger", LEDGER).await? == 1;
        let pynchy_deliveries =
            detect(&mut conn, db, "outbound_deliveries", DELIVERIES).await? == 1;
        let (inbound, outbound) = match pynchy_messages {
            true => ("is_from_me = 0", "is_from_me = 1"),
            false => ("direction = 'inbound'", "direction = 'outbound'"),
        };
        let (pending, channel) = match pynchy_deliveries {
            true => ("delivered_at IS NULL", "channel_name"),
            false => ("status = 'pending'", "channel"),
        };
        let written = if pynchy_ledger { "timestamp" } else { "created_at" };

        let totals = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT COUNT(*) FROM messages WHERE {inbound}), \
                    (SELECT COUNT(*) FROM messages WHERE {outbound}), \
                    (SELECT COUNT(*) FROM outbound_deliveries WHERE {pending})"
        )))
        .fetch_one(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;

        let received = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT timestamp FROM messages WHERE {inbound} ORDER BY timestamp DESC LIMIT 1"
        )))
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        // When a message actually left: the ledger's `sent_at`, or pynchy's delivery time.
        let sent_query = match pynchy_ledger {
            true => {
                "SELECT delivered_at FROM outbound_deliveries WHERE delivered_at IS NOT NULL \
                 ORDER BY delivered_at DESC LIMIT 1"
            }
            false => {
                "SELECT sent_at FROM outbound_ledger WHERE sent_at IS NOT NULL \
                 ORDER BY sent_at DESC LIMIT 1"
            }
        };
        let sent = sqlx::query(sent_query)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|error| db.error(error))?;
        let oldest = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT l.{written} FROM outbound_deliveries d \
             JOIN outbound_ledger l ON l.id = d.ledger_id \
             WHERE d.{pending} ORDER BY l.{written} LIMIT 1"
        )))
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        let channels = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {channel}, COUNT(*) FROM outbound_deliveries WHERE {pending} \
             GROUP BY {channel} ORDER BY {channel} LIMIT ?"
        )))
        .bind(CHANNELS_LISTED)
        .fetch_all(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        // The read ends here; every statement above saw the same state of the database.
        conn.rollback().await.map_err(|error| db.error(error))?;

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
        let oldest_pending_at = newest("oldest_pending_at", oldest);
        let pending_by_channel =
            channels.iter().map(|row| (text(row, 0).unwrap_or_default(), count(row, 1))).collect();

        Ok(Collected {
            data: SectionData::Messages(MessagesSection {
                total_inbound: count(&totals, 0),
                total_outbound: count(&totals, 1),
                last_received_at,
                last_sent_at,
                pending_deliveries: count(&totals, 2),
                pending_by_channel,
                oldest_pending_at,
            }),
            unmeasured,
        })
    }
}

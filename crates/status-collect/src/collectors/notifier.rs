//! The `notifier` collector: the last delivery attempt and what is still pending in
//! `notification_outbox` (the `operations` layout).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{NotifierSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::database::Database;
use crate::database::row::{count, seconds_since, time};

/// Collects the `notifier` section.
pub(crate) struct NotifierCollector {
    db: Arc<Database>,
}

impl NotifierCollector {
    /// Reads `notification_outbox` of `db`.
    pub(crate) fn new(db: Arc<Database>) -> NotifierCollector {
        NotifierCollector { db }
    }
}

#[async_trait]
impl Collector for NotifierCollector {
    fn section(&self) -> SectionName {
        SectionName::Notifier
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let db = &self.db;
        let mut conn = db.read().await?;
        let mut unmeasured = BTreeMap::new();
        let now = Timestamp::now();

        // One ORDER BY … LIMIT 1 per column, each answered from its own index; `created_at` is only
        // read when nothing was ever sent.
        let mut last = sqlx::query(
            "SELECT sent_at FROM notification_outbox WHERE sent_at IS NOT NULL \
             ORDER BY sent_at DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        if last.is_none() {
            last = sqlx::query(
                "SELECT created_at FROM notification_outbox ORDER BY created_at DESC LIMIT 1",
            )
            .fetch_optional(&mut *conn)
            .await
            .map_err(|error| db.error(error))?;
        }
        let last_attempt_at = match last.map(|row| time(&row, 0)).transpose() {
            Ok(time) => time.flatten(),
            Err(reason) => {
                unmeasured.insert("last_attempt_at".to_owned(), reason);
                None
            }
        };

        let pending = sqlx::query(
            "SELECT COUNT(*), MIN(created_at) FROM notification_outbox WHERE status = 'pending'",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(|error| db.error(error))?;
        let pending_count = count(&pending, 0);
        let oldest_pending_age_seconds = match time(&pending, 1) {
            Ok(oldest) => oldest.map(|oldest| seconds_since(oldest, now)),
            Err(reason) => {
                unmeasured.insert("oldest_pending_age_seconds".to_owned(), reason);
                None
            }
        };

        // The read ends here; every statement above saw the same state of the database.
        conn.rollback().await.map_err(|error| db.error(error))?;
        Ok(Collected {
            data: SectionData::Notifier(NotifierSection {
                last_attempt_at,
                pending_count,
                oldest_pending_age_seconds,
            }),
            unmeasured,
        })
    }
}

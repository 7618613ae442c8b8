//! The `notifier` section: the host's notification outbox.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The notification outbox, read from the `notification_outbox` table of the `operations` layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NotifierSection {
    /// The newest `sent_at`; when nothing was ever sent, the newest `created_at`; `null` when the
    /// outbox is empty.
    pub last_attempt_at: Option<Timestamp>,
    /// Notifications with status `pending`.
    pub pending_count: u64,
    /// Age of the oldest pending notification, in seconds; `null` when none is pending.
    pub oldest_pending_age_seconds: Option<f64>,
}

//! The `messages` section: traffic through the host's message ledgers.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Message counts and times, read from the `messaging` layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessagesSection {
    /// Messages with direction `inbound`.
    pub total_inbound: u64,
    /// Messages with direction `outbound`.
    pub total_outbound: u64,
    /// Time of the newest inbound message; `null` when there is none.
    pub last_received_at: Option<Timestamp>,
    /// The newest `sent_at` of the outbound ledger: when a message last actually left; `null` when
    /// none has.
    pub last_sent_at: Option<Timestamp>,
    /// Deliveries with status `pending`.
    pub pending_deliveries: u64,
}

//! The `messages` section: traffic through the host's message ledgers.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Message counts and times, read from the `messaging` layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MessagesSection {
    /// Messages with direction `inbound` (pynchy: `is_from_me = 0`).
    pub total_inbound: u64,
    /// Messages with direction `outbound` (pynchy: `is_from_me = 1`).
    pub total_outbound: u64,
    /// Time of the newest inbound message; `null` when there is none.
    pub last_received_at: Option<Timestamp>,
    /// The newest `sent_at` of the outbound ledger (pynchy: the newest delivery's `delivered_at`):
    /// when a message last actually left; `null` when none has.
    pub last_sent_at: Option<Timestamp>,
    /// Deliveries with status `pending` (pynchy: `delivered_at` still `NULL`).
    pub pending_deliveries: u64,
    /// Pending deliveries by channel (`telegram`, `email`, …); the 50 first channels by name.
    #[serde(default)]
    pub pending_by_channel: BTreeMap<String, u64>,
    /// When the oldest pending delivery's message was written to the outbound ledger; `null` when
    /// none is pending.
    #[serde(default)]
    pub oldest_pending_at: Option<Timestamp>,
}

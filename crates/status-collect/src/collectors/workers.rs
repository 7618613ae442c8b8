//! The `workers` collector: reads the workers' last [`Heartbeats`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use status_model::{SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::diagnostics::Heartbeats;

/// Collects the `workers` section; absent while no worker has sent a heartbeat and no socket is
/// configured.
pub struct WorkersCollector {
    heartbeats: Heartbeats,
    socket: Option<Result<(), String>>,
}

impl WorkersCollector {
    /// Reads `heartbeats` at each collection. `socket` is `None` when no socket is configured, else
    /// whether it listens; why it does not is reported in `unmeasured` under `socket`.
    pub fn new(heartbeats: Heartbeats, socket: Option<Result<(), String>>) -> WorkersCollector {
        WorkersCollector { heartbeats, socket }
    }
}

#[async_trait]
impl Collector for WorkersCollector {
    fn section(&self) -> SectionName {
        SectionName::Workers
    }

    fn configured(&self) -> bool {
        self.socket.is_some() || !self.heartbeats.is_empty()
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let mut unmeasured = BTreeMap::new();
        if let Some(Err(reason)) = &self.socket {
            unmeasured.insert("socket".to_owned(), reason.clone());
        }
        Ok(Collected { data: SectionData::Workers(self.heartbeats.read()), unmeasured })
    }
}

//! The `http` section: the restarts of the supervised status server (status-http's accept loop),
//! counted in a [`ServerRestarts`] the server and this collector share.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{HttpSection, SectionData, SectionName};
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::time::now_millis;

/// Restarts are counted within this window for [`ServerRestarts::recent`] (and the `http_server`
/// check).
pub const RESTART_WINDOW: Duration = Duration::from_secs(600);

/// The most restart times kept for the window.
const KEPT: usize = 1000;

/// The restarts of a server's accept loop: how many, the last one's cause, and when. Cloning gives
/// another handle to the same counts; [`Status::server_restarts`](crate::Status::server_restarts)
/// hands out the one its `http` section reads.
#[derive(Clone, Debug, Default)]
pub struct ServerRestarts(Arc<Mutex<RestartLog>>);

#[derive(Debug, Default)]
struct RestartLog {
    serving: u32,
    total: u64,
    last_error: Option<String>,
    last_at: Option<Timestamp>,
    /// When each restart within [`RESTART_WINDOW`] happened.
    recent: VecDeque<Instant>,
}

impl ServerRestarts {
    fn log(&self) -> std::sync::MutexGuard<'_, RestartLog> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Restarts since the server started.
    pub fn total(&self) -> u64 {
        self.log().total
    }

    /// What ended the loop the last time (a panic's message), if it ever ended.
    pub fn last_error(&self) -> Option<String> {
        self.log().last_error.clone()
    }

    /// Restarts within the last [`RESTART_WINDOW`] (10 minutes).
    pub fn recent(&self) -> u64 {
        let mut log = self.log();
        let now = Instant::now();
        while log.recent.front().is_some_and(|at| now.duration_since(*at) > RESTART_WINDOW) {
            log.recent.pop_front();
        }
        u64::try_from(log.recent.len()).unwrap_or(u64::MAX)
    }

    /// Whether a server counting here runs.
    pub fn serving(&self) -> bool {
        self.log().serving > 0
    }

    /// Marks a server as running until the returned guard is dropped.
    pub fn serve(&self) -> ServingGuard {
        self.log().serving += 1;
        ServingGuard(self.clone())
    }

    /// Counts a restart after `error` ended the loop.
    pub fn record(&self, error: String) {
        let mut log = self.log();
        log.total += 1;
        log.last_error = Some(error);
        log.last_at = Some(now_millis());
        log.recent.push_back(Instant::now());
        if log.recent.len() > KEPT {
            log.recent.pop_front();
        }
    }
}

/// A running server; see [`ServerRestarts::serve`].
#[derive(Debug)]
pub struct ServingGuard(ServerRestarts);

impl Drop for ServingGuard {
    fn drop(&mut self) {
        let mut log = self.0.log();
        log.serving = log.serving.saturating_sub(1);
    }
}

/// Collects the `http` section from a [`ServerRestarts`].
pub struct HttpServerCollector {
    restarts: ServerRestarts,
}

impl HttpServerCollector {
    /// Reads `restarts`.
    pub fn new(restarts: ServerRestarts) -> HttpServerCollector {
        HttpServerCollector { restarts }
    }
}

#[async_trait]
impl Collector for HttpServerCollector {
    fn section(&self) -> SectionName {
        SectionName::Http
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let restarts_last_10m = self.restarts.recent();
        let log = self.restarts.log();
        Ok(Collected::complete(SectionData::Http(HttpSection {
            serving: log.serving > 0,
            restarts_total: log.total,
            restarts_last_10m,
            last_error: log.last_error.clone(),
            last_restart_at: log.last_at,
        })))
    }
}

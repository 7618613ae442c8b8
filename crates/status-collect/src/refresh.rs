//! [`Refresher`]: collections on demand (an HTTP `?fresh=1`), coalesced and rate-limited, so that
//! asking for fresh data cannot make the host do more work than one collection per `min_refresh`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::cache::{Cache, Published};
use crate::engine::Engine;
use crate::runner;

/// Runs a collection when asked, at most one at a time and at most one start per `min_interval`.
/// Cloning gives another handle to the same single flight.
///
/// Callers that ask while a collection runs share its result. Callers that ask within
/// `min_interval` of the last start, once it has finished, get the cached snapshot
/// ([`Refreshed::Throttled`]). The collection runs in a task of its own: a caller that gives up
/// (a client that disconnects) neither cancels it nor strands the others.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use status_collect::{Config, Refreshed, Status};
///
/// let mut config = Config::default();
/// config.state.dir = Some(std::env::temp_dir().join("status-refresher-doctest"));
/// let status = Status::builder().config(config).spawn()?;
/// let refresher = status.refresher();
/// match refresher.refresh().await {
///     Refreshed::Fresh(published) => assert!(published.snapshot.process.value().is_some()),
///     Refreshed::Throttled(_) => {} // the loop's first collection started a moment ago
/// }
/// status.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Refresher {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    cache: Cache,
    min_interval: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The collection in progress: told the latest snapshot when it ends.
    flight: Option<watch::Receiver<Option<Arc<Published>>>>,
    last_start: Option<Instant>,
}

/// What a refresh gave.
#[derive(Debug)]
pub enum Refreshed {
    /// A snapshot from a collection that ran for this request (or that it joined).
    Fresh(Arc<Published>),
    /// No collection ran: the latest snapshot (`None` before the first), because one started less
    /// than `min_interval` ago or the collection did not publish.
    Throttled(Option<Arc<Published>>),
}

impl Refresher {
    /// Collects with `engine` into `cache`, starting at most once per `min_interval`.
    pub(crate) fn new(engine: Engine, cache: Cache, min_interval: Duration) -> Refresher {
        Refresher {
            inner: Arc::new(Inner { engine, cache, min_interval, state: Mutex::default() }),
        }
    }

    /// The cache collections are published to.
    pub fn cache(&self) -> &Cache {
        &self.inner.cache
    }

    /// Collects now, or joins the collection in progress, or returns the cached snapshot when a
    /// collection started less than `min_interval` ago.
    pub async fn refresh(&self) -> Refreshed {
        let mut flight = {
            let mut state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
            match &state.flight {
                Some(flight) => flight.clone(),
                None => {
                    let recent = state
                        .last_start
                        .is_some_and(|started| started.elapsed() < self.inner.min_interval);
                    if recent {
                        return Refreshed::Throttled(self.inner.cache.latest());
                    }
                    let (done, flight) = watch::channel(None);
                    state.flight = Some(flight.clone());
                    state.last_start = Some(Instant::now());
                    tokio::spawn(collect(self.inner.clone(), done));
                    flight
                }
            }
        };
        match flight.wait_for(Option::is_some).await {
            Ok(published) => match published.clone() {
                Some(published) => Refreshed::Fresh(published),
                None => Refreshed::Throttled(self.inner.cache.latest()),
            },
            Err(_) => Refreshed::Throttled(self.inner.cache.latest()),
        }
    }
}

impl std::fmt::Debug for Refresher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Refresher").field("min_interval", &self.inner.min_interval).finish()
    }
}

/// Ends the flight even if the collection task panics, so later callers are not stuck joining it.
struct EndFlight(Arc<Inner>);

impl Drop for EndFlight {
    fn drop(&mut self) {
        self.0.state.lock().unwrap_or_else(PoisonError::into_inner).flight = None;
    }
}

async fn collect(inner: Arc<Inner>, done: watch::Sender<Option<Arc<Published>>>) {
    let end = EndFlight(inner.clone());
    runner::cycle(&inner.engine, &inner.cache).await;
    // The flight ends before its result is sent: a caller arriving in between is throttled and
    // served the snapshot just published, never a second collection.
    drop(end);
    done.send_replace(inner.cache.latest());
}

#[cfg(test)]
mod tests;

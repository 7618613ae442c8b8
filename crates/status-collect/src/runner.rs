//! The background loop: collect at start, then every interval, forever.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::cache::Cache;
use crate::engine::Engine;

/// A collection slower than this logs a warning.
const SLOW_COLLECTION: Duration = Duration::from_millis(100);

/// The running loop. Dropping it does not stop the loop; [`LoopHandle::stop`] does.
#[derive(Debug)]
pub struct LoopHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl LoopHandle {
    /// Stops the loop after the cycle in progress, if any, and waits for it.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

/// Spawns the loop on the current runtime: a collection at once, then one every `interval`.
///
/// The loop never dies. Each cycle runs in a task of its own, so even a bug that panics while
/// assembling a snapshot costs one cycle: it is logged and the last good snapshot stays served.
/// Intervals below the config file's 5 s are allowed here, for tests.
pub fn spawn_loop(engine: Engine, cache: Cache, interval: Duration) -> LoopHandle {
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = stopped.changed() => return,
            }
            cycle(&engine, &cache).await;
        }
    });
    LoopHandle { stop, task }
}

/// One collection, published to the cache. Failures are logged; the cache keeps the last snapshot.
pub(crate) async fn cycle(engine: &Engine, cache: &Cache) {
    let started = Instant::now();
    let run = engine.clone();
    let snapshot = match tokio::spawn(async move { run.collect().await }).await {
        Ok(snapshot) => snapshot,
        Err(error) => {
            tracing::error!(%error, "status collection failed; the last snapshot stays served");
            return;
        }
    };
    let sequence = snapshot.collection.sequence;
    let published = match cache.publish(snapshot) {
        Ok(published) => published,
        Err(error) => {
            tracing::error!(%error, sequence, "status snapshot could not be serialized; the last one stays served");
            return;
        }
    };
    if let Some(health) = &published.health {
        crate::health::log(&health.events);
    }
    let elapsed = started.elapsed();
    tracing::debug!(
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        sequence,
        health = published.health.as_ref().map(|health| health.status.as_str()),
        "status snapshot collected"
    );
    if elapsed > SLOW_COLLECTION {
        tracing::warn!(
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            sequence,
            "slow status collection"
        );
    }
}

#[cfg(test)]
mod tests;

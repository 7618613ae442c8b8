//! The `runtime` collector: the tokio runtime's stable metrics and an event-loop lag probe.
//!
//! The probe runs only while the section is collected, so an idle runtime is never woken for it: a
//! few times a task is spawned and the time until it first runs is taken, the worst reported. The
//! samples are taken while the other sections' tasks compete for the workers, one scheduler turn
//! apart (no timer: a sleep would add a millisecond to every collection). This needs no
//! `tokio_unstable`.

use std::time::Duration;

use async_trait::async_trait;
use status_model::{RuntimeSection, SectionData, SectionName};
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::time::round3;

#[cfg(test)]
mod tests;

/// Lag samples per collection.
const SAMPLES: usize = 3;

/// Collects the `runtime` section.
pub struct RuntimeCollector {
    _private: (),
}

impl RuntimeCollector {
    /// The collector; nothing runs until it collects (no background task, no timer).
    pub fn start() -> RuntimeCollector {
        RuntimeCollector { _private: () }
    }
}

/// The worst delay between spawning a task and its first poll over [`SAMPLES`] samples; `None` when
/// the runtime would not run a task (it is shutting down).
async fn probe() -> Option<Duration> {
    let mut worst = Duration::ZERO;
    for sample in 0..SAMPLES {
        if sample > 0 {
            tokio::task::yield_now().await;
        }
        let spawned = Instant::now();
        let waited = tokio::spawn(async move { spawned.elapsed() }).await.ok()?;
        worst = worst.max(waited);
    }
    Some(worst)
}

#[async_trait]
impl Collector for RuntimeCollector {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let worst = probe().await;
        let metrics = tokio::runtime::Handle::current().metrics();
        let event_loop_lag_ms = worst.map(|lag| round3(lag.as_secs_f64() * 1000.0));
        let mut collected = Collected::complete(SectionData::Runtime(RuntimeSection {
            event_loop_lag_ms,
            workers: to_u64(metrics.num_workers()),
            alive_tasks: to_u64(metrics.num_alive_tasks()),
            global_queue_depth: to_u64(metrics.global_queue_depth()),
        }));
        if event_loop_lag_ms.is_none() {
            collected.unmeasured.insert(
                "event_loop_lag_ms".to_owned(),
                "no probe sample: the runtime did not run the probe's task (shutting down)"
                    .to_owned(),
            );
        }
        Ok(collected)
    }
}

fn to_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

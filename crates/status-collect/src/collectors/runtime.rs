//! The `runtime` collector: the tokio runtime's stable metrics and an event-loop lag probe.
//!
//! The probe is a task that sleeps 100 ms in a loop and records how late it woke up; the collector
//! reports the worst overshoot since the previous collection. This needs no `tokio_unstable`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use status_model::{RuntimeSection, SectionData, SectionName};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::time::round3;

/// How often the lag probe wakes.
const PROBE_PERIOD: Duration = Duration::from_millis(100);

/// No sample since the last read.
const NO_SAMPLE: u64 = u64::MAX;

/// Collects the `runtime` section. Dropping it stops the lag probe.
pub struct RuntimeCollector {
    /// Worst lag since the last read, in microseconds; [`NO_SAMPLE`] when none.
    worst_lag_us: Arc<AtomicU64>,
    probe: JoinHandle<()>,
}

impl RuntimeCollector {
    /// Starts the lag probe on the current runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn start() -> RuntimeCollector {
        let worst_lag_us = Arc::new(AtomicU64::new(NO_SAMPLE));
        let probe = tokio::spawn(probe(worst_lag_us.clone()));
        RuntimeCollector { worst_lag_us, probe }
    }
}

impl Drop for RuntimeCollector {
    fn drop(&mut self) {
        self.probe.abort();
    }
}

async fn probe(worst_lag_us: Arc<AtomicU64>) {
    loop {
        let start = Instant::now();
        tokio::time::sleep(PROBE_PERIOD).await;
        let lag = start.elapsed().saturating_sub(PROBE_PERIOD);
        let lag_us = u64::try_from(lag.as_micros()).unwrap_or(NO_SAMPLE - 1);
        // Keep the worst since the last read; NO_SAMPLE (the largest value) is replaced by any sample.
        let _ = worst_lag_us.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |current| {
            (current == NO_SAMPLE || lag_us > current).then_some(lag_us)
        });
    }
}

#[async_trait]
impl Collector for RuntimeCollector {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let metrics = tokio::runtime::Handle::current().metrics();
        let worst = self.worst_lag_us.swap(NO_SAMPLE, Ordering::Relaxed);
        #[expect(clippy::cast_precision_loss, reason = "lag in microseconds is far below 2^52")]
        let event_loop_lag_ms = (worst != NO_SAMPLE).then(|| round3(worst as f64 / 1000.0));
        let mut collected = Collected::complete(SectionData::Runtime(RuntimeSection {
            event_loop_lag_ms,
            workers: to_u64(metrics.num_workers()),
            alive_tasks: to_u64(metrics.num_alive_tasks()),
            global_queue_depth: to_u64(metrics.global_queue_depth()),
        }));
        if event_loop_lag_ms.is_none() {
            collected.unmeasured.insert(
                "event_loop_lag_ms".to_owned(),
                format!(
                    "no probe sample yet: the probe wakes every {} ms",
                    PROBE_PERIOD.as_millis()
                ),
            );
        }
        Ok(collected)
    }
}

fn to_u64(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

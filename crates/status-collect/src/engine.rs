//! The engine: runs the configured collectors concurrently, each under a deadline, isolating
//! failures, and assembles the snapshot.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use status_model::{CollectionReport, Outcome, SectionData, SectionName, SectionReport, Snapshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::health::HealthEvaluator;
use crate::task::panic_message;
use crate::time::{millis, now_millis, round3};

/// Runs collectors and assembles snapshots. Cloning gives another handle to the same engine.
///
/// Each collector runs in its own task. One that errors, passes its deadline or panics yields that
/// outcome for its own section, and the snapshot is complete and on time all the same. A section that
/// fails after an earlier success keeps that last good value, with `stale_seconds` saying how old it
/// is. A collector abandoned at its deadline keeps running in the background (blocking work cannot be
/// cancelled) and is not started again until it finishes.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    slots: Vec<Slot>,
    deadline: Duration,
    interval: Option<Duration>,
    health: Option<Arc<HealthEvaluator>>,
    /// Held for a whole collection: the loop and on-demand collections take turns, so a collector is
    /// never reported busy merely because another caller collected at the same moment.
    turn: tokio::sync::Mutex<()>,
    sequence: AtomicU64,
    abandoned_total: AtomicU64,
}

struct Slot {
    collector: Arc<dyn Collector>,
    state: Arc<Mutex<SlotState>>,
}

#[derive(Default)]
struct SlotState {
    /// When the run still in progress started.
    running_since: Option<Instant>,
    /// The last good value and when it was collected.
    last_good: Option<(SectionData, Instant)>,
    /// Attempts that did not end `ok`.
    failures: u64,
}

/// How one collector's run ended, before stale values are applied.
struct Attempt {
    outcome: Outcome,
    duration: Duration,
    reason: Option<String>,
    collected: Option<Collected>,
}

/// How an [`Engine`] runs, besides its collectors.
#[derive(Clone, Default)]
pub struct EngineSettings {
    /// How long each collector may take.
    pub deadline: Duration,
    /// The loop's interval, recorded in each snapshot so readers can tell a stale one.
    pub interval: Option<Duration>,
    /// The health checks to evaluate over each snapshot.
    pub health: Option<Arc<HealthEvaluator>>,
}

impl Engine {
    /// An engine for these collectors, one section each, with a per-collector deadline and no
    /// health checks.
    #[cfg_attr(
        not(feature = "testing"),
        allow(dead_code, reason = "used by tests, through `testing`")
    )]
    pub fn new(collectors: Vec<Arc<dyn Collector>>, deadline: Duration) -> Engine {
        Engine::with_settings(collectors, EngineSettings { deadline, ..EngineSettings::default() })
    }

    /// An engine for these collectors with these settings.
    pub fn with_settings(collectors: Vec<Arc<dyn Collector>>, settings: EngineSettings) -> Engine {
        let slots = collectors
            .into_iter()
            .map(|collector| Slot { collector, state: Arc::default() })
            .collect();
        Engine {
            inner: Arc::new(Inner {
                slots,
                deadline: settings.deadline,
                interval: settings.interval,
                health: settings.health,
                turn: tokio::sync::Mutex::new(()),
                sequence: AtomicU64::new(0),
                abandoned_total: AtomicU64::new(0),
            }),
        }
    }

    /// The health evaluator, when checks are configured.
    pub fn health(&self) -> Option<&Arc<HealthEvaluator>> {
        self.inner.health.as_ref()
    }

    /// Hands `previous`, a snapshot an earlier run published, to every collector (see
    /// [`Collector::resume`]).
    pub(crate) fn resume(&self, previous: &serde_json::Value) {
        for slot in &self.inner.slots {
            slot.collector.resume(previous);
        }
    }

    /// The sections this engine fills, in collector order.
    pub fn sections(&self) -> Vec<SectionName> {
        self.inner.slots.iter().map(|slot| slot.collector.section()).collect()
    }

    /// Runs every collector once and assembles the snapshot. Never fails: failures are outcomes.
    /// Returns within the deadline plus scheduling time, after any collection already in progress.
    pub async fn collect(&self) -> Snapshot {
        let _turn = self.inner.turn.lock().await;
        let taken_at = now_millis();
        let started = Instant::now();
        let deadline_at = started + self.inner.deadline;
        let slots: Vec<&Slot> =
            self.inner.slots.iter().filter(|slot| slot.collector.configured()).collect();
        let runs: Vec<Run> = slots.iter().map(|slot| start(slot, started)).collect();
        let mut attempts = Vec::with_capacity(runs.len());
        for run in runs {
            attempts.push(self.finish(run, started, deadline_at).await);
        }

        let mut report = BTreeMap::new();
        let mut snapshot = Snapshot::new(CollectionReport {
            taken_at,
            duration_ms: 0.0,
            sequence: self.inner.sequence.fetch_add(1, Ordering::Relaxed) + 1,
            interval_seconds: self.inner.interval.map(|interval| interval.as_secs_f64()),
            abandoned_total: 0,
            left_out: Default::default(),
            sections: BTreeMap::new(),
        });
        let now = Instant::now();
        for (slot, attempt) in slots.into_iter().zip(attempts) {
            let name = slot.collector.section();
            let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
            if attempt.outcome != Outcome::Ok {
                state.failures += 1;
            }
            let mut section = SectionReport {
                outcome: attempt.outcome,
                duration_ms: millis(attempt.duration),
                reason: attempt.reason,
                stale_seconds: None,
                unmeasured: BTreeMap::new(),
                failures_total: state.failures,
            };
            match attempt.collected {
                Some(collected) => {
                    section.unmeasured = collected.unmeasured;
                    snapshot.put(collected.data.clone());
                    state.last_good = Some((collected.data, now));
                }
                None => match &state.last_good {
                    Some((data, at)) => {
                        section.stale_seconds = Some(round3(now.duration_since(*at).as_secs_f64()));
                        snapshot.put(data.clone());
                    }
                    None => snapshot.put_missing(name),
                },
            }
            report.insert(name.as_str().to_owned(), section);
        }
        snapshot.collection.sections = report;
        // Collectors abandoned here, and work the collectors gave up within their own sections.
        let within: u64 =
            self.inner.slots.iter().map(|slot| slot.collector.abandoned_total()).sum();
        snapshot.collection.abandoned_total =
            self.inner.abandoned_total.load(Ordering::Relaxed) + within;
        if let Some(health) = &self.inner.health {
            snapshot.health = Some(health.evaluate(&snapshot));
        }
        snapshot.collection.duration_ms = millis(started.elapsed());
        snapshot
    }

    async fn finish(&self, run: Run, started: Instant, deadline_at: Instant) -> Attempt {
        let handle = match run {
            Run::Busy(since) => {
                return Attempt {
                    outcome: Outcome::Timeout,
                    duration: Duration::ZERO,
                    reason: Some(format!(
                        "still running from an earlier cycle (started {:.1} s ago); not started twice",
                        started.duration_since(since).as_secs_f64()
                    )),
                    collected: None,
                };
            }
            Run::Started(handle) => handle,
        };
        match tokio::time::timeout_at(deadline_at, handle).await {
            Ok(Ok((Ok(collected), duration))) => {
                Attempt { outcome: Outcome::Ok, duration, reason: None, collected: Some(collected) }
            }
            Ok(Ok((Err(error), duration))) => {
                let outcome = match error {
                    CollectError::Unavailable(_) => Outcome::Unavailable,
                    CollectError::Failed(_) => Outcome::Error,
                };
                Attempt { outcome, duration, reason: Some(error.to_string()), collected: None }
            }
            Ok(Err(join_error)) => {
                let reason = match join_error.try_into_panic() {
                    Ok(payload) => format!("collector panicked: {}", panic_message(&*payload)),
                    Err(error) => format!("collector task failed: {error}"),
                };
                Attempt {
                    outcome: Outcome::Panicked,
                    duration: started.elapsed(),
                    reason: Some(reason),
                    collected: None,
                }
            }
            Err(_elapsed) => {
                self.inner.abandoned_total.fetch_add(1, Ordering::Relaxed);
                Attempt {
                    outcome: Outcome::Timeout,
                    duration: self.inner.deadline,
                    reason: Some(format!(
                        "no answer within the deadline of {}",
                        humantime::format_duration(self.inner.deadline)
                    )),
                    collected: None,
                }
            }
        }
    }
}

type RunResult = (Result<Collected, CollectError>, Duration);

enum Run {
    /// The previous run of this collector has not finished; it started then.
    Busy(Instant),
    Started(JoinHandle<RunResult>),
}

/// Starts one collector in its own task unless its previous run is still going.
fn start(slot: &Slot, now: Instant) -> Run {
    let mut state = slot.state.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(since) = state.running_since {
        return Run::Busy(since);
    }
    state.running_since = Some(now);
    drop(state);
    let guard = RunningGuard(slot.state.clone());
    let collector = slot.collector.clone();
    Run::Started(tokio::spawn(async move {
        // Dropped when the run ends, also by a panic, so the next cycle may start it again.
        let _guard = guard;
        let started = Instant::now();
        let result = collector.collect().await;
        (result, started.elapsed())
    }))
}

struct RunningGuard(Arc<Mutex<SlotState>>);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).running_since = None;
    }
}

#[cfg(test)]
mod tests;

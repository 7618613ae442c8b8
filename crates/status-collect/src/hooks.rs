//! On-change hooks (`[[hooks.on_change]]`): a command or an HTTP URL, told of every snapshot whose diff
//! is not empty.
//!
//! The event is `{"name", "taken_at", "changed": [{key, kind, old, new}, …], "status": <snapshot>}`:
//! POSTed as the body to a URL; on stdin for a command, whose environment also has `STATUS_CHANGED`,
//! the changed keys as a JSON list. Hooks are fire-and-forget on a pool of [`POOL`]: a hook that finds
//! the pool full is dropped and counted, and each runs under its own timeout. Nothing on the collection
//! path waits for a hook, so a hook can never hold up collection; a one-shot run waits for its hooks
//! ([`Hooks::idle`]) before its process exits. Logs name a hook by its position and kind only, never
//! by its command, URL or headers.

mod command;
mod http;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use status_model::{Change, Timestamp};
use tokio::sync::Semaphore;

use crate::change::{PipelineStats, SnapshotChange};
use crate::config::{HookConfig, HookTarget};

/// Hooks running at once, at most.
pub(crate) const POOL: usize = 4;

/// The configured hooks and the pool they run on.
#[derive(Debug)]
pub(crate) struct Hooks {
    hooks: Arc<[HookConfig]>,
    pool: Arc<Semaphore>,
    stats: Arc<PipelineStats>,
}

/// Why a hook did not succeed.
#[derive(Debug)]
enum Failure {
    /// It ran past its timeout and was stopped.
    TimedOut,
    /// It failed to start, exited non-zero, or its URL did not answer 2xx; the reason names no secret.
    Error(String),
}

/// The event every hook gets.
#[derive(Serialize)]
struct Event<'a> {
    name: &'a str,
    taken_at: Timestamp,
    changed: &'a [Change],
    status: &'a RawValue,
}

impl Hooks {
    pub(crate) fn new(hooks: Vec<HookConfig>, stats: Arc<PipelineStats>) -> Hooks {
        stats
            .hooks_configured
            .store(u64::try_from(hooks.len()).unwrap_or(u64::MAX), Ordering::Relaxed);
        Hooks { hooks: hooks.into(), pool: Arc::new(Semaphore::new(POOL)), stats }
    }

    /// Starts every hook for `event`, without waiting for any of them.
    pub(crate) fn fire(&self, name: &str, event: &SnapshotChange) {
        if self.hooks.is_empty() {
            return;
        }
        let (payload, changed_keys) = match encode(name, event) {
            Ok(encoded) => encoded,
            Err(error) => {
                tracing::error!(%error, "status hooks: the event could not be encoded; no hook run");
                return;
            }
        };
        for (index, hook) in self.hooks.iter().enumerate() {
            let (number, kind) = (index + 1, hook.target.kind());
            let Ok(permit) = self.pool.clone().try_acquire_owned() else {
                self.stats.count(&self.stats.hooks_dropped_total);
                tracing::warn!(
                    hook = number,
                    kind,
                    "status hook dropped: {POOL} hooks already running"
                );
                continue;
            };
            let (hooks, stats) = (self.hooks.clone(), self.stats.clone());
            let (payload, changed_keys) = (payload.clone(), changed_keys.clone());
            tokio::spawn(async move {
                let _permit = permit;
                let hook = &hooks[index];
                let run = async {
                    match &hook.target {
                        HookTarget::Command(argv) => {
                            command::run(argv, payload, &changed_keys, hook.timeout).await
                        }
                        HookTarget::Url { url, headers } => {
                            http::post(url, headers, payload).await.map_err(Failure::Error)
                        }
                    }
                };
                // The command helper's own timeout and this one end at the same instant; whichever
                // fires first, a hook stopped at its timeout is counted as timed out, never as failed.
                let result =
                    tokio::time::timeout(hook.timeout, run).await.unwrap_or(Err(Failure::TimedOut));
                match result {
                    Ok(output) => {
                        stats.count(&stats.hooks_succeeded_total);
                        tracing::info!(hook = number, kind, output, "status hook ran");
                    }
                    Err(Failure::Error(error)) => {
                        stats.count(&stats.hooks_failed_total);
                        tracing::warn!(hook = number, kind, error, "status hook failed");
                    }
                    Err(Failure::TimedOut) => {
                        stats.count(&stats.hooks_timed_out_total);
                        tracing::warn!(
                            hook = number,
                            kind,
                            timeout_ms = hook.timeout.as_millis(),
                            "status hook timed out and was stopped"
                        );
                    }
                }
            });
        }
    }
}

impl Hooks {
    /// Waits until no hook runs: each is stopped at its timeout, so this ends within the longest.
    pub(crate) async fn idle(&self) {
        let all = u32::try_from(POOL).unwrap_or(u32::MAX);
        let _ = self.pool.acquire_many(all).await;
    }
}

/// The event's JSON, and the changed keys as a JSON list.
fn encode(name: &str, event: &SnapshotChange) -> Result<(Bytes, Arc<str>), serde_json::Error> {
    let status: &RawValue = serde_json::from_slice(&event.published.json)?;
    let body = Event {
        name,
        taken_at: event.published.snapshot.collection.taken_at,
        changed: &event.changes,
        status,
    };
    let keys: Vec<&str> = event.changes.iter().map(|change| change.key.as_str()).collect();
    Ok((Bytes::from(serde_json::to_vec(&body)?), serde_json::to_string(&keys)?.into()))
}

/// At most this much of a hook's output goes to the log.
const OUTPUT_LOGGED: usize = 512;

/// A hook's output, cut to [`OUTPUT_LOGGED`] bytes, for the log.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(OUTPUT_LOGGED)]);
    let text = text.trim();
    // A hook's output goes to the log: a credentialed URL or a `token=` in it is scrubbed as in
    // every other output.
    let text = status_model::redact::scrub_secrets(text).unwrap_or_else(|| text.to_owned());
    if bytes.len() > OUTPUT_LOGGED { format!("{text}…") } else { text }
}

#[cfg(test)]
mod tests;

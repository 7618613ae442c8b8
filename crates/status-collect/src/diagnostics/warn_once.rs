//! [`WarnOnce`]: logs a noisy condition once per key per interval and counts the repeats.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// How many distinct keys are remembered; repeats of further keys share one overflow key, so a
/// flood of distinct keys cannot grow memory.
const MAX_KEYS: usize = 1024;

/// The key that keys past [`MAX_KEYS`] are counted under.
const OVERFLOW_KEY: &str = "(other keys)";

/// Logs a condition once per key per interval (through `tracing::warn!`) and counts the repeats it
/// held back, which the next logged line reports as `suppressed`.
///
/// Used for conditions that may repeat thousands of times a second (a malformed heartbeat line,
/// a rejected metric registration): the first occurrence is logged in full, the rest cost one
/// locked map lookup.
#[derive(Debug)]
pub struct WarnOnce {
    interval: Duration,
    keys: Mutex<HashMap<String, Entry>>,
    suppressed_total: AtomicU64,
}

#[derive(Debug)]
struct Entry {
    logged_at: Instant,
    suppressed: u64,
}

impl WarnOnce {
    /// Logs each key at most once per `interval`.
    pub fn new(interval: Duration) -> WarnOnce {
        WarnOnce { interval, keys: Mutex::default(), suppressed_total: AtomicU64::new(0) }
    }

    /// Whether to log `key` now. `Some(n)`: log it, `n` repeats were held back since the last time;
    /// `None`: held back (and counted).
    pub fn should_log(&self, key: &str) -> Option<u64> {
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let key =
            if keys.len() >= MAX_KEYS && !keys.contains_key(key) { OVERFLOW_KEY } else { key };
        match keys.get_mut(key) {
            Some(entry) if now.duration_since(entry.logged_at) < self.interval => {
                entry.suppressed += 1;
                self.suppressed_total.fetch_add(1, Ordering::Relaxed);
                None
            }
            Some(entry) => {
                entry.logged_at = now;
                Some(std::mem::take(&mut entry.suppressed))
            }
            None => {
                keys.insert(key.to_owned(), Entry { logged_at: now, suppressed: 0 });
                Some(0)
            }
        }
    }

    /// Logs `message` at `warn` under `key`, unless `key` was logged less than an interval ago.
    pub fn warn(&self, key: &str, message: impl std::fmt::Display) {
        if let Some(suppressed) = self.should_log(key) {
            tracing::warn!(key, suppressed, "{message}");
        }
    }

    /// Repeats held back so far, over all keys.
    pub fn suppressed_total(&self) -> u64 {
        self.suppressed_total.load(Ordering::Relaxed)
    }
}

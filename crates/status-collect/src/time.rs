//! Time helpers: the wall clock to the millisecond, durations in milliseconds, rounding. A leaf:
//! imports nothing of this crate.

use std::time::Duration;

use jiff::Timestamp;

/// The wall-clock time now, to the millisecond.
pub(crate) fn now_millis() -> Timestamp {
    let now = Timestamp::now();
    now.round(jiff::Unit::Millisecond).unwrap_or(now)
}

/// A duration in milliseconds, to the microsecond.
pub(crate) fn millis(duration: Duration) -> f64 {
    round3(duration.as_secs_f64() * 1000.0)
}

/// A value rounded to three decimals.
pub(crate) fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

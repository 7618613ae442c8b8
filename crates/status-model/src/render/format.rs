//! Human forms of the snapshot's numbers: sizes, durations, ages, times, and a JSON value formatted
//! by the unit its field name carries (`_bytes`, `_seconds`, `_ms`, `_pct`, `_at`).

use jiff::Timestamp;
use serde_json::Value;

/// What an unmeasured value reads as.
pub(crate) const NA: &str = "n/a";

/// A duration as its two or three largest units: `45s`, `3m 12s`, `2h 5m`, `2d 3h 4m`.
pub fn duration(seconds: f64) -> String {
    let whole = whole_seconds(seconds);
    let (days, hours, minutes, secs) =
        (whole / 86_400, whole % 86_400 / 3_600, whole % 3_600 / 60, whole % 60);
    match whole {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{minutes}m {secs}s"),
        3_600..86_400 => format!("{hours}h {minutes}m"),
        _ => format!("{days}d {hours}h {minutes}m"),
    }
}

/// How long ago `then` was, seen from `now`, in its largest unit: `12s ago`, `5m ago`, `3h ago`,
/// `2d ago`; a time after `now` reads `in 5m`.
pub(crate) fn ago(then: Timestamp, now: Timestamp) -> String {
    let seconds = now.duration_since(then).as_secs_f64();
    let span = coarse(seconds.abs());
    if seconds < 0.0 { format!("in {span}") } else { format!("{span} ago") }
}

/// A duration in its largest unit only: `12s`, `5m`, `3h`, `2d`.
pub(crate) fn coarse(seconds: f64) -> String {
    let whole = whole_seconds(seconds);
    match whole {
        0..60 => format!("{whole}s"),
        60..3_600 => format!("{}m", whole / 60),
        3_600..86_400 => format!("{}h", whole / 3_600),
        _ => format!("{}d", whole / 86_400),
    }
}

/// A time to the second in UTC with its age: `2025-06-01 12:00:00Z (5m ago)`; without the age
/// when it is under a second.
pub(crate) fn time(at: Timestamp, now: Timestamp) -> String {
    if now.duration_since(at).as_secs_f64().abs() < 1.0 {
        return stamp(at);
    }
    format!("{} ({})", stamp(at), ago(at, now))
}

/// A time to the second in UTC: `2025-06-01 12:00:00Z`.
pub(crate) fn stamp(at: Timestamp) -> String {
    format!("{at:.0}").replacen('T', " ", 1)
}

/// A size in binary units with at most one decimal: `512 B`, `1.5 KiB`, `23.4 GiB`.
pub fn bytes(bytes: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", round(value, 1), UNITS[unit])
}

/// Milliseconds: `12.3 ms` below a second, `2.5s` up to a minute, then as a [`duration`].
pub(crate) fn millis(ms: f64) -> String {
    if ms < 1_000.0 {
        format!("{} ms", round(ms, 1))
    } else if ms < 60_000.0 {
        format!("{}s", round(ms / 1_000.0, 1))
    } else {
        duration(ms / 1_000.0)
    }
}

/// A percentage with at most two decimals: `12.5%`, `0.01%`.
pub(crate) fn pct(value: f64) -> String {
    format!("{}%", round(value, 2))
}

/// A number with at most two decimals and no trailing zeros: `3`, `0.5`, `1.25`.
pub(crate) fn number(value: f64) -> String {
    round(value, 2)
}

/// A JSON value of the field `key`, formatted by the unit its name carries. Objects and arrays of
/// objects read as their entry count; the callers that can show more do so themselves.
pub fn value(key: &str, value: &Value, now: Timestamp) -> String {
    match value {
        Value::Null => NA.to_owned(),
        Value::Bool(flag) => if *flag { "yes" } else { "no" }.to_owned(),
        Value::Number(n) => match n.as_f64() {
            Some(x) => with_unit(key, x),
            None => n.to_string(),
        },
        Value::String(text) => string(key, text, now),
        Value::Array(items) if items.is_empty() => "none".to_owned(),
        Value::Array(items) if items.iter().all(is_scalar) => {
            items.iter().map(|item| self::value(key, item, now)).collect::<Vec<_>>().join(", ")
        }
        Value::Array(items) => format!("{} entries", items.len()),
        Value::Object(map) if map.is_empty() => "none".to_owned(),
        Value::Object(map) => format!("{} entries", map.len()),
    }
}

/// Whether a JSON value is a single value rather than an object or array.
pub(crate) fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn with_unit(key: &str, x: f64) -> String {
    if key.ends_with("_bytes") {
        bytes(x)
    } else if key.ends_with("_seconds") || key.ends_with("_s") {
        duration(x)
    } else if key.ends_with("_ms") {
        millis(x)
    } else if key.ends_with("_pct") {
        pct(x)
    } else {
        number(x)
    }
}

fn string(key: &str, text: &str, now: Timestamp) -> String {
    let is_sha = key == "sha" || key.ends_with("_sha");
    if is_sha && text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return text[..10].to_owned();
    }
    // RFC 3339 times are the only strings with a `-` at 4 and a `T` at 10.
    let looks_like_time =
        text.len() >= 20 && text.as_bytes()[4] == b'-' && text.as_bytes()[10] == b'T';
    match text.parse::<Timestamp>() {
        Ok(at) if looks_like_time => time(at, now),
        _ => text.to_owned(),
    }
}

fn whole_seconds(seconds: f64) -> u64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to 0..=u64::MAX first; fractions of a second are dropped on purpose"
    )]
    let whole = seconds.clamp(0.0, u64::MAX as f64).floor() as u64;
    whole
}

fn round(value: f64, decimals: i32) -> String {
    let factor = 10f64.powi(decimals);
    let rounded = (value * factor).round() / factor;
    // `-0` would print as such.
    let rounded = if rounded == 0.0 { 0.0 } else { rounded };
    format!("{rounded}")
}

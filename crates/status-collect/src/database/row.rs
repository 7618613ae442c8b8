//! Reading values from rows the host wrote: ids and statuses that may be text or numbers, times in
//! several forms, and free text cut to a short summary.

use jiff::Timestamp;
use jiff::tz::Offset;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

/// The longest summary of free text (an error payload, a task's result), in characters.
pub(crate) const SUMMARY_CHARS: usize = 200;

/// Column `index` as text: TEXT as is, numbers printed; `None` for NULL.
pub(crate) fn text(row: &SqliteRow, index: usize) -> Option<String> {
    if let Ok(value) = row.try_get::<Option<String>, _>(index) {
        return value;
    }
    if let Ok(value) = row.try_get::<Option<i64>, _>(index) {
        return value.map(|value| value.to_string());
    }
    if let Ok(value) = row.try_get::<Option<f64>, _>(index) {
        return value.map(|value| value.to_string());
    }
    row.try_get::<Option<Vec<u8>>, _>(index)
        .ok()
        .flatten()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Column `index` as a number; `None` for NULL or text that is not one.
pub(crate) fn number(row: &SqliteRow, index: usize) -> Option<f64> {
    if let Ok(value) = row.try_get::<Option<f64>, _>(index) {
        return value;
    }
    text(row, index).and_then(|text| text.trim().parse().ok())
}

/// Column `index` as a count (`COUNT(*)` is never negative or NULL).
pub(crate) fn count(row: &SqliteRow, index: usize) -> u64 {
    row.try_get::<i64, _>(index).ok().and_then(|count| u64::try_from(count).ok()).unwrap_or(0)
}

/// Column `index` as a time: `Ok(None)` for NULL, `Err` for a value that is no time.
pub(crate) fn time(row: &SqliteRow, index: usize) -> Result<Option<Timestamp>, String> {
    text(row, index).map(|text| parse_time(&text)).transpose()
}

/// Parses RFC 3339, SQLite's `YYYY-MM-DD HH:MM:SS` (UTC) or integer Unix seconds (milliseconds
/// above 10^11, which in seconds would be past the year 5000).
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(number) = text.parse::<i64>() {
        let parsed = match number.unsigned_abs() > 100_000_000_000 {
            true => Timestamp::from_millisecond(number),
            false => Timestamp::from_second(number),
        };
        return parsed.map_err(|error| format!("unreadable time {text:?}: {error}"));
    }
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp);
    }
    match text.parse::<jiff::civil::DateTime>() {
        Ok(civil) => Offset::UTC
            .to_timestamp(civil)
            .map_err(|error| format!("unreadable time {text:?}: {error}")),
        Err(_) => Err(format!("unreadable time {}", summary_of(text, 40))),
    }
}

/// Free text on one line (runs of whitespace become one space), cut to [`SUMMARY_CHARS`]
/// characters with `…` marking the cut.
pub(crate) fn summary(text: &str) -> Option<String> {
    let summary = summary_of(text, SUMMARY_CHARS);
    (!summary.is_empty()).then_some(summary)
}

fn summary_of(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        for c in (!out.is_empty()).then_some(' ').into_iter().chain(word.chars()) {
            if chars == limit {
                out.pop();
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

/// Seconds from `then` to `now`, to the millisecond.
pub(crate) fn seconds_since(then: Timestamp, now: Timestamp) -> f64 {
    crate::time::round3(now.duration_since(then).as_secs_f64())
}

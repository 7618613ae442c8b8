//! One key's series, read from `history_values` in one statement.
//!
//! A series can be 100,000 points. A row per point through sqlx costs more than the query, so the
//! query hands back one row of two comma-joined lists: the times, and the values' JSON texts (which,
//! joined by commas inside brackets, are a JSON array as they stand). The rows come newest first from
//! a descending walk of the primary key, which the `LIMIT` needs anyway; sorting inside the aggregate
//! (`… ORDER BY snapshot_id` in the aggregate's arguments) cost more than all the rest of the read.
//!
//! SQLite does not promise that an aggregate sees a subquery's rows in the subquery's order (it does
//! in practice: the subquery is a co-routine feeding the aggregate). Snapshots are taken in order, so
//! times that do not fall from one row to the next mean the order was lost, or the clock went back;
//! either way the series is read again with the snapshot ids, and sorted by them here.

use serde_json::Value;
use sqlx::sqlite::SqlitePool;
use status_model::Timestamp;

use super::{SeriesPoint, StoreError};

/// Reads the newest `limit` points of `key` taken at or after `since_ms`, oldest first.
pub(super) async fn read(
    pool: &SqlitePool,
    key: &str,
    since_ms: i64,
    limit: u32,
) -> Result<Vec<SeriesPoint>, StoreError> {
    let failed = |source| StoreError::Query { what: "read a series", source };
    let decode_failed = |error: String| failed(sqlx::Error::Decode(error.into()));
    let (times, values): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT group_concat(taken_at_ms), '[' || group_concat(value) || ']' FROM \
         (SELECT taken_at_ms, value FROM history_values \
          WHERE key_id = (SELECT id FROM history_keys WHERE key = ?1) AND taken_at_ms >= ?2 \
          ORDER BY snapshot_id DESC LIMIT ?3)",
    )
    .bind(key)
    .bind(since_ms)
    .bind(limit)
    .fetch_one(pool)
    .await
    .map_err(failed)?;
    let (Some(times), Some(values)) = (times, values) else {
        return Ok(Vec::new());
    };
    let times = integers(&times).map_err(decode_failed)?;
    if times.is_sorted_by(|newer, older| newer >= older) {
        let values: Vec<Value> = serde_json::from_str(&values)
            .map_err(|error| decode_failed(format!("a stored value: {error}")))?;
        return points(times.into_iter().zip(values).rev()).map_err(decode_failed);
    }
    read_sorted(pool, key, since_ms, limit).await
}

/// The same series with the snapshot ids beside the times, sorted here by id: for a store whose
/// times do not tell the order (the clock was set back between two snapshots).
async fn read_sorted(
    pool: &SqlitePool,
    key: &str,
    since_ms: i64,
    limit: u32,
) -> Result<Vec<SeriesPoint>, StoreError> {
    let failed = |source| StoreError::Query { what: "read a series", source };
    let decode_failed = |error: String| failed(sqlx::Error::Decode(error.into()));
    let (ids, times, values): (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT group_concat(snapshot_id), group_concat(taken_at_ms), \
                '[' || group_concat(value) || ']' FROM \
         (SELECT snapshot_id, taken_at_ms, value FROM history_values \
          WHERE key_id = (SELECT id FROM history_keys WHERE key = ?1) AND taken_at_ms >= ?2 \
          ORDER BY snapshot_id DESC LIMIT ?3)",
    )
    .bind(key)
    .bind(since_ms)
    .bind(limit)
    .fetch_one(pool)
    .await
    .map_err(failed)?;
    let (Some(ids), Some(times), Some(values)) = (ids, times, values) else {
        return Ok(Vec::new());
    };
    let ids = integers(&ids).map_err(decode_failed)?;
    let times = integers(&times).map_err(decode_failed)?;
    let values: Vec<Value> = serde_json::from_str(&values)
        .map_err(|error| decode_failed(format!("a stored value: {error}")))?;
    if ids.len() != times.len() || ids.len() != values.len() {
        return Err(decode_failed(format!(
            "{} snapshot ids, {} times and {} values do not match",
            ids.len(),
            times.len(),
            values.len()
        )));
    }
    let mut rows: Vec<(i64, (i64, Value))> =
        ids.into_iter().zip(times.into_iter().zip(values)).collect();
    rows.sort_unstable_by_key(|(id, _)| *id);
    points(rows.into_iter().map(|(_, row)| row)).map_err(decode_failed)
}

fn points(rows: impl IntoIterator<Item = (i64, Value)>) -> Result<Vec<SeriesPoint>, String> {
    rows.into_iter()
        .map(|(taken_at_ms, value)| {
            let taken_at = Timestamp::from_millisecond(taken_at_ms)
                .map_err(|error| format!("a stored time {taken_at_ms}: {error}"))?;
            Ok(SeriesPoint { taken_at, value })
        })
        .collect()
}

/// `1,-2,3` as integers; by hand, because this runs for every point and `str::split` with
/// `str::parse` cost as much as decoding the JSON values.
fn integers(list: &str) -> Result<Vec<i64>, String> {
    let mut out = Vec::with_capacity(list.len() / 14 + 1);
    let (mut number, mut digits, mut negative) = (0_i64, 0_usize, false);
    for &byte in list.as_bytes().iter().chain(std::iter::once(&b',')) {
        match byte {
            // Up to 18 digits cannot overflow an i64; longer numbers go the slow way below.
            b'0'..=b'9' if digits < 18 => {
                number = number * 10 + i64::from(byte - b'0');
                digits += 1;
            }
            b'-' if digits == 0 && !negative => negative = true,
            b',' if digits > 0 => {
                out.push(if negative { -number } else { number });
                (number, digits, negative) = (0, 0, false);
            }
            _ => return slow_integers(list),
        }
    }
    Ok(out)
}

/// [`integers`] for lists with numbers of 19 digits, or anything else unexpected.
fn slow_integers(list: &str) -> Result<Vec<i64>, String> {
    list.split(',')
        .map(|item| {
            item.parse().map_err(|error| {
                let item: String = item.chars().take(40).collect();
                format!("a stored list holds {item:?}, not an integer: {error}")
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::integers;

    #[test]
    fn integer_lists_parse_as_i64() {
        assert_eq!(integers("1,-2,30").unwrap(), [1, -2, 30]);
        assert_eq!(integers("1767225600000").unwrap(), [1_767_225_600_000]);
        assert_eq!(integers(&format!("{},{}", i64::MAX, i64::MIN)).unwrap(), [i64::MAX, i64::MIN]);
        for bad in ["", "1,,2", "1,", "-", "1.5", "x", "99999999999999999999"] {
            assert!(integers(bad).is_err(), "{bad:?}");
        }
    }
}

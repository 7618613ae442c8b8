//! One key's series, read from the changes of its paths and carried forward over the snapshots.
//!
//! A series can be 100,000 points. A row per point through sqlx costs more than the query, so each
//! query hands back one row of comma-joined lists: the snapshots' ids and times, and the changes'
//! snapshot ids and JSON texts (which, joined by commas inside brackets, are a JSON array as they
//! stand). A leaf that went away reads as `[null]`, which no leaf can be (a list with items is never
//! a leaf). SQLite does not promise that an aggregate sees a subquery's rows in the subquery's order
//! (it does in practice); lists that do not come out in order are sorted here.
//!
//! A key that is one leaf takes that path. A key over a list (`health.checks`) is put back together
//! from its items' leaves at each snapshot, which costs more; a series is mostly asked of a scalar.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use status_model::Timestamp;

use super::layout::{self, Segment};
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
    let mut tx = pool.begin().await.map_err(failed)?;
    let paths: Vec<(i64, String, bool)> =
        sqlx::query_as("SELECT id, path, exact FROM history_paths WHERE key = ?1 ORDER BY id")
            .bind(key)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed)?;
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let snapshots = snapshots(&mut tx, since_ms, limit).await?;
    let (Some(&(first, _)), Some(&(last, _))) = (snapshots.first(), snapshots.last()) else {
        return Ok(Vec::new());
    };
    if let [(path_id, _, true)] = paths.as_slice() {
        let changes = changes(&mut tx, *path_id, first, last).await?;
        let mut changes = changes.into_iter().peekable();
        let mut value: Option<Value> = None;
        let mut points = Vec::with_capacity(snapshots.len());
        for (id, taken_at_ms) in snapshots {
            while let Some((_, change)) = changes.next_if(|(at, _)| *at <= id) {
                value = change;
            }
            if let Some(value) = &value {
                points.push((taken_at_ms, value.clone()));
            }
        }
        return self::points(points).map_err(decode_failed);
    }
    // A key over a list: its leaves relative to the key, put together at each snapshot.
    let mut relative: BTreeMap<i64, Vec<Segment>> = BTreeMap::new();
    let mut merged = Vec::new();
    for (path_id, path, _) in &paths {
        let path = layout::parse_path(path).map_err(decode_failed)?;
        let list = path.iter().position(|step| matches!(step, Segment::Index(_)));
        relative.insert(*path_id, list.map_or_else(Vec::new, |at| path[at..].to_vec()));
        merged.extend(
            changes(&mut tx, *path_id, first, last)
                .await?
                .into_iter()
                .map(|(at, v)| (at, *path_id, v)),
        );
    }
    merged.sort_by_key(|(at, path_id, _)| (*at, *path_id));
    let mut merged = merged.into_iter().peekable();
    let mut state: BTreeMap<i64, Value> = BTreeMap::new();
    let mut points = Vec::with_capacity(snapshots.len());
    let mut current: Option<Value> = None;
    for (id, taken_at_ms) in snapshots {
        let mut moved = false;
        while let Some((_, path_id, change)) = merged.next_if(|(at, _, _)| *at <= id) {
            moved = true;
            match change {
                Some(value) => state.insert(path_id, value),
                None => state.remove(&path_id),
            };
        }
        if moved {
            current = match state.is_empty() {
                true => None,
                false => Some(
                    layout::assemble(
                        state.iter().map(|(path_id, value)| (relative[path_id].as_slice(), value)),
                    )
                    .map_err(decode_failed)?,
                ),
            };
        }
        if let Some(value) = &current {
            points.push((taken_at_ms, value.clone()));
        }
    }
    self::points(points).map_err(decode_failed)
}

/// The newest `limit` snapshots taken at or after `since_ms`, as (id, time), oldest first. The walk
/// is down the ids (`+taken_at_ms` keeps SQLite off the time index, which would read every row in
/// the range and sort them to find the newest).
async fn snapshots(
    conn: &mut SqliteConnection,
    since_ms: i64,
    limit: u32,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let failed = |source| StoreError::Query { what: "read a series", source };
    let decode = |error: String| failed(sqlx::Error::Decode(error.into()));
    // Nearly always the ids run without a gap and the times rise: then the ids are not read.
    let (first, last, count, times): (Option<i64>, Option<i64>, i64, Option<String>) =
        sqlx::query_as(
            "SELECT min(id), max(id), count(*), group_concat(taken_at_ms) FROM \
             (SELECT id, taken_at_ms FROM history_snapshots WHERE +taken_at_ms >= ?1 \
              ORDER BY id DESC LIMIT ?2)",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_one(&mut *conn)
        .await
        .map_err(failed)?;
    let (Some(first), Some(last), Some(times)) = (first, last, times) else {
        return Ok(Vec::new());
    };
    let mut times = integers(&times).map_err(decode)?;
    times.reverse();
    let contiguous = last - first + 1 == count && usize::try_from(count) == Ok(times.len());
    if contiguous && times.is_sorted() {
        return Ok((first..=last).zip(times).collect());
    }
    let (ids, times): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT group_concat(id), group_concat(taken_at_ms) FROM \
         (SELECT id, taken_at_ms FROM history_snapshots WHERE +taken_at_ms >= ?1 \
          ORDER BY id DESC LIMIT ?2)",
    )
    .bind(since_ms)
    .bind(limit)
    .fetch_one(&mut *conn)
    .await
    .map_err(failed)?;
    let (Some(ids), Some(times)) = (ids, times) else { return Ok(Vec::new()) };
    let (ids, times) = (integers(&ids).map_err(decode)?, integers(&times).map_err(decode)?);
    if ids.len() != times.len() {
        return Err(decode(format!("{} snapshot ids and {} times", ids.len(), times.len())));
    }
    let mut rows: Vec<(i64, i64)> = ids.into_iter().zip(times).collect();
    if !rows.is_sorted_by(|a, b| a.0 <= b.0) {
        rows.sort_unstable();
    }
    Ok(rows)
}

/// The changes of one path that make its values in snapshots `first` to `last`: from its last change
/// at or before `first`, in snapshot order; `None` where the leaf went away.
async fn changes(
    conn: &mut SqliteConnection,
    path_id: i64,
    first: i64,
    last: i64,
) -> Result<Vec<(i64, Option<Value>)>, StoreError> {
    let failed = |source| StoreError::Query { what: "read a series", source };
    let decode = |error: String| failed(sqlx::Error::Decode(error.into()));
    let (ids, values): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT group_concat(snapshot_id), '[' || group_concat(coalesce(value, '[null]')) || ']' \
         FROM (SELECT snapshot_id, value FROM history_changes WHERE key_id = ?1 \
               AND snapshot_id >= coalesce((SELECT max(snapshot_id) FROM history_changes \
                                            WHERE key_id = ?1 AND snapshot_id <= ?2), ?2) \
               AND snapshot_id <= ?3 ORDER BY snapshot_id)",
    )
    .bind(path_id)
    .bind(first)
    .bind(last)
    .fetch_one(&mut *conn)
    .await
    .map_err(failed)?;
    let (Some(ids), Some(values)) = (ids, values) else { return Ok(Vec::new()) };
    let ids = integers(&ids).map_err(decode)?;
    let values: Vec<Value> = serde_json::from_str(&values)
        .map_err(|error| decode(format!("a stored value: {error}")))?;
    if ids.len() != values.len() {
        return Err(decode(format!("{} change ids and {} values", ids.len(), values.len())));
    }
    let gone = |value: &Value| matches!(value, Value::Array(items) if items.len() == 1 && items[0].is_null());
    let mut rows: Vec<(i64, Option<Value>)> = ids
        .into_iter()
        .zip(values)
        .map(|(id, value)| (id, (!gone(&value)).then_some(value)))
        .collect();
    if !rows.is_sorted_by(|a, b| a.0 <= b.0) {
        rows.sort_by_key(|row| row.0);
    }
    Ok(rows)
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

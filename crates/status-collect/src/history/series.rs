//! One key's series, read from the changes of its paths and carried forward over the snapshots.
//!
//! A series can be 100,000 points. A row per point through sqlx costs more than the query, so each
//! query hands back one row: a range of ids and the comma-joined list of what the rows hold (the
//! snapshots' times; the changes' JSON texts, which joined by commas inside brackets are a JSON
//! array as they stand). Nearly always the ids run without a gap (every snapshot in a range; a
//! gauge that changed in each), and then they are not listed at all: turning 100,000 integers to
//! text in SQLite and back here was a fifth of a series' time. A leaf that went away reads as
//! `[null]`, which no leaf can be (a list with items is never a leaf). SQLite does not promise that
//! an aggregate sees a range's rows in the order of its key (it does in practice); listed ids that
//! do not come out in order are sorted here.
//!
//! A key that is one leaf takes that path, and moves each value into its point (cloning only a value
//! that carries over to the next snapshot). A key over a list (`health.checks`) is put back together
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
    let Some(snapshots) = snapshots(&mut tx, since_ms, limit).await? else {
        return Ok(Vec::new());
    };
    let (first, last) = (snapshots.ids.get(0), snapshots.ids.get(snapshots.len() - 1));
    let time = |index: usize| {
        let at = snapshots.items[index];
        Timestamp::from_millisecond(at)
            .map_err(|error| decode(format!("a stored time {at}: {error}")))
    };
    if let [(path_id, _, true)] = paths.as_slice() {
        let Some(mut changes) = changes(&mut tx, *path_id, first, last).await? else {
            return Ok(Vec::new());
        };
        let mut points = Vec::with_capacity(snapshots.len());
        // `current`: the change in force; `next`: the first not yet applied.
        let (mut current, mut next) = (None, 0);
        for index in 0..snapshots.len() {
            let id = snapshots.ids.get(index);
            while next < changes.len() && changes.ids.get(next) <= id {
                current = Some(next);
                next += 1;
            }
            let Some(change) = current else { continue };
            if gone(&changes.items[change]) {
                continue;
            }
            // The change's last snapshot takes its value; those before take a copy.
            let last_use = index + 1 == snapshots.len()
                || (next < changes.len() && changes.ids.get(next) <= snapshots.ids.get(index + 1));
            let value = match last_use {
                true => std::mem::take(&mut changes.items[change]),
                false => changes.items[change].clone(),
            };
            points.push(SeriesPoint { taken_at: time(index)?, value });
        }
        return Ok(points);
    }
    // A key over a list: its leaves relative to the key, put together at each snapshot.
    let mut relative: BTreeMap<i64, Vec<Segment>> = BTreeMap::new();
    let mut merged = Vec::new();
    for (path_id, path, _) in &paths {
        let path = layout::parse_path(path).map_err(decode)?;
        let list = path.iter().position(|step| matches!(step, Segment::Index(_)));
        relative.insert(*path_id, list.map_or_else(Vec::new, |at| path[at..].to_vec()));
        if let Some(changes) = changes(&mut tx, *path_id, first, last).await? {
            let ids = (0..changes.len()).map(|index| changes.ids.get(index));
            merged.extend(ids.zip(changes.items).map(|(at, value)| (at, *path_id, value)));
        }
    }
    merged.sort_by_key(|(at, path_id, _)| (*at, *path_id));
    let mut merged = merged.into_iter().peekable();
    let mut state: BTreeMap<i64, Value> = BTreeMap::new();
    let mut points = Vec::with_capacity(snapshots.len());
    let mut current: Option<Value> = None;
    for index in 0..snapshots.len() {
        let id = snapshots.ids.get(index);
        let mut moved = false;
        while let Some((_, path_id, change)) = merged.next_if(|(at, _, _)| *at <= id) {
            moved = true;
            match gone(&change) {
                false => state.insert(path_id, change),
                true => state.remove(&path_id),
            };
        }
        if moved {
            current = match state.is_empty() {
                true => None,
                false => Some(
                    layout::assemble(
                        state.iter().map(|(path_id, value)| (relative[path_id].as_slice(), value)),
                    )
                    .map_err(decode)?,
                ),
            };
        }
        if let Some(value) = &current {
            points.push(SeriesPoint { taken_at: time(index)?, value: value.clone() });
        }
    }
    Ok(points)
}

fn failed(source: sqlx::Error) -> StoreError {
    StoreError::Query { what: "read a series", source }
}

fn decode(error: String) -> StoreError {
    failed(sqlx::Error::Decode(error.into()))
}

/// Whether a change's value says the leaf went away (`[null]`).
fn gone(value: &Value) -> bool {
    matches!(value, Value::Array(items) if items.len() == 1 && items[0].is_null())
}

/// The ids of rows read in one query: `first`, `first + 1`, … unless they are listed.
#[derive(Debug)]
enum Ids {
    Consecutive(i64),
    Listed(Vec<i64>),
}

impl Ids {
    fn get(&self, index: usize) -> i64 {
        match self {
            // `index` is below a count that SQLite gave as an i64.
            Ids::Consecutive(first) => first + i64::try_from(index).unwrap_or(i64::MAX),
            Ids::Listed(ids) => ids[index],
        }
    }
}

/// Rows read in one query: their ids, and what each holds (in id order).
#[derive(Debug)]
struct Rows<T> {
    ids: Ids,
    items: Vec<T>,
}

impl<T> Rows<T> {
    fn len(&self) -> usize {
        self.items.len()
    }
}

/// Reads the rows `from` holds (`id` names their id column, `item` lists what they hold; `binds`
/// are the parameters; `descending` when `from` walks the ids down) as `min(id), max(id), count(*)`
/// and the list `item` makes of them (parsed by `parse`), and hands them back in id order. Only
/// when the ids have gaps are they read again, listed beside the items; listed ids that come out of
/// order are sorted with their items. `None` when there are no rows.
async fn read_rows<T>(
    conn: &mut SqliteConnection,
    id: &'static str,
    from: &'static str,
    item: &'static str,
    binds: &[i64],
    descending: bool,
    parse: impl Fn(&str) -> Result<Vec<T>, String>,
) -> Result<Option<Rows<T>>, StoreError> {
    // `id`, `from` and `item` are this module's constants: no input reaches the text.
    let sql = format!("SELECT min({id}), max({id}), count(*), {item} FROM {from}");
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for bind in binds {
        query = query.bind(bind);
    }
    let (first, last, count, list): (Option<i64>, Option<i64>, i64, Option<String>) =
        query.fetch_one(&mut *conn).await.map_err(failed)?;
    let (Some(first), Some(last), Some(list)) = (first, last, list) else { return Ok(None) };
    if last - first + 1 == count {
        let mut items = parse(&list).map_err(decode)?;
        if usize::try_from(count) != Ok(items.len()) {
            return Err(decode(format!("{count} rows and {} items", items.len())));
        }
        if descending {
            items.reverse();
        }
        return Ok(Some(Rows { ids: Ids::Consecutive(first), items }));
    }
    let sql = format!("SELECT group_concat({id}), {item} FROM {from}");
    let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    for bind in binds {
        query = query.bind(bind);
    }
    let (ids, list): (Option<String>, Option<String>) =
        query.fetch_one(&mut *conn).await.map_err(failed)?;
    let (Some(ids), Some(list)) = (ids, list) else { return Ok(None) };
    let (mut ids, mut items) = (integers(&ids).map_err(decode)?, parse(&list).map_err(decode)?);
    if ids.len() != items.len() {
        return Err(decode(format!("{} ids and {} items", ids.len(), items.len())));
    }
    if descending && ids.is_sorted_by(|a, b| a >= b) {
        ids.reverse();
        items.reverse();
    }
    if ids.is_sorted() {
        return Ok(Some(Rows { ids: Ids::Listed(ids), items }));
    }
    let mut pairs: Vec<(i64, T)> = ids.into_iter().zip(items).collect();
    pairs.sort_by_key(|pair| pair.0);
    let (ids, items) = pairs.into_iter().unzip();
    Ok(Some(Rows { ids: Ids::Listed(ids), items }))
}

/// The newest `limit` snapshots taken at or after `since_ms`, as their ids and times, oldest first.
///
/// Nearly always they are the range of the newest `limit` ids (no gap, none before `since_ms`), or
/// the whole table: then they are read as that range of the primary key, in its order. Otherwise
/// the walk is down the ids (`+taken_at_ms` keeps SQLite off the time index, which would read every
/// row in the range and sort them to find the newest); the subquery that limits it costs as much
/// again as the range.
async fn snapshots(
    conn: &mut SqliteConnection,
    since_ms: i64,
    limit: u32,
) -> Result<Option<Rows<i64>>, StoreError> {
    let (low, high): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT (SELECT min(id) FROM history_snapshots), (SELECT max(id) FROM history_snapshots)",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(failed)?;
    let (Some(low), Some(high)) = (low, high) else { return Ok(None) };
    let start = high.saturating_sub(i64::from(limit)).saturating_add(1);
    let item = "group_concat(taken_at_ms)";
    let range = "history_snapshots WHERE id >= ?1 AND +taken_at_ms >= ?2";
    let rows = read_rows(conn, "id", range, item, &[start, since_ms], false, integers).await?;
    let whole_table = start <= low;
    match rows {
        Some(rows) if whole_table || rows.len() == usize::try_from(limit).unwrap_or(usize::MAX) => {
            return Ok(Some(rows));
        }
        None if whole_table => return Ok(None),
        _ => {}
    }
    let walk = "(SELECT id, taken_at_ms FROM history_snapshots WHERE +taken_at_ms >= ?1 \
                ORDER BY id DESC LIMIT ?2)";
    let binds = [since_ms, i64::from(limit)];
    read_rows(conn, "id", walk, item, &binds, true, integers).await
}

/// The changes of one path that make its values in snapshots `first` to `last`: from its last change
/// at or before `first`, in snapshot order; `[null]` where the leaf went away.
async fn changes(
    conn: &mut SqliteConnection,
    path_id: i64,
    first: i64,
    last: i64,
) -> Result<Option<Rows<Value>>, StoreError> {
    // A range of the primary key, read in its order: no subquery to sort or limit (which cost as
    // much again).
    let from = "history_changes WHERE key_id = ?1 \
                AND snapshot_id >= coalesce((SELECT max(snapshot_id) FROM history_changes \
                                             WHERE key_id = ?1 AND snapshot_id <= ?2), ?2) \
                AND snapshot_id <= ?3";
    let values = |list: &str| {
        serde_json::from_str::<Vec<Value>>(list).map_err(|error| format!("a stored value: {error}"))
    };
    let item = "'[' || group_concat(coalesce(value, '[null]')) || ']'";
    read_rows(conn, "snapshot_id", from, item, &[path_id, first, last], false, values).await
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

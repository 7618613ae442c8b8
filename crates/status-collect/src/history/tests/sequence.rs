//! A realistic sequence of snapshots: the model's full snapshot (every section filled, a health
//! report), taken every 30 s, in which every measured gauge moves every time (at its own
//! precision), counts of bytes and processes every other time (sizes, limits and totals stay), the
//! collection's and the checks' times advance, the pipeline's counters count, a state flips now and
//! then and a check comes and goes. Stored and read back, it must equal what was served, and cost at
//! most an eighth of its JSON.

use serde_json::Value;
use status_model::kinds::{FieldKind, kind_of};

use super::*;

/// The model's full snapshot (the redaction bench's).
fn full() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../status-model/benches/full_snapshot.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `step`th snapshot of the sequence.
fn step(base: &Value, step: u64) -> Value {
    let mut value = base.clone();
    let mut leaf = 0_u64;
    vary(&mut value, &mut String::new(), step, &mut leaf);
    let checks = value.pointer_mut("/health/checks").and_then(Value::as_array_mut).unwrap();
    // A check goes away for a while now and then.
    if step % 150 >= 100 {
        checks.pop();
    }
    value
}

fn vary(value: &mut Value, key: &mut String, step: u64, leaf: &mut u64) {
    match value {
        Value::Object(object) if !object.is_empty() => {
            for (name, child) in object.iter_mut() {
                let len = key.len();
                if len > 0 {
                    key.push('.');
                }
                key.push_str(name);
                vary(child, key, step, leaf);
                key.truncate(len);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for child in items {
                vary(child, key, step, leaf);
            }
        }
        _ => {
            *leaf += 1;
            let turn = step + *leaf;
            let last = key.rsplit('.').next().unwrap_or_default();
            match (kind_of(key), &*value) {
                (FieldKind::Gauge, Value::Number(number)) if number.is_f64() => {
                    let text = number.to_string();
                    let decimals = text.split_once('.').map_or(1, |(_, d)| d.len()).clamp(1, 3);
                    let scale = 10_f64.powi(i32::try_from(decimals).unwrap());
                    let wobble = (turn % 7) as f64 - 3.0;
                    let moved = number.as_f64().unwrap() * (1.0 + wobble / 100.0);
                    *value = Value::from((moved * scale).round() / scale);
                }
                (FieldKind::Gauge, Value::Number(number))
                    if !["total", "max", "virtual", "pid"]
                        .iter()
                        .any(|stays| last.contains(stays)) =>
                {
                    *value = Value::from(number.as_u64().unwrap_or(0) + turn % 2);
                }
                (FieldKind::Counter, Value::Number(number))
                    if last == "sequence" || key.starts_with("pipeline") =>
                {
                    *value = Value::from(number.as_u64().unwrap_or(0) + step);
                }
                (FieldKind::Time, Value::String(_)) if matches!(last, "taken_at" | "time") => {
                    let at = Timestamp::from_second(1_772_366_400 + 30 * step as i64).unwrap();
                    *value = Value::String(at.to_string());
                }
                (FieldKind::State, Value::Bool(flag)) if turn.is_multiple_of(400) => {
                    *value = Value::Bool(!flag);
                }
                _ => {}
            }
        }
    }
}

async fn put_value(
    pool: &SqlitePool,
    newest: &mut Option<compact::Newest>,
    value: &Value,
    id: u64,
) {
    let row = compact::Row {
        id: None,
        taken_at_ms: T0 + 30_000 * i64::try_from(id).unwrap(),
        sequence: i64::try_from(id).unwrap(),
        value,
        events: &[],
    };
    compact::insert(pool, newest, &row, 1_000_000, i64::MIN).await.unwrap();
}

#[tokio::test]
async fn snapshots_read_back_as_served_at_an_eighth_of_their_json() {
    stored_and_read_back(250).await;
}

/// The acceptance run, by hand (about a minute in a debug build):
/// `cargo test -p status-collect --lib a_thousand_snapshots -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a minute in a debug build; run by hand"]
async fn a_thousand_snapshots_read_back_as_served_at_an_eighth_of_their_json() {
    stored_and_read_back(1000).await;
}

#[expect(clippy::print_stderr, reason = "the figures the acceptance run reports")]
async fn stored_and_read_back(count: u64) {
    let (dir, pool) = store().await;
    let base = full();
    let mut newest = None;
    let mut served = Vec::new();
    let mut json_bytes = 0;
    let file_size = || std::fs::metadata(dir.path().join("state").join(STORE_FILE)).unwrap().len();
    let mut first_file = 0;
    for id in 1..=count {
        let value = step(&base, id);
        let json = value.to_string();
        json_bytes += json.len();
        put_value(&pool, &mut newest, &value, id).await;
        // What a client of the served JSON reads (serde_json parses a float to within an ulp).
        served.push(serde_json::from_str(&json).unwrap());
        if id == 1 {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.unwrap();
            first_file = file_size();
        }
    }
    let history = History::from_pool(pool.clone());
    let read = history.snapshot_values(None, 1000).await.unwrap();
    same(&read, &served);
    let last = served.len() - 1;
    assert_eq!(read[last].to_string(), served[last].to_string(), "keys in the served order");

    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await.unwrap();
    let file = file_size();
    let (changes, rows): (i64, i64) =
        sqlx::query_as("SELECT count(*), coalesce(sum(length(value)), 0) FROM history_changes")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (per_snapshot, json) = (file / count, json_bytes as u64 / count);
    let per = |total: i64| total / i64::try_from(count).unwrap();
    eprintln!(
        "{count} snapshots of {json} B of JSON: status.db {file} B, {per_snapshot} B per snapshot \
         (1/{:.1}); {} changes of {} B of values per snapshot",
        json as f64 / per_snapshot as f64,
        per(changes),
        per(rows)
    );
    // The first snapshot (every leaf) and the schema weigh less the longer the history: the file
    // per snapshot is asserted over 1,000 snapshots; what each one after the first adds, always.
    let added = (file - first_file) / (count - 1);
    eprintln!("each snapshot after the first adds {added} B");
    assert!(added * 8 <= json, "{added} B per snapshot of {json} B of JSON");
    if count >= 1000 {
        assert!(per_snapshot * 8 <= json, "{per_snapshot} B per snapshot of {json} B of JSON");
    }

    // Retention down to 100 keeps the newest 100, each still whole.
    put_value(&pool, &mut newest, &step(&base, count + 1), count + 1).await;
    served.push(serde_json::from_str(&step(&base, count + 1).to_string()).unwrap());
    let row = compact::Row {
        id: None,
        taken_at_ms: T0 + 30_000 * i64::try_from(count + 2).unwrap(),
        sequence: i64::try_from(count + 2).unwrap(),
        value: &served[0],
        events: &[],
    };
    compact::insert(&pool, &mut newest, &row, 100, i64::MIN).await.unwrap();
    served.push(served[0].clone());
    let read = history.snapshot_values(None, 1000).await.unwrap();
    same(&read, &served[served.len() - 100..]);
    // A key's series equals the key in every snapshot kept.
    for key in ["host.load.1", "health.checks", "collection.taken_at"] {
        let series = history.series(key, None, 1000).await.unwrap();
        let expected: Vec<Value> = served[served.len() - 100..]
            .iter()
            .map(|value| value.pointer(&format!("/{}", key.replace('.', "/"))).unwrap().clone())
            .collect();
        let values: Vec<Value> = series.into_iter().map(|point| point.value).collect();
        assert_eq!(values, expected, "{key}");
    }
}

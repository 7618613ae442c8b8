//! `--key` series read back: the order of the snapshots across a clock set back, and values
//! carried over snapshots and over a gap in the ids that retention left.

use super::*;

#[tokio::test]
async fn a_series_across_a_clock_set_back_keeps_the_order_of_the_snapshots() {
    let (_dir, pool) = store().await;
    // The third snapshot was taken after the clock went back a minute.
    for (sequence, taken_at_ms) in [(1, T0), (2, T0 + 1000), (3, T0 - 60_000), (4, T0 - 59_000)] {
        put(&pool, sequence, taken_at_ms, 100, i64::MIN).await;
    }
    let history = History::from_pool(pool);
    let series = history.series("runtime.alive_tasks", None, 100).await.unwrap();
    assert_eq!(values(&series), [json!(10), json!(20), json!(30), json!(40)]);
    let times: Vec<i64> = series.iter().map(|point| point.taken_at.as_millisecond()).collect();
    assert_eq!(times, [T0, T0 + 1000, T0 - 60_000, T0 - 59_000]);
    let last_three = history.series("runtime.alive_tasks", None, 3).await.unwrap();
    assert_eq!(values(&last_three), [json!(20), json!(30), json!(40)]);
}

/// A value that holds over several snapshots reads as itself at each, across a gap in the ids
/// (listed, not consecutive), and the newest points of a limit start with the value carried in.
#[tokio::test]
async fn a_series_carries_values_over_snapshots_and_a_gap() {
    let (_dir, pool) = store().await;
    let hour = 3_600_000;
    // Snapshot 3 is timed an hour early: age retention at snapshot 6 deletes it, leaving a gap,
    // and its change moves to snapshot 4.
    for (sequence, taken_at_ms, alive) in [
        (1, T0 + hour, 10),
        (2, T0 + hour + 1000, 10),
        (3, T0, 20),
        (4, T0 + hour + 3000, 20),
        (5, T0 + hour + 4000, 20),
        (6, T0 + hour + 5000, 30),
    ] {
        let (published, value) = published(sequence, taken_at_ms, alive);
        let cutoff = if sequence == 6 { T0 + 1 } else { i64::MIN };
        insert(&pool, &published, &value, 100, cutoff).await.unwrap();
    }
    assert_eq!(rows(&pool, "snapshots").await, 5);
    let history = History::from_pool(pool);
    let series = history.series("runtime.alive_tasks", None, 100).await.unwrap();
    assert_eq!(values(&series), [json!(10), json!(10), json!(20), json!(20), json!(30)]);
    let times: Vec<i64> = series.iter().map(|point| point.taken_at.as_millisecond() - T0).collect();
    assert_eq!(times, [hour, hour + 1000, hour + 3000, hour + 4000, hour + 5000]);
    let last_three = history.series("runtime.alive_tasks", None, 3).await.unwrap();
    assert_eq!(values(&last_three), [json!(20), json!(20), json!(30)]);
    // The newest four ids hold the gap: the walk down the ids finds the fourth.
    let last_four = history.series("runtime.alive_tasks", None, 4).await.unwrap();
    assert_eq!(values(&last_four), [json!(10), json!(20), json!(20), json!(30)]);
    let since = Timestamp::from_millisecond(T0 + hour + 3000).ok();
    let recent = history.series("runtime.alive_tasks", since, 4).await.unwrap();
    assert_eq!(values(&recent), [json!(20), json!(20), json!(30)]);
    let recent = history.series("runtime.alive_tasks", since, 2).await.unwrap();
    assert_eq!(values(&recent), [json!(20), json!(30)]);
    let workers = history.series("runtime.workers", None, 100).await.unwrap();
    assert_eq!(values(&workers), vec![json!(2); 5]);
}

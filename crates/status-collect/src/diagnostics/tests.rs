//! The registries at their boundaries: what is published, refused, bounded, stale.

mod traces;

use std::time::Duration;

use status_model::MetricKind;

use super::*;
use crate::config::WorkersConfig;

fn series_values(registry: &MetricsRegistry, name: &str) -> Vec<Option<f64>> {
    let (section, _) = registry.read().unwrap();
    section.metrics[name].series.iter().map(|series| series.value).collect()
}

#[test]
fn an_empty_registry_publishes_nothing() {
    let registry = MetricsRegistry::default();
    assert!(registry.is_empty());
    assert!(registry.read().is_none());
}

#[test]
fn each_kind_reads_back_what_was_done_to_it() {
    let registry = MetricsRegistry::default();
    let hits = registry.counter("pool_acquisitions", "Acquisitions.", None, &[("result", "hit")]);
    let misses =
        registry.counter("pool_acquisitions", "Acquisitions.", None, &[("result", "miss")]);
    let depth = registry.gauge("queue_depth", "Waiting jobs.", None, &[]);
    let mark = registry.high_water("queue_depth_max", "Deepest queue.", None, &[]);
    let wait = registry.histogram("wait", "Wait.", Some("seconds"), &[0.5, 0.25, 1.0, 0.5], &[]);
    let rate = registry.ratio("pool_hit", "Hit rate.", &[&hits], &[&hits, &misses]);
    assert_eq!(rate.get(), None);
    assert_eq!(series_values(&registry, "pool_hit"), [None], "no denominator: null, not 0");

    hits.add(3);
    misses.inc();
    depth.add(5);
    depth.dec();
    mark.observe(7);
    mark.observe(2);
    for value in [0.125, 0.25, 0.75, 2.0, f64::NAN] {
        wait.observe(value);
    }
    // The same name and labels again is the same series.
    registry.counter("pool_acquisitions", "Acquisitions.", None, &[("result", "hit")]).inc();

    let (section, refused) = registry.read().unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let acquisitions = &section.metrics["pool_acquisitions"];
    assert_eq!(acquisitions.kind, MetricKind::Counter);
    let by_label: Vec<(String, Option<f64>)> = acquisitions
        .series
        .iter()
        .map(|series| (series.labels["result"].clone(), series.value))
        .collect();
    assert_eq!(by_label, [("hit".to_owned(), Some(4.0)), ("miss".to_owned(), Some(1.0))]);
    assert_eq!(series_values(&registry, "queue_depth"), [Some(4.0)]);
    assert_eq!(series_values(&registry, "queue_depth_max"), [Some(7.0)]);
    assert_eq!(series_values(&registry, "pool_hit"), [Some(0.8)]);
    let histogram = section.metrics["wait"].series[0].histogram.clone().unwrap();
    let buckets: Vec<(f64, u64)> = histogram.buckets.iter().map(|b| (b.le, b.count)).collect();
    assert_eq!(buckets, [(0.25, 2), (0.5, 2), (1.0, 3)], "sorted, deduplicated, cumulative");
    assert_eq!((histogram.count, histogram.sum), (4, 3.125), "NaN is not counted");
    assert_eq!(section.metrics["wait"].unit.as_deref(), Some("seconds"));
}

#[test]
fn refused_registrations_are_reported_and_still_work() {
    let registry = MetricsRegistry::default();
    registry.counter("jobs", "Jobs.", None, &[("queue", "a")]).inc();
    let cases: Vec<(&str, Counter)> = vec![
        ("status_mine", registry.counter("status_mine", "Reserved.", None, &[])),
        ("bad name", registry.counter("bad name", "Spaces.", None, &[])),
        ("jobs_total", registry.counter("jobs_total", "Suffix.", None, &[])),
        ("jobs", registry.counter("jobs", "Other labels.", None, &[("pool", "b")])),
        ("unit", registry.counter("unit", "Unit.", Some("Seconds"), &[])),
    ];
    let as_gauge = registry.gauge("jobs", "Other kind.", None, &[("queue", "a")]);
    as_gauge.set(9);
    for (_, counter) in &cases {
        counter.inc();
        assert_eq!(counter.get(), 1, "a refused handle still counts");
    }
    let (section, refused) = registry.read().unwrap();
    assert_eq!(section.metrics.keys().collect::<Vec<_>>(), ["jobs"]);
    assert_eq!(series_values(&registry, "jobs"), [Some(1.0)]);
    let reasons: Vec<(&str, &str)> =
        refused.iter().map(|(name, reason)| (name.as_str(), reason.as_str())).collect();
    assert_eq!(
        reasons,
        [
            ("bad name", "name \"bad name\" is not [a-zA-Z_][a-zA-Z0-9_]*"),
            ("jobs", "already registered as a counter, not a gauge"),
            ("jobs_total", "name \"jobs_total\" ends in `_total`, which /metrics adds itself"),
            ("status_mine", "the prefix `status_` is reserved for the status library"),
            ("unit", "unit \"Seconds\" is not lowercase letters and `_`"),
        ]
    );
}

#[test]
fn series_are_bounded() {
    let registry = MetricsRegistry::default();
    for i in 0..MAX_SERIES + 10 {
        registry.counter("requests", "Per id.", None, &[("id", &i.to_string())]).inc();
    }
    let (section, refused) = registry.read().unwrap();
    assert_eq!(section.metrics["requests"].series.len(), MAX_SERIES);
    assert!(refused["requests"].contains("4096 series"), "{refused:?}");
}

#[tokio::test(start_paused = true)]
async fn warn_once_logs_a_key_once_per_interval_and_counts_the_rest() {
    let warn = WarnOnce::new(Duration::from_secs(60));
    assert_eq!(warn.should_log("a"), Some(0));
    assert_eq!(warn.should_log("a"), None);
    assert_eq!(warn.should_log("a"), None);
    assert_eq!(warn.should_log("b"), Some(0), "keys are separate");
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(warn.should_log("a"), None);
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(warn.should_log("a"), Some(3), "the next line says how many were held back");
    assert_eq!(warn.should_log("a"), None);
    assert_eq!(warn.suppressed_total(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_quiet_worker_turns_stale_and_fresh_again() {
    let config = WorkersConfig {
        heartbeat_interval: Duration::from_secs(10),
        stale_after_intervals: 3,
        ..WorkersConfig::default()
    };
    let heartbeats = Heartbeats::new(&config);
    assert!(heartbeats.is_empty());
    let beat =
        Heartbeat { rss_bytes: Some(1024), cpu_pct: Some(f64::INFINITY), ..Heartbeat::default() };
    heartbeats.beat("a", beat.clone());
    heartbeats.beat("b", beat);
    let stale = |heartbeats: &Heartbeats| -> Vec<(String, bool)> {
        heartbeats.read().workers.into_iter().map(|(id, w)| (id, w.stale)).collect()
    };
    tokio::time::advance(Duration::from_secs(30)).await;
    heartbeats.beat("b", Heartbeat::default());
    assert_eq!(stale(&heartbeats), [("a".into(), false), ("b".into(), false)], "30 s is the bound");
    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(stale(&heartbeats), [("a".into(), true), ("b".into(), false)]);
    let section = heartbeats.read();
    assert_eq!(section.workers["a"].age_seconds, 30.001);
    assert_eq!((section.workers["a"].rss_bytes, section.workers["a"].cpu_pct), (Some(1024), None));
    heartbeats.beat("a", Heartbeat::default());
    assert_eq!(stale(&heartbeats), [("a".into(), false), ("b".into(), false)], "fresh again");
    assert!(heartbeats.remove("a"));
    assert!(!heartbeats.remove("a"));
}

#[test]
fn custom_heartbeat_fields_are_bounded() {
    let heartbeats = Heartbeats::new(&WorkersConfig::default());
    let mut custom: std::collections::BTreeMap<String, serde_json::Value> =
        (0..40).map(|i| (format!("k{i:02}"), serde_json::json!(i))).collect();
    custom.insert("a_long".into(), serde_json::json!("x".repeat(500)));
    custom.insert("a_list".into(), serde_json::json!([1, 2]));
    heartbeats.beat("w", Heartbeat { custom, ..Heartbeat::default() });
    let kept = heartbeats.read().workers["w"].custom.clone();
    assert_eq!(kept.len(), 32);
    assert!(!kept.contains_key("a_list"), "lists are dropped");
    assert_eq!(kept["a_long"].as_str().unwrap().chars().count(), 200);
}

#[test]
fn workers_beyond_the_bound_are_refused() {
    let heartbeats = Heartbeats::new(&WorkersConfig::default());
    for i in 0..MAX_WORKERS + 5 {
        heartbeats.beat(i.to_string(), Heartbeat::default());
    }
    assert_eq!(heartbeats.read().workers.len(), MAX_WORKERS);
}

//! The host's metrics in both exposition formats.

use serde_json::json;

use super::render;
use crate::metrics::Format;

fn section() -> serde_json::Value {
    let series = |labels: serde_json::Value, value: serde_json::Value| json!({"labels": labels, "value": value, "histogram": null});
    json!({
        "jobs": {"kind": "counter", "help": "Jobs \\ done.", "unit": null,
                 "series": [series(json!({"queue": "a\"b"}), json!(3.0))]},
        "hit": {"kind": "ratio", "help": "Hit rate.", "unit": null,
                "series": [series(json!({}), json!(null))]},
        "rss_bytes": {"kind": "high_water", "help": "Peak.", "unit": "bytes",
                      "series": [series(json!({}), json!(10.0))]},
        "wait": {"kind": "histogram", "help": "Wait.", "unit": "seconds", "series": [{
            "labels": {}, "value": null,
            "histogram": {"buckets": [{"le": 0.5, "count": 1}], "sum": 2.5, "count": 2}}]},
    })
}

#[test]
fn prometheus_text() {
    let mut out = String::new();
    render(&mut out, Some(&section()), Format::Prometheus);
    assert_eq!(
        out,
        "# HELP hit_ratio Hit rate.\n\
         # TYPE hit_ratio gauge\n\
         # HELP jobs_total Jobs \\\\ done.\n\
         # TYPE jobs_total counter\n\
         jobs_total{queue=\"a\\\"b\"} 3\n\
         # HELP rss_bytes Peak.\n\
         # TYPE rss_bytes gauge\n\
         rss_bytes 10\n\
         # HELP wait_seconds Wait.\n\
         # TYPE wait_seconds histogram\n\
         wait_seconds_bucket{le=\"0.5\"} 1\n\
         wait_seconds_bucket{le=\"+Inf\"} 2\n\
         wait_seconds_sum 2.5\n\
         wait_seconds_count 2\n"
    );
}

#[test]
fn openmetrics_names_the_counter_family_without_total() {
    let mut out = String::new();
    render(&mut out, Some(&section()), Format::OpenMetrics);
    assert!(out.contains("# TYPE jobs counter\njobs_total{"), "{out}");
    let mut nothing = String::new();
    render(&mut nothing, None, Format::Prometheus);
    assert_eq!(nothing, "");
}

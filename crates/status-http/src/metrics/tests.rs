//! `/metrics` naming: standard process metrics, counters, labels for keys and enums, HELP from the
//! field reference, `# UNIT`, and `promtool check metrics` (its lint on) over the result.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use status_collect::Published;
use status_model::{CollectionReport, Snapshot, Timestamp};

use super::{Format, docs, render};

fn published() -> Published {
    let collection = CollectionReport {
        taken_at: Timestamp::now(),
        duration_ms: 1.5,
        sequence: 7,
        interval_seconds: Some(30.0),
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    };
    let value = json!({
        "schema_version": 1,
        "service": {"name": "agent-host", "version": "1.2.3", "status": "ok", "uptime_seconds": 12.0},
        "process": {
            "pid": 4242, "started_at": "2026-12-07T01:00:00.5Z", "cpu_pct": 12.5,
            "cpu_seconds_total": 3.25, "rss_bytes": 1000, "virtual_bytes": 5000, "threads": 3,
            "open_fds": 9, "max_fds": 1024,
            "supervisor": {"kind": "systemd", "restart_count": null},
            "cgroup": {"version": 2, "memory": {"limit_bytes": 268435456, "usage_bytes": 1000,
                "reclaimable_bytes": 0, "headroom_bytes": 268434456, "peak_bytes": null,
                "oom_kills_total": 0, "oom_kills_new": 0, "swap_limit_bytes": null},
                "cpu": null, "pids": null, "pressure": null}
        },
        "host": {"pressure": {"cpu": {"some": {"avg10_pct": 12.5, "avg60_pct": 1.0, "avg300_pct": 0.0,
            "stalled_seconds_total": 99.5}, "full": null}, "memory": null, "io": null},
            "disks": {"/srv/data": {"total_bytes": 100, "available_bytes": 50}}},
        "storage": {"databases": {"ops": {"path": "/x/ops.db", "file_bytes": 4096, "wal_bytes": 0, "total_bytes": 4096}}},
        "broker": {"last_10_results": {"error": 2, "done": 8}, "in_flight_count": 0},
        "pipeline": {"snapshots_total": 7, "changed_total": 2},
    });
    Published {
        snapshot: Arc::new(Snapshot::new(collection.clone())),
        value: value.into(),
        json: bytes::Bytes::new(),
        sections: BTreeMap::new(),
        terse: bytes::Bytes::new(),
        collection,
        health: None,
        scrubber: status_model::redact::Scrubber::default(),
    }
}

fn lines(format: Format) -> String {
    render(&published(), None, 0.5, format)
}

#[test]
fn standard_process_metrics_and_build_info() {
    let text = lines(Format::Prometheus);
    for line in [
        "# TYPE process_cpu_seconds_total counter",
        "process_cpu_seconds_total 3.25",
        "process_resident_memory_bytes 1000",
        "process_virtual_memory_bytes 5000",
        "process_open_fds 9",
        "process_max_fds 1024",
        "process_start_time_seconds 1796605200.5",
        "status_build_info{version=\"0.1.0\",service=\"agent-host\",service_version=\"1.2.3\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(!text.contains("pid"), "the pid is not a metric:\n{text}");
    assert!(!text.contains("status_process_cpu_ratio"), "{text}");
}

#[test]
fn counters_keep_total_and_keys_and_enums_are_labels() {
    let text = lines(Format::Prometheus);
    for line in [
        "# TYPE status_pipeline_snapshots_total counter",
        "status_pipeline_snapshots_total 7",
        "status_storage_databases_file_bytes{database=\"ops\"} 4096",
        "status_broker_last_10_results{status=\"error\"} 2",
        "status_process_supervisor_kind{kind=\"systemd\"} 1",
        "status_process_supervisor_kind{kind=\"pm2\"} 0",
        "status_service_status{status=\"ok\"} 1",
        "status_host_pressure_cpu_some_avg10_ratio 0.125",
        "# TYPE status_host_pressure_cpu_some_stalled_seconds_total counter",
        "status_process_cgroup_memory_limit_bytes 268435456",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    for name in ["ops", "error", "srv"] {
        assert!(
            !text.lines().filter(|l| !l.starts_with('#')).any(|l| l
                .split('{')
                .next()
                .unwrap()
                .contains(name)),
            "{name} inside a metric name:\n{text}"
        );
    }
    // Every *_total family is a counter.
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let mut parts = line.split(' ').skip(2);
        let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
        assert_eq!(name.ends_with("_total"), kind == "counter", "{line}");
    }
}

#[test]
fn help_comes_from_the_field_reference() {
    let text = lines(Format::Prometheus);
    assert!(
        text.contains(
            "# HELP status_storage_databases_file_bytes Size of the main file, in bytes.\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("# HELP status_host_pressure_cpu_some_avg10_ratio Percent of the last 10 seconds stalled. Exported as a ratio (1 = 100 %).\n"),
        "{text}"
    );
    assert!(!text.contains("in base units"), "{text}");
    let docs = docs::docs();
    assert!(docs.is_map("storage.databases") && docs.is_map("broker.last_10_results"));
    assert!(docs.field("pipeline.snapshots_total").unwrap().counter);
    assert_eq!(docs.field("service.status").unwrap().variants, ["ok", "shutting_down", "gone"]);
}

#[test]
fn openmetrics_units_info_and_counters() {
    let text = lines(Format::OpenMetrics);
    for block in [
        "# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\nprocess_cpu_seconds_total 3.25\n",
        "# TYPE process_resident_memory_bytes gauge\n# UNIT process_resident_memory_bytes bytes\n",
        "# TYPE status_build info\nstatus_build_info{",
        "# UNIT status_host_pressure_cpu_some_avg10_ratio ratio\n",
    ] {
        assert!(text.contains(block), "missing {block:?} in\n{text}");
    }
    assert!(text.ends_with("# EOF\n"));
}

/// `promtool check metrics` over both outputs' Prometheus form: no lint finding.
#[test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn promtool_lint_is_clean() {
    use std::io::Write;
    #[expect(clippy::disallowed_methods, reason = "the test runs Prometheus' own linter")]
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipped: promtool cannot be run ({error}); install Debian's `prometheus`");
            return;
        }
        Err(error) => panic!("promtool is required when CI=true: {error}"),
    };
    child.stdin.take().unwrap().write_all(lines(Format::Prometheus).as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success() && report.trim().is_empty(), "promtool:\n{report}");
}

//! `status-cli snapshot --format json|pretty|text|terse`: each format from the real binary, and the
//! terse projection's size against the whole snapshot on the example configuration.

use super::example::example;
use super::{check_failure, json, run};

fn stdout(args: &[&str]) -> String {
    let output = run(args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn text_views_plain_and_markdown() {
    let overview = stdout(&["snapshot", "--format", "text"]);
    assert!(overview.starts_with("status-cli up "), "{overview}");
    assert!(overview.contains("\nHealth: "), "{overview}");
    assert!(overview.contains("\nSnapshot: #1 · "), "{overview}");
    assert!(overview.chars().count() <= 4_000);

    let resources = stdout(&["snapshot", "--format", "text", "--view", "resources", "--markdown"]);
    assert!(resources.starts_with("**status-cli** resources"), "{resources}");
    assert!(resources.contains("\n**Memory**: "), "{resources}");
    // Without a `[target]` the process would be the command's own: left out, and said so.
    assert!(resources.contains("\n**Process**: n/a (left out: "), "{resources}");

    assert!(resources.contains("\n**Snapshots**: 1 since start"), "{resources}");

    // Telegram's MarkdownV2: `*bold*`, and `.`, `(`, `)`, `-` escaped where CommonMark leaves them.
    let telegram =
        stdout(&["snapshot", "--format", "text", "--view", "resources", "--markdown", "telegram"]);
    assert!(telegram.starts_with("*status\\-cli* resources"), "{telegram}");
    assert!(telegram.contains("\n*Memory*: "), "{telegram}");
    assert!(telegram.contains("n/a \\(left out: "), "{telegram}");
    assert!(!telegram.contains("**"), "{telegram}");
    let host = stdout(&["snapshot", "--format", "text", "--section", "host"]);
    assert!(host.starts_with("host ok in "), "{host}");
    let health = stdout(&["snapshot", "--format", "text", "--view", "health"]);
    assert!(health.starts_with("Health: "), "{health}");
}

#[test]
fn json_pretty_and_the_pretty_alias() {
    let compact = stdout(&["snapshot", "--format", "json"]);
    assert_eq!(compact.lines().count(), 1);
    for args in [&["snapshot", "--format", "pretty"][..], &["snapshot", "--pretty"]] {
        let pretty = stdout(args);
        assert!(pretty.contains("\n  \"collection\": {"), "{args:?}: {pretty}");
    }
    let host = json(&run(&["snapshot", "--format", "pretty", "--section", "host"]));
    assert!(host["memory"]["total_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn terse_has_every_documented_key() {
    let output = run(&["snapshot", "--format", "terse"]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1, "one line");
    let terse = json(&output);
    let documented = status_model::terse::keys();
    for (key, value) in terse.as_object().unwrap() {
        let per_name = key.starts_with("processes.count.");
        assert!(documented.contains(key) || per_name, "{key} is not documented");
        let flat = match value {
            serde_json::Value::Array(items) => {
                items.iter().all(|i| !i.is_array() && !i.is_object())
            }
            serde_json::Value::Object(_) => false,
            _ => true,
        };
        assert!(flat, "{key} is not a scalar or a list of scalars: {value}");
    }
    assert_eq!(terse["outcome.host"], "ok");
    assert!(terse.get("broker.in_flight_count").is_none(), "not configured");
    // At least 5 times smaller than the whole snapshot on the default config.
    let whole = run(&["snapshot", "--format", "json"]);
    let (whole, small) = (whole.stdout.len(), output.stdout.len());
    assert!(whole >= 5 * small, "terse {small} bytes against {whole}");
    assert!(terse["host.memory.available_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn view_implies_the_text_format() {
    let output = run(&["snapshot", "--view", "health"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.trim_start().starts_with('{'), "{text}");
    let explicit = run(&["snapshot", "--format", "text", "--view", "health"]);
    let explicit = String::from_utf8_lossy(&explicit.stdout);
    // The same view: the same check names, in the same order (their figures move between runs).
    let names = |text: &str| -> Vec<String> {
        text.lines().filter_map(|line| line.split_whitespace().next().map(str::to_owned)).collect()
    };
    assert_eq!(names(&text).len(), names(&explicit).len(), "{text}\n---\n{explicit}");
}

#[test]
fn options_that_do_not_apply_are_refused() {
    check_failure(&["snapshot", "--format", "json", "--view", "health"], &["--view applies"]);
    check_failure(&["snapshot", "--format", "terse", "--markdown"], &["--markdown applies"]);
    check_failure(
        &["snapshot", "--format", "terse", "--section", "host"],
        &["--section does not apply"],
    );
    let output = run(&["snapshot", "--format", "text", "--view", "nope"]);
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown view `nope`"));
}

/// The terse projection against the whole snapshot, both as `snapshot` prints them, on the example
/// configuration with every database section (40 finished and 3 running operations).
#[test]
fn terse_is_at_least_five_times_smaller_on_the_example() {
    status_testkit::require_tools!("sqlite3");
    let example = example(40, 3);
    let config = example.config();
    let config = config.to_str().unwrap();
    let whole = stdout(&["snapshot", "--config", config, "--format", "json"]);
    let terse = stdout(&["snapshot", "--config", config, "--format", "terse"]);
    let snapshot: serde_json::Value = serde_json::from_str(&whole).unwrap();
    for section in [
        "broker",
        "notifier",
        "messages",
        "tasks",
        "app_jobs",
        "probes",
        "storage",
        "recent_operations",
    ] {
        assert_eq!(snapshot["collection"]["sections"][section]["outcome"], "ok", "{section}");
    }
    let projection: serde_json::Value = serde_json::from_str(&terse).unwrap();
    assert_eq!(projection["broker.in_flight_count"], 3);
    assert_eq!(projection["notifier.pending_count"], 2);
    assert_eq!(projection["messages.pending_deliveries"], 1);
    assert_eq!(projection["tasks.overdue"], 2, "two tasks are 10 and 5 minutes late");
    assert!(
        whole.len() >= 5 * terse.len(),
        "whole {} bytes, terse {} bytes",
        whole.len(),
        terse.len()
    );
}

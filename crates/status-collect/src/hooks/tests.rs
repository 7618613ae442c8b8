//! Hook tests: configuration, a command's stdin and environment, a URL's request, the pool, timeouts
//! and failures.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use status_model::{Change, ChangeKind, CollectionReport, Snapshot};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::cache::Cache;
use crate::config::Config;

fn hooks(toml: &str) -> Vec<HookConfig> {
    Config::parse(toml, "<test>").unwrap().hooks.on_change
}

#[track_caller]
fn config_error(toml: &str, expected: &str) {
    let error = Config::parse(toml, "<test>").unwrap_err().to_string();
    assert!(error.contains(expected), "{expected:?} not in {error}");
}

fn event() -> SnapshotChange {
    let mut snapshot = Snapshot::new(CollectionReport {
        taken_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        duration_ms: 1.0,
        sequence: 7,
        interval_seconds: None,
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    });
    snapshot.put_missing(status_model::SectionName::Host);
    let published = Cache::default().publish(snapshot).unwrap();
    let changes = vec![Change {
        key: "host.load.1".into(),
        kind: ChangeKind::Changed,
        old: json!(0.5),
        new: json!(0.7),
    }];
    SnapshotChange { published, changes }
}

/// Waits (in real time, up to 10 s) until `done` holds for the counters.
async fn until(stats: &PipelineStats, done: impl Fn(&crate::change::PipelineCounts) -> bool) {
    for _ in 0..1000 {
        if done(&stats.counts()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("counters never got there: {:?}", stats.counts());
}

#[test]
fn hooks_are_configured_as_a_command_or_an_http_url() {
    let parsed = hooks(
        "[[hooks.on_change]]\ncommand = [\"/bin/true\"]\n\n[[hooks.on_change]]\nurl = \"http://127.0.0.1:9/x\"\ntimeout = \"1s\"\nheaders = { X-Token = \"abc\" }\n",
    );
    assert_eq!(parsed[0].timeout, Duration::from_secs(10));
    assert_eq!(parsed[1].timeout, Duration::from_secs(1));
    assert_eq!(
        format!("{parsed:?}"),
        "[HookConfig { kind: \"command\", timeout: 10s, .. }, HookConfig { kind: \"url\", timeout: 1s, .. }]"
    );
    config_error("[[hooks.on_change]]\ncommand = [\"a\"]\nurl = \"http://x/\"\n", "not both");
    config_error("[[hooks.on_change]]\ntimeout = \"1s\"\n", "needs `command` or `url`");
    config_error("[[hooks.on_change]]\ncommand = []\n", "must name a program");
    config_error(
        "[[hooks.on_change]]\nurl = \"https://example.com/secret\"\n",
        "https hooks are not supported yet",
    );
    config_error("[[hooks.on_change]]\nurl = \"ftp://example.com/\"\n", "must start with http://");
    config_error(
        "[[hooks.on_change]]\nurl = \"http://x/\"\nheaders = { \"X-A\" = \"bad\\nvalue\" }\n",
        "header \"X-A\" is not valid",
    );
    config_error(
        "[[hooks.on_change]]\ncommand = [\"a\"]\ntimeout = \"1h\"\n",
        "hooks.on_change.timeout",
    );
    config_error("[[hooks.on_change]]\ncommand = [\"a\"]\nshell = true\n", "unknown field `shell`");
}

#[tokio::test]
async fn a_command_gets_the_event_on_stdin_and_the_keys_in_its_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("event.json");
    let config = vec![HookConfig {
        target: HookTarget::Command(vec![
            "/bin/sh".into(),
            "-c".into(),
            "cat > \"$0\" && printf '%s' \"$STATUS_CHANGED\" > \"$0.keys\"".into(),
            out.display().to_string(),
        ]),
        timeout: Duration::from_secs(10),
    }];
    let stats = Arc::new(PipelineStats::default());
    Hooks::new(config, stats.clone()).fire("agent", &event());
    until(&stats, |counts| counts.hooks_succeeded_total == 1).await;
    let body: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(body["name"], "agent");
    assert_eq!(body["taken_at"], "2026-01-01T00:00:00Z");
    assert_eq!(
        body["changed"],
        json!([{"key": "host.load.1", "kind": "changed", "old": 0.5, "new": 0.7}])
    );
    assert_eq!(body["status"]["collection"]["sequence"], 7);
    let keys = std::fs::read_to_string(dir.path().join("event.json.keys")).unwrap();
    assert_eq!(keys, r#"["host.load.1"]"#);
}

/// Accepts one HTTP request and answers 204; returns the request's head and body.
async fn one_request(listener: tokio::net::TcpListener) -> (String, Value) {
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut bytes = Vec::new();
    let mut buffer = [0_u8; 4096];
    let (head, body) = loop {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "connection closed early");
        bytes.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned)
                })
                .unwrap()
                .parse()
                .unwrap();
            if body.len() >= length {
                break (head.to_owned(), body.to_owned());
            }
        }
    };
    stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await.unwrap();
    (head, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn a_url_is_posted_the_event() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/status?from=test", listener.local_addr().unwrap());
    let server = tokio::spawn(one_request(listener));
    let config = hooks(&format!(
        "[[hooks.on_change]]\nurl = \"{url}\"\nheaders = {{ X-Token = \"t0ken\" }}\n"
    ));
    let stats = Arc::new(PipelineStats::default());
    Hooks::new(config, stats.clone()).fire("agent", &event());
    let (head, body) = server.await.unwrap();
    assert!(head.starts_with("POST /hooks/status?from=test HTTP/1.1\r\n"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: application/json") && head.contains("x-token: t0ken"),
        "{head}"
    );
    assert_eq!(body["name"], "agent");
    assert_eq!(body["changed"][0]["key"], "host.load.1");
    assert_eq!(body["status"]["collection"]["sequence"], 7);
    until(&stats, |counts| counts.hooks_succeeded_total == 1).await;
}

#[tokio::test]
async fn at_most_four_run_at_once_and_the_rest_are_dropped() {
    let sleeper = HookConfig {
        target: HookTarget::Command(vec!["/bin/sleep".into(), "5".into()]),
        timeout: Duration::from_secs(10),
    };
    let stats = Arc::new(PipelineStats::default());
    let hooks = Hooks::new(vec![sleeper; 6], stats.clone());
    hooks.fire("agent", &event());
    assert_eq!(stats.counts().hooks_dropped_total, 2);
    assert_eq!(stats.counts().hooks_configured, 6);
    hooks.fire("agent", &event());
    assert_eq!(stats.counts().hooks_dropped_total, 8, "the pool is still full");
}

#[tokio::test]
async fn a_slow_hook_is_stopped_at_its_timeout_and_a_failing_one_is_counted() {
    let stats = Arc::new(PipelineStats::default());
    let config = vec![
        HookConfig {
            target: HookTarget::Command(vec!["/bin/sleep".into(), "60".into()]),
            timeout: Duration::from_millis(100),
        },
        HookConfig {
            target: HookTarget::Command(vec![
                "/bin/sh".into(),
                "-c".into(),
                "echo oops >&2; exit 3".into(),
            ]),
            timeout: Duration::from_secs(10),
        },
        HookConfig {
            target: HookTarget::Command(vec!["/nonexistent/hook".into()]),
            timeout: Duration::from_secs(10),
        },
    ];
    Hooks::new(config, stats.clone()).fire("agent", &event());
    until(&stats, |counts| counts.hooks_timed_out_total == 1 && counts.hooks_failed_total == 2)
        .await;
}

#[tokio::test]
async fn a_command_stopped_by_its_own_timeout_is_a_timeout_not_a_failure() {
    // The helper's timeout and the pool's end together; the helper's must not read as a failure.
    let argv = vec!["/bin/sleep".to_owned(), "60".to_owned()];
    let outcome =
        command::run(&argv, Bytes::from_static(b"{}"), "[]", Duration::from_millis(50)).await;
    assert!(matches!(outcome, Err(Failure::TimedOut)), "{outcome:?}");
}

#[tokio::test]
async fn twenty_firings_of_a_hook_that_hangs_with_children_leave_no_process() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("echo $$ >> {}; sleep 60 & sleep 60 & sleep 60", pids.display());
    let hook = HookConfig {
        target: HookTarget::Command(vec!["/bin/sh".into(), "-c".into(), script]),
        timeout: Duration::from_millis(200),
    };
    let stats = Arc::new(PipelineStats::default());
    let hooks = Hooks::new(vec![hook; 4], stats.clone());
    for round in 1..=5 {
        hooks.fire("agent", &event());
        until(&stats, |counts| counts.hooks_timed_out_total == 4 * round).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let groups: Vec<i32> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(|line| line.trim().parse().unwrap())
        .collect();
    assert_eq!(groups.len(), 20);
    let alive: Vec<i32> = groups.into_iter().flat_map(crate::command::group_members).collect();
    assert!(alive.is_empty(), "alive 2 s after the timeouts: {alive:?}");
}

#[tokio::test]
async fn a_hook_that_exits_while_its_child_holds_stdout_succeeded() {
    let hook = HookConfig {
        target: HookTarget::Command(vec![
            "/bin/sh".into(),
            "-c".into(),
            "sleep 60 & echo started".into(),
        ]),
        timeout: Duration::from_secs(5),
    };
    let stats = Arc::new(PipelineStats::default());
    Hooks::new(vec![hook], stats.clone()).fire("agent", &event());
    until(&stats, |counts| counts.hooks_succeeded_total == 1).await;
    assert_eq!(stats.counts().hooks_timed_out_total, 0);
}

#[tokio::test]
async fn a_url_hook_failure_does_not_log_the_answer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url: hyper::Uri =
        format!("http://{}/hook", listener.local_addr().unwrap()).parse().unwrap();
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0_u8; 65536];
        let _ = stream.read(&mut buffer).await.unwrap();
        let body = "token=s3cr3t-echoed";
        let answer = format!(
            "HTTP/1.1 500 Internal Server Error\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
    });
    let error = http::post(&url, &[], Bytes::from_static(b"{}")).await.unwrap_err();
    server.await.unwrap();
    assert_eq!(error, "answered HTTP 500 Internal Server Error");
}

#[tokio::test]
async fn a_command_hooks_output_is_scrubbed_before_it_is_logged() {
    let leak = "echo connecting to postgres://app:Hunter2pass@db/app; \
                echo token=s3cr3t-value >&2; exit 1";
    let argv = vec!["/bin/sh".to_owned(), "-c".to_owned(), leak.to_owned()];
    let outcome =
        command::run(&argv, Bytes::from_static(b"{}"), "[]", Duration::from_secs(10)).await;
    let Err(Failure::Error(error)) = outcome else { panic!("{outcome:?}") };
    assert!(!error.contains("s3cr3t-value"), "{error}");
    assert!(error.contains("stderr:") && error.contains(status_model::redact::REDACTED), "{error}");
    let argv = vec!["/bin/sh".to_owned(), "-c".to_owned(), leak.replace("exit 1", "exit 0")];
    let output = command::run(&argv, Bytes::from_static(b"{}"), "[]", Duration::from_secs(10))
        .await
        .unwrap();
    assert!(!output.contains("Hunter2pass"), "{output}");
    assert!(output.contains("postgres://") && output.contains("@db/app"), "{output}");
}

/// Set in the copy of this test binary that measures memory alone.
const ALONE: &str = "STATUS_HOOKS_MEMORY_ALONE";

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A hook printing 300 MB grows this process's resident memory by under 10 MiB. Measured in a copy
/// of this test binary that runs only [`a_hook_printing_300_mb_measured_alone`], so no other test
/// allocates in the process measured.
#[test]
#[expect(clippy::disallowed_methods, reason = "a test runs a copy of itself")]
fn a_hook_printing_300_mb_grows_memory_by_less_than_10_mib() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "hooks::tests::a_hook_printing_300_mb_measured_alone",
            "--exact",
            "--test-threads=1",
            "--include-ignored",
            "--nocapture",
        ])
        .env(ALONE, "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("1 passed"), "the measurement ran: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run alone by a_hook_printing_300_mb_grows_memory_by_less_than_10_mib"]
#[expect(clippy::print_stderr, reason = "the measured growth is the figure to report")]
async fn a_hook_printing_300_mb_measured_alone() {
    assert!(std::env::var_os(ALONE).is_some(), "run by a_hook_printing_300_mb_grows_memory…");
    let stats = Arc::new(PipelineStats::default());
    let hook = |script: &str| HookConfig {
        target: HookTarget::Command(vec!["/bin/sh".into(), "-c".into(), script.into()]),
        timeout: Duration::from_secs(120),
    };
    // Warm up the pool, the event's encoding and the reader with a small hook first.
    let hooks = Hooks::new(vec![hook("head -c 1000000 /dev/zero")], stats.clone());
    hooks.fire("agent", &event());
    until(&stats, |counts| counts.hooks_succeeded_total == 1).await;
    let before = rss_kib();
    let hooks = Hooks::new(vec![hook("head -c 300000000 /dev/zero")], stats.clone());
    hooks.fire("agent", &event());
    for _ in 0..12_000 {
        if stats.counts().hooks_succeeded_total == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stats.counts().hooks_succeeded_total, 2, "{:?}", stats.counts());
    let grown = rss_kib().saturating_sub(before);
    eprintln!("a hook printing 300 MB: resident memory grew by {grown} KiB");
    assert!(grown < 10 * 1024, "grew by {grown} KiB");
}

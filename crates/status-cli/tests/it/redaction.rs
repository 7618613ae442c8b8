//! `status-cli snapshot` prints what the `[redact]` policy leaves, in every format.

use super::run;

const SECRET: &str = "svc-secret-7f3a";

#[test]
fn every_snapshot_format_leaves_out_what_the_policy_drops() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!("[service]\nname = \"{SECRET}\"\n[redact]\ndrop = [\"service.name\"]\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let formats: [&[&str]; 5] = [
        &["--format", "json"],
        &["--format", "pretty"],
        &["--format", "terse"],
        &["--format", "text"],
        &["--section", "service"],
    ];
    for format in formats {
        let mut args = vec!["snapshot", "--config", config];
        args.extend_from_slice(format);
        let output = run(&args);
        assert!(output.status.success(), "{format:?}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.is_empty(), "{format:?} printed nothing");
        assert!(!stdout.contains(SECRET), "{format:?} printed the dropped name:\n{stdout}");
    }
    // The same config without the rule shows the name: the test above can fail.
    std::fs::write(dir.path().join("open.toml"), format!("[service]\nname = \"{SECRET}\"\n"))
        .unwrap();
    let open = dir.path().join("open.toml");
    let output = run(&["snapshot", "--config", open.to_str().unwrap(), "--format", "text"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains(SECRET));
}

/// With the host name dropped, no text view and no health line shows it: the views render from
/// the redacted snapshot, not from the collected one scrubbed afterwards.
#[test]
fn a_dropped_host_name_is_in_no_text_view_and_no_health_line() {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let hostname = hostname.trim();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        "[redact]\ndrop = [\"host.hostname\", \"notifier.oldest_pending_age_seconds\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    for view in ["overview", "resources", "health", "collection", "host"] {
        let output = run(&["snapshot", "--config", config, "--format", "text", "--view", view]);
        assert!(output.status.success(), "{view}: {output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!has_word(&stdout, hostname), "{view} shows the host name:\n{stdout}");
        assert!(!stdout.contains("[redacted]"), "{view} garbled by a scrubber:\n{stdout}");
    }
    let output = run(&["health", "--config", config]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("status-cli "), "{stdout}");
    assert!(!has_word(&stdout, hostname), "{stdout}");
    // Without the rule the resources view names the host: the test above can fail.
    let open = dir.path().join("open.toml");
    std::fs::write(&open, "").unwrap();
    let output = run(&[
        "snapshot",
        "--config",
        open.to_str().unwrap(),
        "--format",
        "text",
        "--view",
        "host",
    ]);
    assert!(has_word(&String::from_utf8_lossy(&output.stdout), hostname));
}

/// Whether `word` appears in `text` as a whole word (a host name such as `vm` is short).
fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '.' || c == '_'))
        .any(|candidate| candidate.trim_end_matches('.') == word)
}

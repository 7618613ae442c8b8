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

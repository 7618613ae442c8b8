//! The example host's logs: its own events (jobs, channels) at INFO, sqlx's statement logs only
//! when `RUST_LOG` asks, and no colour when stderr is not a terminal.

#![expect(
    clippy::disallowed_methods,
    reason = "the test runs the example binary as a child process"
)]

use std::process::Command;

/// Runs the host for two seconds with `rust_log`; returns what it wrote on stderr.
fn run(rust_log: Option<&str>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_agent-host"));
    command
        .args(["--bind", "127.0.0.1:0", "--run-for", "2s", "--flap-every", "300ms"])
        .args(["--interval", "1s", "--data-dir"])
        .arg(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR");
    if let Some(filter) = rust_log {
        command.env("RUST_LOG", filter);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn own_events_without_sqlx_unless_asked() {
    let quiet = run(None);
    assert!(quiet.contains("chat channel "), "{quiet}");
    assert!(quiet.contains("job started"), "{quiet}");
    assert!(!quiet.contains("sqlx"), "sqlx stays quiet by default: {quiet}");
    assert!(!quiet.contains('\x1b'), "no colour in a pipe: {quiet:?}");

    let asked = run(Some("info,sqlx=debug"));
    assert!(asked.contains("sqlx::query"), "RUST_LOG can ask for sqlx's statements: {asked}");
}

//! Tests of the command helper: output, a missing program, a hang killed at the timeout.

use std::time::Duration;

use super::*;

#[tokio::test]
async fn captures_output_and_status() {
    let output =
        run("sh", &["-c", "echo out; echo err >&2; exit 3"], &[], None, Duration::from_secs(5))
            .await
            .unwrap();
    assert_eq!(output.stdout, b"out\n");
    assert_eq!(output.stderr, b"err\n");
    assert_eq!(output.status.code(), Some(3));
}

#[tokio::test]
async fn sets_and_removes_environment_variables() {
    let value = OsStr::new("from-the-caller");
    let output = run(
        "sh",
        &["-c", "echo \"$STATUS_TEST_VAR-${HOME:-unset}\""],
        &[("STATUS_TEST_VAR", Some(value)), ("HOME", None)],
        None,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(output.stdout, b"from-the-caller-unset\n");
}

#[tokio::test]
async fn a_missing_program_is_not_found() {
    let error =
        run("status-no-such-program", &[], &[], None, Duration::from_secs(5)).await.unwrap_err();
    assert!(matches!(error, CommandError::NotFound { .. }), "{error:?}");
    assert_eq!(error.to_string(), "`status-no-such-program` is not installed (not found on PATH)");
}

#[tokio::test]
async fn a_hang_is_killed_at_the_timeout() {
    let error = run("sleep", &["30"], &[], None, Duration::from_millis(100)).await.unwrap_err();
    assert!(matches!(error, CommandError::TimedOut { .. }), "{error:?}");
    assert_eq!(error.to_string(), "`sleep` did not exit within 100ms; killed");
}

#[tokio::test]
async fn input_reaches_stdin_even_when_the_child_ignores_it() {
    let output = run("cat", &[], &[], Some(b"payload"), Duration::from_secs(5)).await.unwrap();
    assert_eq!(output.stdout, b"payload");
    // A child that never reads a large input still exits: the write does not stall the wait.
    let large = vec![b'x'; 1 << 20];
    let output = run("true", &[], &[], Some(&large), Duration::from_secs(5)).await.unwrap();
    assert!(output.status.success());
}

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

#[tokio::test]
async fn the_whole_group_is_killed_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script =
        format!("echo $$ > {}; sleep 60 & sleep 60 & (sleep 60 &); sleep 60", pids.display());
    let error =
        run_in("sh", &["-c", &script], Env::AllowList(&[]), None, Duration::from_millis(300))
            .await
            .unwrap_err();
    assert!(matches!(error, CommandError::TimedOut { .. }), "{error:?}");
    let pgid: i32 = std::fs::read_to_string(&pids).unwrap().trim().parse().unwrap();
    // SIGKILL is immediate; the orphans' reaping by init may take a moment.
    for _ in 0..100 {
        if group_members(pgid).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("still alive: {:?}", group_members(pgid));
}

#[tokio::test]
async fn a_program_that_exits_while_its_child_holds_stdout_has_finished() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!("echo $$ > {}; sleep 60 & echo started", pids.display());
    let finished =
        run_in("sh", &["-c", &script], Env::AllowList(&[]), None, Duration::from_secs(10))
            .await
            .unwrap();
    assert!(finished.status.success());
    assert_eq!(finished.stdout, b"started\n");
    let pgid: i32 = std::fs::read_to_string(&pids).unwrap().trim().parse().unwrap();
    for _ in 0..100 {
        if group_members(pgid).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the background child outlived the program: {:?}", group_members(pgid));
}

#[tokio::test]
async fn output_beyond_64_kib_is_read_and_counted_not_kept() {
    // 300 MB on stdout and 1 MB on stderr.
    let script = "head -c 300000000 /dev/zero; head -c 1000000 /dev/zero >&2";
    let finished =
        run_in("sh", &["-c", script], Env::AllowList(&[]), None, Duration::from_secs(120))
            .await
            .unwrap();
    assert!(finished.status.success());
    assert_eq!(finished.stdout.len(), OUTPUT_KEPT);
    assert_eq!(finished.stderr.len(), OUTPUT_KEPT);
    assert_eq!(finished.dropped_bytes, 300_000_000 + 1_000_000 - 2 * OUTPUT_KEPT as u64);
    assert!(finished.stdout.capacity() <= 2 * OUTPUT_KEPT);
}

#[tokio::test]
async fn an_allow_listed_environment_has_nothing_else() {
    // The test process has more (cargo sets CARGO_MANIFEST_DIR for tests): none of it may pass.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    let value = OsStr::new("[\"host.load.1\"]");
    let finished = run_in(
        "env",
        &[],
        Env::AllowList(&[("STATUS_CHANGED", value)]),
        None,
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let text = String::from_utf8(finished.stdout).unwrap();
    let names: Vec<&str> =
        text.lines().filter_map(|line| line.split_once('=')).map(|(n, _)| n).collect();
    assert!(names.contains(&"STATUS_CHANGED"), "{names:?}");
    for name in &names {
        assert!(
            ENV_ALLOWED.contains(name) || *name == "STATUS_CHANGED",
            "{name} passed: {names:?}"
        );
    }
    for name in ENV_ALLOWED {
        if std::env::var_os(name).is_some() {
            assert!(names.contains(&name), "{name} missing: {names:?}");
        }
    }
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Run alone (other tests allocate in the same process): `cargo test -p status-collect --lib --
/// --ignored --exact command::tests::printing_300_mb_grows_memory_by_less_than_10_mib`.
#[ignore = "measures this process's memory: run alone"]
#[expect(clippy::print_stderr, reason = "the measured growth is the figure to report")]
#[tokio::test]
async fn printing_300_mb_grows_memory_by_less_than_10_mib() {
    let before = rss_kib();
    let finished = run_in(
        "head",
        &["-c", "300000000", "/dev/zero"],
        Env::AllowList(&[]),
        None,
        Duration::from_secs(120),
    )
    .await
    .unwrap();
    let grown = rss_kib().saturating_sub(before);
    assert_eq!(finished.dropped_bytes, 300_000_000 - OUTPUT_KEPT as u64);
    eprintln!("300 MB of output: resident memory grew by {grown} KiB");
    assert!(grown < 10 * 1024, "grew by {grown} KiB");
}

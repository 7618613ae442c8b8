//! The leftover-process check, `scripts/test-runner.sh`, run on stand-in test binaries: a shell
//! linked under a `deps/` directory, as cargo's test binaries are.

#![expect(clippy::disallowed_methods, reason = "the test runs the runner script as a child")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn runner() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-runner.sh")
}

/// Runs `script` through the runner as a shell named `deps/sh`, as if it were a test binary.
fn run_as_test_binary(script: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deps")).unwrap();
    let shell = dir.path().join("deps/sh");
    std::os::unix::fs::symlink("/bin/sh", &shell).unwrap();
    Command::new(runner()).arg(&shell).args(["-c", script]).output().unwrap()
}

fn alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[test]
fn a_binary_that_leaves_a_process_behind_fails_and_the_process_is_killed() {
    // The leftover detaches from the binary's process group, like a daemon.
    let output = run_as_test_binary("setsid sleep 37 >/dev/null 2>&1 & echo $! ; exit 0");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "{stderr}");
    assert!(stderr.contains("sh left processes behind:"), "{stderr}");
    assert!(stderr.contains("sleep 37"), "{stderr}");
    let pid = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(!alive(&pid), "the leftover {pid} was not killed");
}

#[test]
fn a_binary_that_cleans_up_passes_with_its_own_status() {
    let clean = run_as_test_binary("sleep 37 & kill $! ; wait $! ; exit 0");
    assert_eq!(clean.status.code(), Some(0), "{}", String::from_utf8_lossy(&clean.stderr));
    let failed = run_as_test_binary("exit 3");
    assert_eq!(failed.status.code(), Some(3));
    assert!(failed.stderr.is_empty(), "{}", String::from_utf8_lossy(&failed.stderr));
}

#[test]
fn a_binary_outside_deps_is_only_run() {
    let output = Command::new(runner())
        .args(["/bin/sh", "-c", "sleep 37 >/dev/null 2>&1 & echo $!"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stderr.is_empty());
    let pid = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(alive(&pid), "a program outside deps/ is not checked");
    Command::new("kill").arg(&pid).status().unwrap();
}

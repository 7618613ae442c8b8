//! Test support shared by the status crates' tests (a dev-dependency only).
//!
//! Some tests drive real programs that a machine with only Rust and git does not have (tmux, screen,
//! the `sqlite3` CLI, promtool, prometheus, chromium). [`require_tools!`] starts such a test: when a
//! tool is missing it prints why the test is skipped and returns, unless the `CI` variable is `true`,
//! where a missing tool fails the test, naming it (CI installs every tool: `.ci/run`).
//!
//! Leftover processes are caught outside the test binaries, by the runner `scripts/test-runner.sh`
//! that `.cargo/config.toml` puts around every test binary.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Starts a test that needs external programs: returns from the test (skipping it, with a printed
/// reason) when one is missing and `CI` is not `true`; panics naming the missing programs when it is.
///
/// ```ignore
/// #[test]
/// fn sessions_are_counted() {
///     status_testkit::require_tools!("tmux", "screen");
///     // ...
/// }
/// ```
#[macro_export]
macro_rules! require_tools {
    ($($tool:expr),+ $(,)?) => {
        if !$crate::tools_present(&[$($tool),+], module_path!()) {
            return;
        }
    };
}

/// Whether every program in `tools` is on `PATH`. When some are missing: under `CI=true`, panics
/// naming them; otherwise writes a "skipped" line naming them and `test` to the real stderr (not the
/// test harness's captured output, so it shows in a normal `cargo test` run) and returns `false`.
pub fn tools_present(tools: &[&str], test: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing = missing_tools(tools, &path);
    if missing.is_empty() {
        return true;
    }
    let list = missing.iter().map(|tool| format!("`{tool}`")).collect::<Vec<_>>().join(", ");
    if under_ci(std::env::var_os("CI").as_deref()) {
        panic!("{list} not found on PATH, and CI=true requires every tool the tests use");
    }
    let thread = std::thread::current();
    let name = thread.name().filter(|name| *name != "main").unwrap_or(test);
    // Straight to the stream: `eprintln!` would be captured by the test harness and never shown.
    let _ = writeln!(
        std::io::stderr(),
        "skipped {name}: {list} not found on PATH (install {them}, or set CI=true to make this a failure)",
        them = if missing.len() == 1 { "it" } else { "them" },
    );
    false
}

/// The programs of `tools` that no directory of `path` holds as an executable file.
pub fn missing_tools<'a>(tools: &[&'a str], path: &OsStr) -> Vec<&'a str> {
    tools.iter().copied().filter(|tool| find_on(tool, path).is_none()).collect()
}

/// Where `program` is in the `PATH`-style list `path`: the first directory holding it as an
/// executable file.
pub fn find_on(program: &str, path: &OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt as _;
    std::env::split_paths(path).map(|dir| dir.join(program)).find(|candidate: &PathBuf| {
        Path::new(candidate)
            .metadata()
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    })
}

/// Whether `CI` (its value) asks for every tool: `true`, as CI systems set it.
fn under_ci(value: Option<&OsStr>) -> bool {
    value.is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;

    #[test]
    fn a_tool_is_found_only_as_an_executable_file_on_the_path() {
        use std::os::unix::fs::PermissionsExt as _;
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_owned();
        std::fs::write(dir.join("runnable"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(dir.join("runnable"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        std::fs::write(dir.join("plain"), "").unwrap();
        std::fs::create_dir(dir.join("folder")).unwrap();
        let path = std::env::join_paths([Path::new("/nonexistent"), &dir]).unwrap();
        assert_eq!(find_on("runnable", &path), Some(dir.join("runnable")));
        assert_eq!(
            missing_tools(&["runnable", "plain", "folder", "absent"], &path),
            ["plain", "folder", "absent"]
        );
        assert_eq!(missing_tools(&["runnable"], &OsString::new()), ["runnable"]);
    }

    #[test]
    fn only_ci_true_requires_the_tools() {
        assert!(under_ci(Some(OsStr::new("true"))));
        assert!(under_ci(Some(OsStr::new("TRUE"))));
        assert!(!under_ci(Some(OsStr::new("false"))));
        assert!(!under_ci(Some(OsStr::new(""))));
        assert!(!under_ci(None));
    }

    #[test]
    fn a_missing_tool_skips_or_fails_by_ci() {
        let missing = "status-testkit-no-such-tool";
        // The real environment decides which; either way the missing tool is named.
        if under_ci(std::env::var_os("CI").as_deref()) {
            let panic = std::panic::catch_unwind(|| tools_present(&[missing], "t")).unwrap_err();
            let message = panic.downcast_ref::<String>().unwrap();
            assert!(message.contains(&format!("`{missing}`")), "{message}");
        } else {
            assert!(!tools_present(&[missing], "t"));
        }
        assert!(tools_present(&["sh"], "t"));
    }
}

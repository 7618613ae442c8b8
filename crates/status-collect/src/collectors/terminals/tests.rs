//! Tests of the tmux and screen output parsers on their real messages.

use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Output};

use super::*;
use crate::collector::Collector;

fn output(code: i32, stdout: &str, stderr: &str) -> Output {
    Output {
        status: ExitStatus::from_raw(code << 8),
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    }
}

#[test]
fn tmux_without_a_server_has_no_sessions() {
    for stderr in [
        "no server running on /tmp/tmux-1000/default\n",
        "error connecting to /tmp/tmux-1000/default (No such file or directory)\n",
    ] {
        assert_eq!(parse_tmux(&output(1, "", stderr)), Ok(vec![]), "{stderr}");
    }
    assert_eq!(
        parse_tmux(&output(0, "work\nagent\n", "")),
        Ok(vec!["agent".into(), "work".into()])
    );
    let error = parse_tmux(&output(1, "", "server exited unexpectedly\n")).unwrap_err();
    assert!(error.contains("server exited unexpectedly"), "{error}");
}

#[test]
fn screen_counts_come_from_its_socket_line() {
    let check = |stdout: &str, expected: Result<u64, ()>| {
        assert_eq!(parse_screen(&output(1, stdout, "")).map_err(|_| ()), expected, "{stdout}");
    };
    check("No Sockets found in /run/screen/S-agent.\n\n", Ok(0));
    check(
        "There is a screen on:\n\t4242.build\t(Detached)\n1 Socket in /run/screen/S-agent.\n\n",
        Ok(1),
    );
    check(
        "There are screens on:\n\t1.a\t(Detached)\n\t2.b\t(Attached)\n2 Sockets in /run/screen/S-agent.\n",
        Ok(2),
    );
    check("Cannot make directory '/run/screen': Permission denied\n", Err(()));
}

#[test]
fn screen_names_its_socket_directory() {
    assert_eq!(
        parse_screen_dir("No Sockets found in /run/screen/S-agent.\n\n"),
        Some(PathBuf::from("/run/screen/S-agent"))
    );
    assert_eq!(
        parse_screen_dir("There is a screen on:\n\t4242.build\t(Detached)\n1 Socket in /tmp/s.\n"),
        Some(PathBuf::from("/tmp/s"))
    );
    assert_eq!(parse_screen_dir("Cannot make directory '/run/screen': Permission denied\n"), None);
}

#[test]
fn programs_are_found_on_path_or_taken_as_paths() {
    assert_eq!(find_on_path("/opt/x/tmux"), Ok(PathBuf::from("/opt/x/tmux")));
    let sh = find_on_path("sh").unwrap();
    assert!(sh.is_absolute() && sh.ends_with("sh"), "{}", sh.display());
    assert_eq!(
        find_on_path("status-test-no-such-program"),
        Err("`status-test-no-such-program` is not installed (not found on PATH)".to_owned())
    );
}

/// A tmux stand-in that logs each run and names two sessions; a real socket in `dir/tmux-UID/`.
fn fake_tmux(dir: &std::path::Path) -> (PathBuf, PathBuf, std::os::unix::net::UnixListener) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join("runs");
    let program = dir.join("fake-tmux");
    std::fs::write(
        &program,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nprintf 'work\\nagent\\n'\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sockets = dir.join(format!("tmux-{}", rustix::process::getuid().as_raw()));
    std::fs::create_dir(&sockets).unwrap();
    let listener = std::os::unix::net::UnixListener::bind(sockets.join("default")).unwrap();
    (program, log, listener)
}

fn runs(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log).map_or(0, |text| text.lines().count())
}

#[tokio::test]
async fn a_tmux_server_is_asked_only_when_its_socket_changed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (program, log, _listener) = fake_tmux(dir.path());
    let collector = TerminalsCollector::new(Some(dir.path().to_owned()), Some(dir.path().into()))
        .with_programs(program.to_str().unwrap(), "status-test-no-screen");
    let names = |collected: Collected| match collected.data {
        SectionData::Terminals(section) => section.tmux_session_names,
        other => panic!("{other:?}"),
    };
    let expected = Some(vec!["agent".to_owned(), "work".to_owned()]);
    assert_eq!(names(collector.collect().await.unwrap()), expected);
    assert_eq!(runs(&log), 1);
    let line = std::fs::read_to_string(&log).unwrap();
    assert!(line.starts_with("-S ") && line.contains("list-sessions"), "{line}");
    // Nothing changed: the kept answer, no process.
    for _ in 0..3 {
        assert_eq!(names(collector.collect().await.unwrap()), expected);
    }
    assert_eq!(runs(&log), 1);
    // tmux changes the socket's mode when a client attaches: asked again.
    let socket = dir.path().join(format!("tmux-{}/default", rustix::process::getuid().as_raw()));
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(names(collector.collect().await.unwrap()), expected);
    assert_eq!(runs(&log), 2);
    // The server went away with its socket: no sessions, and nothing to ask.
    std::fs::remove_file(&socket).unwrap();
    assert_eq!(names(collector.collect().await.unwrap()), Some(vec![]));
    assert_eq!(runs(&log), 2);
}

/// A fake `screen` in `dir` that logs each run to `dir/runs` and counts the entries of the socket
/// directory `listed` (a shell word: `"$SCREENDIR"` or a quoted path) as screen would.
fn fake_screen(dir: &std::path::Path, listed: &str) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join("runs");
    let program = dir.join("fake-screen");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\necho run >> '{}'\nn=$(ls {listed} | wc -l)\n\
             if [ \"$n\" = 0 ]; then echo \"No Sockets found in {listed}.\"; \
             else echo \"$n Sockets in {listed}.\"; fi\nexit 1\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    (program, log)
}

fn screen_count(collected: Collected) -> Option<u64> {
    match collected.data {
        SectionData::Terminals(section) => section.screen_sessions,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn screen_runs_again_only_when_its_socket_directory_changed() {
    let dir = tempfile::tempdir().unwrap();
    let screen_dir = dir.path().join("screens");
    std::fs::create_dir(&screen_dir).unwrap();
    let (program, log) = fake_screen(dir.path(), "\"$SCREENDIR\"");
    let collector = TerminalsCollector::new(Some(dir.path().to_owned()), Some(screen_dir.clone()))
        .with_programs("status-test-no-tmux", program.to_str().unwrap());
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(0));
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(0));
    assert_eq!(runs(&log), 1);
    std::fs::write(screen_dir.join("4242.build"), "").unwrap();
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(1));
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(1));
    assert_eq!(runs(&log), 2);
}

/// Without `SCREENDIR` the directory is learnt from screen's own answer: the next collection does
/// not ask again only because the directory was unknown before.
#[tokio::test]
async fn screen_is_asked_once_when_its_answer_names_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let screen_dir = dir.path().join("S-someone");
    std::fs::create_dir(&screen_dir).unwrap();
    let (program, log) = fake_screen(dir.path(), &screen_dir.display().to_string());
    let collector = TerminalsCollector::new(Some(dir.path().to_owned()), None)
        .with_programs("status-test-no-tmux", program.to_str().unwrap());
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(0));
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(0));
    assert_eq!(runs(&log), 1, "asked again with nothing changed");
    std::fs::write(screen_dir.join("4242.build"), "").unwrap();
    assert_eq!(screen_count(collector.collect().await.unwrap()), Some(1));
    assert_eq!(runs(&log), 2);
}

//! Tests of the tmux and screen output parsers on their real messages.

use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Output};

use super::*;

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

//! Tests of the `status-cli` binary, run as a real child process.

#![expect(clippy::disallowed_methods, reason = "these tests run the CLI binary as a child process")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};

mod assembly;
mod cgroups;
mod changes;
mod deploy;
mod diff_history;
mod example;
mod health;
mod one_shot;
mod overload;
mod probes;
mod redaction;
mod serve_security;
mod text;
mod watch;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_status-cli");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("status-cli runs")
}

fn json(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with('{'), "stdout is not a JSON object: {stdout}");
    serde_json::from_str(&stdout).expect("stdout is JSON")
}

fn loadavg() -> [f64; 3] {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap();
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().unwrap());
    [fields.next().unwrap(), fields.next().unwrap(), fields.next().unwrap()]
}

#[test]
fn snapshot_agrees_with_the_machine() {
    let before = loadavg();
    let output = run(&["snapshot"]);
    let after = loadavg();
    assert!(output.status.success());
    let snapshot = json(&output);

    assert_eq!(snapshot["schema_version"], 1);
    // Without a `[target]` a one-shot run leaves out what would describe only itself.
    for section in ["process", "runtime"] {
        assert!(snapshot.get(section).is_none(), "{section}: {}", snapshot[section]);
    }

    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let total_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap();
    assert_eq!(snapshot["host"]["memory"]["total_bytes"], total_kib * 1024);

    // /proc/loadavg has two decimals; the value at the moment of the snapshot is the one before or after.
    for (i, key) in ["1", "5", "15"].iter().enumerate() {
        let load = snapshot["host"]["load"][key].as_f64().unwrap();
        assert!(
            load == before[i] || load == after[i],
            "load {key}: {load} not in {before:?} / {after:?}"
        );
    }
    for section in ["service", "host"] {
        assert!(snapshot[section].is_object(), "{section} missing");
        assert_eq!(snapshot["collection"]["sections"][section]["outcome"], "ok", "{section}");
    }
    // Neutral defaults: no configuration names processes, so there is no `processes` section.
    assert!(snapshot.get("processes").is_none(), "{}", snapshot["processes"]);
    assert!(snapshot["collection"]["sections"].get("processes").is_none());
}

#[test]
fn one_runtime_worker_unless_asked_for_more() {
    // A one-shot run leaves out the `runtime` section (it would describe only itself): the
    // worker count is read from a server's.
    let workers =
        |args: &[&str]| serve_until_first_snapshot(args, |_| ()).0["runtime"]["workers"].clone();
    assert_eq!(workers(&[]), 1);
    assert_eq!(workers(&["--workers", "3"]), 3);
    let zero = run(&["snapshot", "--workers", "0"]);
    assert_eq!(zero.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--workers"), "{zero:?}");
}

#[test]
fn one_section_pretty() {
    let output = run(&["snapshot", "--section", "host", "--pretty"]);
    assert!(output.status.success());
    let host = json(&output);
    assert!(host["memory"]["total_bytes"].as_u64().unwrap() > 0);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("\n  \"hostname\""),
        "pretty output is indented"
    );
}

#[track_caller]
/// A failure of `args` (which ask for JSON): exit 1 and `{"error": …}` on stdout.
fn check_failure(args: &[&str], expected: &[&str]) {
    let output = run(args);
    assert_eq!(output.status.code(), Some(1), "{args:?}");
    let error = json(&output)["error"].as_str().unwrap().to_owned();
    for needle in expected {
        assert!(error.contains(needle), "{needle:?} not in {error:?}");
    }
}

/// A failure of `args` for people: exit 1, nothing on stdout, plain text on stderr.
fn check_plain_failure(args: &[&str], expected: &[&str]) -> String {
    let output = run(args);
    assert_eq!(output.status.code(), Some(1), "{args:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let error = String::from_utf8(output.stderr).unwrap();
    assert!(error.starts_with("status-cli: error: "), "{error}");
    assert!(!error.contains("\\n") && !error.contains("{\""), "not plain text: {error}");
    for needle in expected {
        assert!(error.contains(needle), "{needle:?} not in {error:?}");
    }
    error
}

#[test]
fn failures_are_plain_text_on_stderr_or_json_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(&config, "[collect]\ninterval = \"1s\"\n").unwrap();
    let config = config.to_str().unwrap();
    let error = check_plain_failure(
        &["snapshot", "--config", config],
        &[config, "line 2", "collect.interval"],
    );
    assert!(error.lines().count() > 1, "toml's snippet on lines of its own: {error}");
    check_plain_failure(&["snapshot", "--config", "/nonexistent.toml"], &["/nonexistent.toml"]);
    check_plain_failure(&["snapshot", "--section", "nope"], &["unknown section `nope`"]);
    let json_args = ["snapshot", "--format", "json", "--config", config];
    check_failure(&json_args, &[config, "line 2", "collect.interval"]);
    check_failure(&["snapshot", "--pretty", "--section", "nope"], &["unknown section `nope`"]);

    // A number where a duration goes: the hint names the string form.
    std::fs::write(dir.path().join("status.toml"), "[collect]\ninterval = 30\n").unwrap();
    check_plain_failure(&["snapshot", "--config", config], &["line 2", "\"30s\""]);
}

#[test]
fn without_home_or_xdg_the_state_dir_is_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let unset = |command: &mut Command| {
        command
            .env_remove("HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("STATE_DIRECTORY")
            .current_dir(dir.path());
    };
    let mut command = Command::new(BIN);
    command.args(["deploy", "record", "--sha", "abcdef12"]).env("TMPDIR", tmp.path());
    unset(&mut command);
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    // Nothing was created relative to the working directory; the store is under $TMPDIR.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let uid = rustix::process::getuid().as_raw();
    assert!(tmp.path().join(format!("status-{uid}/status.db")).is_file());
}

/// Sends one HTTP/1.1 request and returns the status code and body.
pub(crate) fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let (snapshot, pid) = serve_until_first_snapshot(&[], |addr| {
        assert_eq!(http_get(addr, "/nope").0, 404);
    });
    assert_eq!(snapshot["process"]["pid"], pid);
}

/// Runs `serve` with `args` until it serves its first snapshot, calls `more` with its address,
/// then stops it with SIGTERM and checks it exits cleanly; returns the snapshot and its pid.
fn serve_until_first_snapshot(args: &[&str], more: impl FnOnce(&str)) -> (serde_json::Value, u32) {
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--interval", "5s"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let body = loop {
        let (status, body) = http_get(&addr, "/status");
        if status == 200 {
            break body;
        }
        assert_eq!(status, 503);
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let snapshot: serde_json::Value = serde_json::from_str(&body).unwrap();
    more(&addr);
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
    (snapshot, child.id())
}

#[test]
fn serve_refuses_an_out_of_range_interval() {
    let output = run(&["serve", "--interval", "1s"]);
    assert_eq!(output.status.code(), Some(2), "clap's usage error");
    assert!(String::from_utf8_lossy(&output.stderr).contains("between 5s and 5m"));
}

/// Runs `serve` with stderr in a file and `env` until it serves its first snapshot, then stops it
/// with SIGTERM; returns the file's contents.
fn serve_logs(args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stderr.log");
    let file = std::fs::File::create(&path).unwrap();
    // A free port (the logs may say nothing of where the server listens).
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let addr = addr.to_string();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", &addr, "--interval", "5s"])
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("STATUS_LOG_FORMAT")
        .envs(env.iter().copied())
        .stderr(Stdio::from(file))
        .spawn()
        .unwrap();
    // Stopped once the first snapshot is served, so the stop is all that is logged after it.
    for attempt in 0.. {
        let served = TcpStream::connect(&addr).is_ok() && http_get(&addr, "/status").0 == 200;
        if served {
            break;
        }
        assert!(attempt < 1000, "no snapshot within 20 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(child.wait().unwrap().success());
    std::fs::read_to_string(&path).unwrap()
}

#[test]
fn logs_in_a_file_have_no_colour_and_follow_rust_log() {
    let plain = serve_logs(&[], &[]);
    assert!(plain.contains(" INFO ") && plain.contains("serving status on"), "{plain}");
    assert!(!plain.contains('\x1b'), "no escape bytes in a file: {plain:?}");
    assert!(!plain.contains("DEBUG"), "{plain}");
    let stopping = &plain[plain.find("shutting down").expect("the stop is logged")..];
    assert!(!stopping.contains("WARN"), "a clean SIGTERM logs no warning: {plain}");

    let debug = serve_logs(&[], &[("RUST_LOG", "debug")]);
    assert!(debug.contains("DEBUG") && debug.contains("status snapshot collected"), "{debug}");
    assert!(!debug.contains('\x1b'), "{debug:?}");
    let quiet = serve_logs(&["-q"], &[("RUST_LOG", "debug")]);
    assert!(!quiet.contains("INFO") && !quiet.contains("DEBUG"), "-q over RUST_LOG: {quiet}");
    let verbose = serve_logs(&["-v"], &[]);
    assert!(verbose.contains("status snapshot collected"), "-v is debug: {verbose}");
}

#[test]
fn json_logs_are_one_object_a_line() {
    let logs = serve_logs(&["--log-format", "json"], &[]);
    let lines: Vec<serde_json::Value> =
        logs.lines().map(|line| serde_json::from_str(line).expect(line)).collect();
    assert!(lines.len() >= 2, "{logs}");
    let serving = lines
        .iter()
        .find(|line| line["fields"]["message"].as_str().is_some_and(|m| m.contains("serving")))
        .expect("the serving line");
    assert_eq!(serving["level"], "INFO");
    let from_env = serve_logs(&[], &[("STATUS_LOG_FORMAT", "json")]);
    assert!(from_env.lines().all(|line| line.starts_with('{')), "{from_env}");
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef status-cli"),
        ("fish", "complete -c status-cli"),
    ] {
        let output = run(&["completions", shell]);
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("watch") && script.contains("log-format"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

//! `status-cli serve` and its bind policy and token: remote addresses need a token, the token comes
//! from a file or a variable, and it never appears in the logs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use super::BIN;

const TOKEN: &str = "tk-5f2c9a7e41b84d0c9e3a-never-logged";

/// Starts `serve` with `config`; returns the child, its stderr, its address once it listens, and
/// what it logged until then.
fn start(
    config: &str,
    env: &[(&str, &str)],
) -> (Child, BufReader<std::process::ChildStderr>, String, String) {
    let path = std::env::temp_dir().join(format!(
        "status-serve-{}-{}.toml",
        std::process::id(),
        config.len()
    ));
    std::fs::write(&path, config).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config", path.to_str().unwrap()])
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut logged = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
        logged.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let _ = std::fs::remove_file(&path);
    (child, stderr, addr, logged)
}

/// Stops the server with SIGTERM and returns everything it logged after starting.
fn stop(mut child: Child, mut stderr: BufReader<std::process::ChildStderr>) -> String {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    rest
}

fn get(addr: &str, path: &str, authorization: Option<&str>) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = authorization.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_remote_address_without_a_token_is_refused() {
    let output = Command::new(BIN).args(["serve", "--bind", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to serve status on 0.0.0.0:0 without a token")
            && stderr.contains("allow_unauthenticated_remote"),
        "{stderr}"
    );
    let output = Command::new(BIN).args(["serve", "--bind", "[::]:0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "IPv6 any-address too");
}

#[test]
fn allowing_an_unauthenticated_remote_address_warns_at_start() {
    let (child, stderr, addr, started) =
        start("[http]\nbind = \"0.0.0.0:0\"\nallow_unauthenticated_remote = true\n", &[]);
    assert!(started.contains("WARN") && started.contains("WITHOUT authentication"), "{started}");
    assert_eq!(get(&addr.replace("0.0.0.0", "127.0.0.1"), "/livez", None), 200);
    let _ = stop(child, stderr);
}

#[test]
fn the_token_from_a_file_guards_the_endpoints_and_never_reaches_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let config = format!(
        "[http]\nbind = \"0.0.0.0:0\"\ntoken_file = \"{}\"\n[collect]\ninterval = \"5s\"\n",
        token_file.display()
    );
    let (child, stderr, addr, started) = start(&config, &[]);
    let addr = addr.replace("0.0.0.0", "127.0.0.1");
    let bearer = format!("Bearer {TOKEN}");
    let wrong = format!("Bearer {TOKEN}-wrong");
    let status = loop {
        let status = get(&addr, "/status", Some(&bearer));
        if status != 503 {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status, 200);
    assert_eq!(get(&addr, "/status", None), 401);
    assert_eq!(get(&addr, "/metrics", Some(&wrong)), 401);
    assert_eq!(get(&addr, "/status?fresh=1", Some(&bearer)), 200);
    assert_eq!(get(&addr, "/livez", None), 200);
    let logs = started + &stop(child, stderr);
    assert!(logs.contains(&format!("bearer token from {}", token_file.display())), "{logs}");
    assert!(
        !logs.contains("tk-5f2c9a7e41b84d0c9e3a"),
        "the token (or the wrong one) was logged:\n{logs}"
    );
}

#[test]
fn a_token_variable_that_is_empty_or_unset_is_a_start_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("status.toml");
    std::fs::write(&path, "[http]\ntoken_env = \"STATUS_TEST_TOKEN\"\n").unwrap();
    let serve = |value: Option<&str>| {
        let mut command = Command::new(BIN);
        command.args(["serve", "--config", path.to_str().unwrap()]).env_remove("STATUS_TEST_TOKEN");
        if let Some(value) = value {
            command.env("STATUS_TEST_TOKEN", value);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let unset = serve(None);
    assert!(unset.contains("`STATUS_TEST_TOKEN` is not set"), "{unset}");
    let empty = serve(Some("   "));
    assert!(empty.contains("variable `STATUS_TEST_TOKEN` is empty"), "{empty}");
    let invalid = serve(Some("has space-inside-9f8e7d"));
    assert!(invalid.contains("STATUS_TEST_TOKEN") && !invalid.contains("9f8e7d"), "{invalid}");
    std::fs::write(&path, "[http]\ntoken_file = \"/nonexistent/token\"\n").unwrap();
    let missing = serve(None);
    assert!(missing.contains("failed to read the token file /nonexistent/token"), "{missing}");
}

#[test]
fn health_reads_a_server_with_a_token_from_a_file_or_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let config = format!(
        "[http]\nbind = \"127.0.0.1:0\"\ntoken_file = \"{}\"\n[collect]\ninterval = \"5s\"\n",
        token_file.display()
    );
    let (child, stderr, addr, _) = start(&config, &[]);
    let url = format!("http://{addr}");
    let health = |extra: &[&str], token: Option<&str>| {
        let mut command = Command::new(BIN);
        command.args(["health", "--url", &url]).args(extra).env_remove("STATUS_TOKEN");
        if let Some(token) = token {
            command.env("STATUS_TOKEN", token);
        }
        let output = command.output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    // Until the first snapshot, /health is a check-less 503: wait for one, read with the token.
    let mut attempts = 0;
    let (_, with_file) = loop {
        let answer = health(&["--token-file", token_file.to_str().unwrap()], None);
        attempts += 1;
        if answer.1.contains("memory_available") || attempts == 500 {
            break answer;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // Without a token, /health answers the status alone: UNKNOWN, not a verdict on no checks.
    let without = health(&[], None);
    let wrong = health(&[], Some("not-the-token"));
    let (_, with_variable) = health(&[], Some(TOKEN));
    let empty = health(&[], Some("  "));
    let (_, one) = health(&["--check", "memory_available"], Some(TOKEN));
    let logs = stop(child, stderr);
    let stopping = &logs[logs.find("shutting down").expect("the stop is logged")..];
    assert!(!stopping.contains("WARN"), "a clean SIGTERM logs no warning:\n{logs}");
    assert_eq!(without.0, Some(3), "{}", without.1);
    assert!(without.1.starts_with("STATUS UNKNOWN - unauthorized: "), "{}", without.1);
    assert_eq!(wrong.0, Some(3), "{}", wrong.1);
    assert!(wrong.1.contains("UNKNOWN - unauthorized: ") && !wrong.1.contains("not-the-token"));
    assert!(with_file.starts_with("status-cli "), "the service's name: {with_file}");
    assert!(with_file.contains("'memory_available'="), "{with_file}");
    assert!(with_variable.contains("'memory_available'="), "{with_variable}");
    assert_eq!(empty.0, Some(3));
    assert!(
        empty.1.contains("UNKNOWN") && empty.1.contains("`STATUS_TOKEN` is empty"),
        "{}",
        empty.1
    );
    let one_labels = super::health::labels(&one);
    assert!(one_labels == ["memory_available"], "--check keeps one check: {one}");

    // The same labels from a local collection with the same checks, but for the server's own
    // (`http_server`: a one-shot collection has no server; `event_loop_lag`: a one-shot run
    // leaves out the `runtime` section, which would describe only itself).
    let mut over_url = super::health::labels(&with_file);
    let served = over_url.len();
    over_url.retain(|label| label != "http_server" && label != "event_loop_lag");
    assert_eq!(over_url.len() + 2, served, "the server grades its restarts and its runtime");
    // Over --url too, the perfdata carries the server's thresholds.
    let memory = super::health::parse_perfdata(&with_file)
        .into_iter()
        .find(|perf| perf.label == "memory_available")
        .unwrap();
    let (warn, crit) = (memory.warn.unwrap(), memory.crit.unwrap());
    assert_eq!((warn.start, warn.end, crit.start, crit.end), (Some(10.0), None, Some(5.0), None));
    assert_eq!((memory.min, memory.max), (Some(0.0), Some(100.0)));
    std::fs::write(dir.path().join("local.toml"), "[collect]\ninterval = \"5s\"\n").unwrap();
    let output = Command::new(BIN)
        .args(["health", "--config", dir.path().join("local.toml").to_str().unwrap()])
        .output()
        .unwrap();
    let local = super::health::labels(&String::from_utf8_lossy(&output.stdout));
    assert!(!local.is_empty());
    assert_eq!(local, over_url, "perfdata labels do not depend on where the line came from");
}

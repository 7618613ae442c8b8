//! The example host with `--config` and its fake gateway, as a real process: the `gateway` section
//! shows the two containers and the model counts, a model turns unhealthy and the
//! `gateway_models_unhealthy` check warns (then passes again), and the bearer key appears on no
//! surface: the HTTP routes, the page, the history through `status-cli`, every file the host wrote,
//! and its stdout and stderr.

#![expect(
    clippy::disallowed_methods,
    reason = "the test runs the example binary and status-cli as child processes"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const KEY: &str = "sk-agent-host-test-5c1d9e7a3b";

/// The period of the fake gateway's unhealthy model: unhealthy from 1 s to 2 s of each 4 s.
const UNHEALTHY_EVERY: &str = "4s";

/// How long the host runs at most; the test stops it with SIGINT (Ctrl-C) once it has seen enough.
const RUN_FOR: &str = "30s";

/// The host's stderr, collected by a thread, and the address it serves on once it said it.
struct Host {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

fn start(dir: &Path, config: &Path) -> Host {
    let mut child = Command::new(env!("CARGO_BIN_EXE_agent-host"))
        .arg("--config")
        .arg(config)
        .args(["--bind", "127.0.0.1:0", "--interval", "250ms", "--flap-every", "1s"])
        .args(["--gateway-unhealthy-every", UNHEALTHY_EVERY, "--run-for", RUN_FOR])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("AGENT_HOST_GATEWAY_KEY", KEY)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let (addr_tx, addr_rx) = mpsc::channel();
    let mut lines = BufReader::new(child.stderr.take().unwrap());
    let sink = stderr.clone();
    let reader = std::thread::spawn(move || {
        let mut line = Vec::new();
        while lines.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&line);
            if let Some(rest) = text.trim().strip_prefix("agent-host: serving status on http://") {
                let _ = addr_tx.send(rest.trim_end_matches('/').parse::<SocketAddr>().unwrap());
            }
            sink.lock().unwrap().extend_from_slice(&line);
            line.clear();
        }
    });
    let addr = match addr_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(addr) => addr,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the host never said where it serves: {}",
                String::from_utf8_lossy(&stderr.lock().unwrap())
            );
        }
    };
    Host { child, addr, stderr, reader: Some(reader) }
}

impl Drop for Host {
    /// A failed test leaves no process behind.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `GET path` over HTTP/1.0 (so the body is not chunked): the status code and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|window| window == b"\r\n\r\n").expect("a full answer");
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("a status line");
    (status, answer[split + 4..].to_vec())
}

/// The current snapshot; `None` before the first one.
fn status(addr: SocketAddr) -> Option<serde_json::Value> {
    let (code, body) = get(addr, "/status");
    if code == 503 && contains(&body, "no snapshot yet") {
        return None;
    }
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    Some(serde_json::from_slice(&body).unwrap())
}

/// The `gateway_models_unhealthy` check's status in `snapshot`.
fn check(snapshot: &serde_json::Value) -> Option<String> {
    let checks = snapshot["health"]["checks"].as_array()?;
    let found = checks.iter().find(|check| check["name"] == "gateway_models_unhealthy")?;
    found["status"].as_str().map(str::to_owned)
}

/// status-cli from the same build as the example, when the workspace's binaries were built.
#[expect(clippy::print_stderr, reason = "a skipped surface is said, as a missing tool is")]
fn status_cli() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_BIN_EXE_agent-host")).with_file_name("status-cli");
    if path.exists() {
        return Some(path);
    }
    let reason = format!("{} is not built (cargo build -p status-cli)", path.display());
    assert!(std::env::var("CI").as_deref() != Ok("true"), "status-cli is missing: {reason}");
    eprintln!("skipping the history surface: {reason}");
    None
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            found.extend(files_under(&entry.path()));
        } else if kind.is_file() {
            found.push(entry.path());
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[test]
fn the_gateway_shows_its_containers_and_models_and_the_key_is_on_no_surface() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!(
            "[collect]\ndeadline = \"1s\"\n\n[state]\ndir = \"{state}\"\n\n[history]\nenabled = true\n\n\
             [files]\ndir = \"{files}\"\n\n[gateway]\nhealth_timeout = \"500ms\"\n",
            state = dir.path().join("state").display(),
            files = dir.path().join("files").display(),
        ),
    )
    .unwrap();
    let mut host = start(dir.path(), &config);

    // Watch /status until the unhealthy model has come and gone (the check warned, then passed).
    let started = Instant::now();
    let (mut warned, mut passed_after) = (None, None);
    while passed_after.is_none() && started.elapsed() < Duration::from_secs(9) {
        std::thread::sleep(Duration::from_millis(100));
        let Some(snapshot) = status(host.addr) else { continue };
        let gateway = &snapshot["gateway"];
        if gateway["unhealthy_models"] == 1 && check(&snapshot).as_deref() == Some("warn") {
            warned.get_or_insert(snapshot.clone());
        } else if warned.is_some() && gateway["unhealthy_models"] == 0 {
            passed_after = Some(snapshot.clone());
        }
    }
    let warned = warned.expect("no snapshot showed the unhealthy model with the check warning");
    let passed = passed_after.expect("the model never turned healthy again");
    assert_eq!(warned["gateway"]["mode"], "proxy");
    assert_eq!(warned["gateway"]["healthy_models"], 2);
    assert_eq!(passed["gateway"]["healthy_models"], 3);
    assert_eq!(check(&passed).as_deref(), Some("pass"));
    for container in agent_host::CONTAINERS {
        let state = &passed["gateway"]["containers"][container];
        assert_eq!(state["state"], "running", "{container}: {}", passed["gateway"]);
        assert_eq!(state["health"], "healthy");
        assert_eq!(passed["containers"][container]["state"], "running");
    }
    assert!(
        passed["collection"]["sections"]["gateway"]["unmeasured"].is_null()
            || passed["collection"]["sections"]["gateway"]["unmeasured"] == serde_json::json!({})
    );

    // Every HTTP surface, while the host runs.
    let mut surfaces: Vec<(String, Vec<u8>)> = Vec::new();
    let paths = ["/status", "/status?terse", "/metrics", "/health", "/", "/status/gateway"];
    for path in paths {
        let (code, body) = get(host.addr, path);
        assert!(code == 200 || (path == "/health" && code == 503), "{path}: {code}");
        assert!(!body.is_empty(), "{path} answered nothing");
        surfaces.push((path.to_owned(), body));
    }
    assert!(surfaces[1].1.len() < surfaces[0].1.len() / 4, "?terse is the terse record");
    let metrics = String::from_utf8_lossy(&surfaces[2].1).into_owned();
    assert!(metrics.contains("gateway"), "/metrics has the gateway: {metrics}");

    let pid = rustix::process::Pid::from_child(&host.child);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let status = host.child.wait().unwrap();
    host.reader.take().unwrap().join().unwrap();
    let mut stdout = Vec::new();
    host.child.stdout.take().unwrap().read_to_end(&mut stdout).unwrap();
    let stderr = host.stderr.lock().unwrap().clone();
    assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
    assert!(
        contains(&stderr, "fake gateway: model unhealthy"),
        "{}",
        String::from_utf8_lossy(&stderr)
    );
    surfaces.push(("the host's stdout".into(), stdout));
    surfaces.push(("the host's stderr".into(), stderr));

    // The history through status-cli, and every file the host wrote (the latest file among them).
    if let Some(cli) = status_cli() {
        let output = Command::new(cli)
            .args(["history", "--since", "1h", "--config"])
            .arg(&config)
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(contains(&output.stdout, "gateway"), "{}", String::from_utf8_lossy(&output.stdout));
        surfaces.push(("status-cli history (stdout)".into(), output.stdout));
        surfaces.push(("status-cli history (stderr)".into(), output.stderr));
    }
    let files = files_under(dir.path());
    let latest = dir.path().join("files");
    assert!(
        files
            .iter()
            .any(|file| file.starts_with(&latest)
                && file.to_string_lossy().ends_with(".latest.json")),
        "no latest file among {files:?}"
    );
    for file in files {
        surfaces.push((file.display().to_string(), std::fs::read(&file).unwrap()));
    }

    for (surface, bytes) in &surfaces {
        assert!(!contains(bytes, KEY), "the bearer key is in {surface}");
    }
}

/// A config file the CLI would refuse is refused here too, naming the file, the line and the key;
/// a missing one names the path. Neither starts the host.
#[test]
fn a_bad_config_is_refused_naming_where() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(&config, "[gateway]\nhealth_timeout = \"5s\"\nbogus = 1\n").unwrap();
    let missing = dir.path().join("absent.toml");
    let cases: [(&Path, &[&str]); 2] =
        [(&config, &["line 3", "bogus"]), (&missing, &["absent.toml"])];
    for (path, expected) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_agent-host"))
            .arg("--config")
            .arg(path)
            .args(["--bind", "127.0.0.1:0", "--run-for", "1s", "--data-dir"])
            .arg(dir.path().join("data"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        for text in expected {
            assert!(stderr.contains(text), "{text:?} in {stderr}");
        }
        assert!(!stderr.contains("serving status"), "it never started: {stderr}");
    }
}

//! `serve` at a low open-file limit with more idle connections than it allows: plain reads stay
//! quick, and the collectors never run out of files.

use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{BIN, http_get};

/// A server child, its stderr, its address and what it logged until it listened.
type Served = (Server, BufReader<std::process::ChildStderr>, String, String);

/// The server child, killed if a test fails before stopping it.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `status-cli serve` under `sh -c "ulimit …"`.
fn serve_under(ulimit: &str) -> Served {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{ulimit} && exec \"$0\" serve --bind 127.0.0.1:0 --interval 5s"))
        .arg(BIN)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let mut prelude = String::new();
    let addr = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
        prelude.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    (Server(child), stderr, addr, prelude)
}

fn stop(mut server: Server, mut stderr: BufReader<std::process::ChildStderr>) -> String {
    let pid = rustix::process::Pid::from_raw(i32::try_from(server.0.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(server.0.wait().unwrap().success());
    rest
}

fn sequence(addr: &str) -> u64 {
    loop {
        let (status, body) = http_get(addr, "/status");
        if status == 200 {
            let snapshot: serde_json::Value = serde_json::from_str(&body).unwrap();
            return snapshot["collection"]["sequence"].as_u64().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn at_ulimit_1024_with_1100_idle_connections_reads_stay_quick_and_collectors_keep_their_files() {
    let (child, stderr, addr, _) = serve_under("ulimit -n 1024");
    let start = sequence(&addr);
    let idle: Vec<TcpStream> = (0..1100).map(|_| TcpStream::connect(&addr).unwrap()).collect();

    let mut times: Vec<Duration> = (0..200)
        .map(|_| {
            let began = Instant::now();
            let (status, _) = http_get(&addr, "/status");
            assert_eq!(status, 200);
            began.elapsed()
        })
        .collect();
    times.sort();
    let p99 = times[197];
    // A collection ran with the idle connections open (every 5 s, the shortest interval).
    while sequence(&addr) < start + 1 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_, body) = http_get(&addr, "/status");
    let snapshot: serde_json::Value = serde_json::from_str(&body).unwrap();

    // The server kept at most the limit less the collectors' reserve (1024 - 128) of them.
    let mut open = 0;
    for stream in &idle {
        stream.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        match stream.peek(&mut byte) {
            Err(error) if error.kind() == ErrorKind::WouldBlock => open += 1,
            _ => {}
        }
    }
    drop(idle);
    let log = stop(child, stderr);
    assert!(p99 < Duration::from_millis(50), "/status p99 {p99:?} (median {:?})", times[100]);
    assert!(open <= 896, "{open} idle connections kept open");
    for (name, report) in snapshot["collection"]["sections"].as_object().unwrap() {
        let reason = report["reason"].as_str().unwrap_or_default();
        assert!(!reason.contains("Too many open files"), "{name}: {reason}");
    }
    assert!(!log.contains("Too many open files"), "{log}");
}

#[test]
fn serve_raises_the_soft_open_file_limit_to_the_hard_one_and_logs_both() {
    let (child, stderr, addr, prelude) = serve_under("ulimit -S -n 512 && ulimit -H -n 4096");
    sequence(&addr);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.0.id())).unwrap();
    let line = limits.lines().find(|line| line.starts_with("Max open files")).unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers, ["4096", "4096"], "{line}");
    let logged = prelude.lines().find(|line| line.contains("open-file limit")).expect(&prelude);
    // The fields may be coloured: `soft_before`, `=`, `Some(512)` apart.
    for part in ["soft_before", "Some(512)", "soft", "hard", "Some(4096)"] {
        assert!(logged.contains(part), "{logged}");
    }
    stop(child, stderr);
}

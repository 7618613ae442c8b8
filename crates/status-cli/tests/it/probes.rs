//! `serve` with a host-database probe that would run for minutes: the statement is interrupted at
//! the probe's deadline and counted in `abandoned_total`, the server's CPU goes back to idle, and
//! the other probe on that database answers every cycle. Measured on the server child alone (its
//! CPU time from /proc, not wall time), so other tests of this binary do not count.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{BIN, http_get};

/// The server child, killed if the test fails before stopping it.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process's CPU time (user + system) from /proc/<pid>/stat, in clock ticks (USER_HZ, 100 a
/// second on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn snapshot(addr: &str) -> Option<serde_json::Value> {
    let (status, body) = http_get(addr, "/status");
    (status == 200).then(|| serde_json::from_str(&body).unwrap())
}

#[test]
#[expect(clippy::print_stderr, reason = "the measured CPU is the figure to report")]
fn a_probe_past_its_deadline_is_interrupted_counted_and_the_server_idles_after() {
    let dir = tempfile::tempdir().unwrap();
    // An empty file is an empty SQLite database: the runaway probe needs no table.
    std::fs::write(dir.path().join("app.db"), b"").unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!(
            "[collect]\ndeadline = \"1s\"\n[state]\ndir = \"{dir}/state\"\n\
             [[databases]]\nname = \"app\"\nurl = \"{dir}/app.db\"\n\
             [[databases.probes]]\nname = \"forever\"\n\
             sql = \"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c\"\n\
             [[databases.probes]]\nname = \"quick\"\nsql = \"SELECT COUNT(*) FROM sqlite_master\"\n",
            dir = dir.path().display()
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--interval", "5s", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let server = Server(child);
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // Drain the logs so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));

    let began = Instant::now();
    let first = loop {
        if let Some(snapshot) = snapshot(&addr) {
            break snapshot;
        }
        assert!(began.elapsed() < Duration::from_secs(30), "no snapshot within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The collection is over: the runaway statement reached the probe's deadline (0.9 s) and was
    // interrupted there. The next collection starts 5 s after this one did; measure in between,
    // from 0.5 s after the snapshot was served.
    let served_at = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let pid = server.0.id();
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(2));
    let busy = cpu_ticks(pid) - before;
    let window_end = served_at.elapsed();

    let report = &first["collection"]["sections"]["probes"];
    assert_eq!(report["outcome"], "ok", "{report}");
    let reason = report["unmeasured"]["forever"].as_str().unwrap_or_default();
    assert!(reason.contains("the statement was interrupted"), "{report}");
    assert_eq!(first["collection"]["abandoned_total"], 1, "{report}");
    assert_eq!(first["probes"]["quick"]["value"], 0.0, "{report}");
    assert!(report["duration_ms"].as_f64().unwrap() < 1000.0, "{report}");
    // Under 30 % of one core (60 of 200 ticks) over the 2 s: the statement no longer runs. A
    // statement left running would show 200.
    assert!(window_end < Duration::from_secs(4), "the window overran the next collection");
    eprintln!("server CPU in the 2 s window after the deadline: {busy} ticks of 200");
    assert!(busy < 60, "{busy} ticks of CPU in the 2 s after the deadline (of 200)");

    // The next cycle: counted again, and the other probe still answers in time.
    let second = loop {
        let snapshot = snapshot(&addr).unwrap();
        if snapshot["collection"]["sequence"].as_u64().unwrap() >= 2 {
            break snapshot;
        }
        assert!(began.elapsed() < Duration::from_secs(60), "no second collection");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(second["collection"]["abandoned_total"], 2);
    assert_eq!(second["probes"]["quick"]["value"], 0.0, "{}", second["collection"]);

    let pid = rustix::process::Pid::from_raw(i32::try_from(pid).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut server = server;
    assert!(server.0.wait().unwrap().success());
}

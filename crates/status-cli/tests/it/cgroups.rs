//! `status-cli serve` inside real control groups (v1 or v2, whichever the machine mounts): a
//! 256 MiB memory limit shows in the snapshot and in `memory_available`, which warns once a child
//! in the cgroup holds past 80 % of it; a 0.2-CPU quota with a busy child shows throttling and
//! `cpu_throttled` warns. Needs root (or a delegated cgroup); skipped with the reason otherwise,
//! unless `CI=true`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::BIN;

const LIMIT: u64 = 256 * 1024 * 1024;

/// A cgroup this test made: its processes are killed and it is removed when dropped.
struct Cgroup {
    dir: PathBuf,
    children: Vec<Child>,
}

impl Cgroup {
    /// Makes `name` under `mount`; `None` (with the reason) when that is not permitted.
    fn make(mount: &Path, name: &str) -> Result<Cgroup, String> {
        let dir = mount.join(name);
        std::fs::create_dir(&dir)
            .map_err(|error| format!("cannot create cgroup {}: {error}", dir.display()))?;
        Ok(Cgroup { dir, children: Vec::new() })
    }

    fn write(&self, file: &str, value: &str) {
        let path = self.dir.join(file);
        std::fs::write(&path, value).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }

    /// Runs `program args…` inside this cgroup: a shell moves itself in, then execs it.
    fn spawn(&mut self, program: &str, args: &[&str]) -> &mut Child {
        let procs = self.dir.join("cgroup.procs");
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("echo $$ > '{}' && exec \"$0\" \"$@\"", procs.display()))
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.children.push(child);
        self.children.last_mut().unwrap()
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The kernel removes a cgroup once its last task has gone; that can take a moment.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The cgroup mounts: (version, memory mount, cpu mount).
fn mounts() -> (u8, PathBuf, PathBuf) {
    let root = Path::new("/sys/fs/cgroup");
    if root.join("cgroup.controllers").exists() {
        (2, root.to_owned(), root.to_owned())
    } else {
        (1, root.join("memory"), root.join("cpu"))
    }
}

/// Skips (returns `None` after saying why) unless `CI=true`, where it fails.
fn skip(reason: &str) -> Option<Cgroup> {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true needs cgroups: {reason}");
    #[expect(clippy::print_stderr, reason = "a skipped test says why")]
    {
        eprintln!("skipped: {reason}");
    }
    None
}

fn make(mount: &Path, version: u8, controller: &str, purpose: &str) -> Option<Cgroup> {
    if version == 2 {
        // The parent must hand the controller down to its children.
        let control = mount.join("cgroup.subtree_control");
        if let Err(error) = std::fs::write(&control, format!("+{controller}")) {
            return skip(&format!("cannot enable {controller} in {}: {error}", control.display()));
        }
    }
    let name = format!("status-test-{}-{purpose}", std::process::id());
    Cgroup::make(mount, &name).map_or_else(|reason| skip(&reason), Some)
}

/// Starts `serve` with `config` in `cgroup`; returns its address.
fn serve(cgroup: &mut Cgroup, config: &Path) -> String {
    let child = cgroup
        .spawn(BIN, &["serve", "--config", config.to_str().unwrap(), "--bind", "127.0.0.1:0"]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
        if let Some(rest) = line.split("http://").nth(1) {
            // Keep draining its log so it never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            return rest.split('/').next().unwrap().to_owned();
        }
    }
}

/// A fresh snapshot (`?fresh=1`) as JSON.
fn fresh(addr: &str) -> serde_json::Value {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET /status?fresh=1 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {response}"))
}

fn check<'a>(snapshot: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    snapshot["health"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {}", snapshot["health"]))
}

/// Polls fresh snapshots (at most one a second, the server's `min_refresh`) until `done` holds.
fn until(addr: &str, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let snapshot = fresh(addr);
        if done(&snapshot) {
            return snapshot;
        }
        assert!(
            Instant::now() < deadline,
            "{what} within 60 s; last: {}\n{}",
            snapshot["process"]["cgroup"],
            snapshot["health"]
        );
        std::thread::sleep(Duration::from_millis(1100));
    }
}

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("status.toml");
    // 20 %: the acceptance point is "past 80 % of the limit warns".
    std::fs::write(
        &path,
        format!(
            "[state]\ndir = \"{}\"\n[health.memory_available]\nwarn_below = 20.0\nfail_below = 5.0\n",
            dir.join("state").display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_memory_limit_shows_and_filling_it_warns() {
    let (version, memory_mount, _) = mounts();
    let Some(mut cgroup) = make(&memory_mount, version, "memory", "mem") else { return };
    cgroup.write(if version == 2 { "memory.max" } else { "memory.limit_in_bytes" }, "268435456");
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(&mut cgroup, &config(dir.path()));

    let snapshot = until(&addr, "the cgroup limit in the snapshot", |s| {
        s["process"]["cgroup"]["memory"]["limit_bytes"] == LIMIT
    });
    assert_eq!(snapshot["process"]["cgroup"]["version"], version);
    let memory = check(&snapshot, "memory_available");
    assert_eq!(memory["details"]["cgroup_limit_bytes"], LIMIT.to_string(), "{memory}");
    assert_eq!(memory["details"]["bound"], "cgroup", "{memory}");
    assert_eq!(memory["status"], "pass", "{memory}");

    // A child holds 215 MiB of tmpfs pages, charged to the cgroup and not reclaimable without
    // swap: with the server's own memory, past 80 % of the limit.
    let file = PathBuf::from(format!("/dev/shm/status-test-{}", std::process::id()));
    let _remove = Remove(file.clone());
    let filler = cgroup
        .spawn("dd", &["if=/dev/zero", &format!("of={}", file.display()), "bs=1M", "count=215"]);
    assert!(filler.wait().unwrap().success(), "dd could not fill {}", file.display());
    let snapshot = until(&addr, "memory_available to warn", |s| {
        check(s, "memory_available")["status"] == "warn"
    });
    let memory = check(&snapshot, "memory_available");
    assert_eq!(memory["details"]["bound"], "cgroup", "{memory}");
    let headroom: u64 =
        memory["details"]["cgroup_headroom_bytes"].as_str().unwrap().parse().unwrap();
    assert!(headroom < LIMIT / 5, "{memory}");
}

/// Removes a file when dropped.
struct Remove(PathBuf);

impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn a_cpu_quota_throttles_a_busy_child_and_warns() {
    let (version, _, cpu_mount) = mounts();
    let Some(mut cgroup) = make(&cpu_mount, version, "cpu", "cpu") else { return };
    if version == 2 {
        cgroup.write("cpu.max", "20000 100000");
    } else {
        cgroup.write("cpu.cfs_period_us", "100000");
        cgroup.write("cpu.cfs_quota_us", "20000");
    }
    let dir = tempfile::tempdir().unwrap();
    let addr = serve(&mut cgroup, &config(dir.path()));
    // The server's own start-up can be throttled under the quota on a busy machine: wait for an
    // interval in which it idles, and the check passes.
    until(&addr, "the CPU quota in the snapshot and cpu_throttled passing", |s| {
        s["process"]["cgroup"]["cpu"]["quota_cpus"] == 0.2
            && check(s, "cpu_throttled")["status"] == "pass"
    });

    cgroup.spawn("sh", &["-c", "while :; do :; done"]);
    let snapshot =
        until(&addr, "cpu_throttled to warn", |s| check(s, "cpu_throttled")["status"] == "warn");
    let cpu = &snapshot["process"]["cgroup"]["cpu"];
    assert!(cpu["throttled_pct"].as_f64().unwrap() > 20.0, "{cpu}");
    assert!(cpu["throttled_periods_total"].as_u64().unwrap() > 0, "{cpu}");
}

//! `[target]`: `service` and `process` describe another process, found by pid, pidfile, name or
//! systemd unit (a real cgroup), on whichever backend this build uses.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use status_collect::testing::{Engine, HealthEvaluator, collectors};
use status_collect::{Config, HealthConfig, TargetConfig};
use status_deps::NoDeps;
use status_model::{HealthStatus, ServiceStatus, Snapshot};
use tokio::time::Instant;

/// A child that is killed and reaped however the test ends.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Guard {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn kill(&mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

/// A name no other process on the machine has (at most 15 bytes, as `comm` keeps).
fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("st{}x{}", std::process::id() % 1_000_000, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Starts a copy of `sleep` under `name`, so it can be found by that name.
#[expect(clippy::disallowed_methods, reason = "the target is a real child process")]
fn named_sleep(dir: &Path, name: &str) -> Guard {
    let sleep = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .expect("a `sleep` binary");
    let copy = dir.join(name);
    if !copy.exists() {
        std::fs::copy(sleep, &copy).unwrap();
    }
    // A child another test forks while the copy is open for writing holds it open until it execs:
    // `ETXTBSY` for that moment. Tried again a few times.
    for _ in 0..50 {
        let spawned = Command::new(&copy)
            .arg("60")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(child) => return Guard(child),
            Err(error) if error.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(error) => panic!("cannot start {}: {error}", copy.display()),
        }
    }
    panic!("{} stayed busy for a second", copy.display());
}

fn config(target: TargetConfig) -> Config {
    let mut config = Config { target, ..Config::default() };
    config.terminals.enabled = false;
    config
}

fn engine(config: &Config) -> Engine {
    Engine::new(
        collectors::standard(config, Arc::new(NoDeps), Default::default()),
        config.collect.deadline,
    )
}

/// Resident bytes of `pid` as the backend reads them: `/proc/<pid>/stat` (field 24, in pages) on the
/// `/proc` backend, `/proc/<pid>/statm` (field 2, in pages) through sysinfo. (The kernel sums its
/// per-CPU counters for `statm` and not for `stat`: the two may differ by a few pages.)
fn proc_rss(pid: u32) -> u64 {
    let pages: u64 = if cfg!(feature = "procfs") {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
        fields[24 - 3].parse().unwrap()
    } else {
        let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
        statm.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    pages * rustix::param::page_size() as u64
}

/// The snapshot describes `pid`, started at `spawned` (or before).
fn assert_describes(snapshot: &Snapshot, pid: u32, age: f64, name: Option<&str>) {
    let json = serde_json::to_value(snapshot).unwrap();
    let process = snapshot.process.value().unwrap_or_else(|| panic!("no process: {json}"));
    assert_eq!(process.pid, pid, "{json}");
    assert_eq!(process.rss_bytes, Some(proc_rss(pid)), "{json}");
    let service = snapshot.service.value().unwrap();
    assert_eq!(service.status, ServiceStatus::Ok);
    assert!(
        service.uptime_seconds >= age,
        "uptime {} < the child's age {age}",
        service.uptime_seconds
    );
    assert!(service.uptime_seconds < age + 60.0, "{json}");
    if let Some(name) = name {
        assert_eq!(service.name, name);
    }
    assert_eq!(service.version.as_deref(), Some("1.2.3"));
    // The runtime section could only describe the collector: it is left out.
    assert!(snapshot.runtime.is_not_configured(), "{json}");
    assert!(
        json.get("runtime").is_none() && json["collection"]["sections"].get("runtime").is_none()
    );
}

async fn collect_after_a_second(engine: &Engine, spawned: Instant) -> (Snapshot, f64) {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let age = spawned.elapsed().as_secs_f64();
    (engine.collect().await, age)
}

fn assert_gone(snapshot: &Snapshot) {
    let json = serde_json::to_value(snapshot).unwrap();
    assert_eq!(snapshot.service.value().unwrap().status, ServiceStatus::Gone, "{json}");
    assert_eq!(json["collection"]["sections"]["process"]["outcome"], "unavailable", "{json}");
    let report = HealthEvaluator::new(&HealthConfig::default()).evaluate(snapshot);
    let check = report.checks.iter().find(|check| check.name == "shutting_down").unwrap();
    assert_eq!(check.status, HealthStatus::Fail, "{check:?}");
    assert!(check.message.contains("gone"), "{check:?}");
    assert_eq!(report.status, HealthStatus::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_by_pid_is_described_then_gone() {
    let dir = tempfile::tempdir().unwrap();
    let name = unique_name();
    let spawned = Instant::now();
    let mut child = named_sleep(dir.path(), &name);
    let target = TargetConfig {
        pid: Some(child.pid()),
        version: Some("1.2.3".into()),
        ..TargetConfig::default()
    };
    let engine = engine(&config(target));
    let (snapshot, age) = collect_after_a_second(&engine, spawned).await;
    assert_describes(&snapshot, child.pid(), age, Some(&name));
    // A second collection has a CPU rate of the target (a sleeping process: 0 %).
    let again = engine.collect().await;
    assert_eq!(again.process.value().unwrap().cpu_pct, Some(0.0));

    child.kill();
    assert_gone(&engine.collect().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_by_pidfile_follows_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("app.pid");
    let target = TargetConfig {
        pidfile: Some(pidfile.clone()),
        version: Some("1.2.3".into()),
        ..TargetConfig::default()
    };
    let engine = engine(&config(target));
    // No pidfile yet: unavailable, with the reason.
    let snapshot = engine.collect().await;
    let json = serde_json::to_value(&snapshot).unwrap();
    for section in ["service", "process"] {
        let report = &json["collection"]["sections"][section];
        assert_eq!(report["outcome"], "unavailable", "{json}");
        assert!(report["reason"].as_str().unwrap().contains("cannot read pidfile"), "{json}");
    }

    let spawned = Instant::now();
    let mut child = named_sleep(dir.path(), &unique_name());
    std::fs::write(&pidfile, format!("{}\n", child.pid())).unwrap();
    let (snapshot, age) = collect_after_a_second(&engine, spawned).await;
    assert_describes(&snapshot, child.pid(), age, None);
    child.kill();
    assert_gone(&engine.collect().await);

    std::fs::write(&pidfile, "not a pid\n").unwrap();
    let json = serde_json::to_value(engine.collect().await).unwrap();
    let reason = json["collection"]["sections"]["process"]["reason"].as_str().unwrap();
    assert!(reason.contains("does not hold a process id"), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_by_name_is_the_newest_match() {
    let dir = tempfile::tempdir().unwrap();
    let name = unique_name();
    let target = TargetConfig {
        name: Some(name.clone()),
        version: Some("1.2.3".into()),
        ..TargetConfig::default()
    };
    let engine = engine(&config(target));
    let json = serde_json::to_value(engine.collect().await).unwrap();
    let reason = json["collection"]["sections"]["service"]["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("no process is named {name:?}")), "{json}");

    let older = named_sleep(dir.path(), &name);
    // Start times are in clock ticks (10 ms): the newer one starts at least a tick later.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let spawned = Instant::now();
    let mut newer = named_sleep(dir.path(), &name);
    let (snapshot, age) = collect_after_a_second(&engine, spawned).await;
    assert_describes(&snapshot, newer.pid(), age, Some(&name));
    newer.kill();
    // The older one still runs under the name: it is the target now, and the CPU rate starts over.
    let snapshot = engine.collect().await;
    assert_eq!(snapshot.process.value().unwrap().pid, older.pid());
    assert!(snapshot.collection.sections["process"].unmeasured.contains_key("cpu_pct"));
}

/// The cgroup v2 hierarchy this machine lets root write, if any.
fn writable_cgroup2() -> Option<PathBuf> {
    let mount = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].into_iter().map(PathBuf::from).find(
        |dir| dir.join("cgroup.procs").is_file() && dir.join("cgroup.controllers").is_file(),
    )?;
    let probe = mount.join(format!("status-probe-{}", std::process::id()));
    std::fs::create_dir(&probe).ok()?;
    std::fs::remove_dir(&probe).ok()?;
    Some(mount)
}

/// Removes the test's cgroups (they are empty once their processes are reaped).
struct CgroupGuard(Vec<PathBuf>);

impl Drop for CgroupGuard {
    fn drop(&mut self) {
        for dir in self.0.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_by_systemd_unit_is_the_main_process_of_its_cgroup() {
    let Some(mount) = writable_cgroup2() else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must run this test as root with a writable cgroup v2 hierarchy"
        );
        #[expect(clippy::print_stderr, reason = "a skipped test says why")]
        {
            eprintln!("skipped: no writable cgroup v2 hierarchy (needs root)");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let unit = format!("{}.service", unique_name());
    let slice = mount.join(format!("status-test-{}.slice", unique_name()));
    let unit_dir = slice.join(&unit);
    std::fs::create_dir(&slice).unwrap();
    std::fs::create_dir(&unit_dir).unwrap();
    let _cgroups = CgroupGuard(vec![slice.clone(), unit_dir.clone()]);
    // A missing unit is unavailable, an empty one too (it never ran).
    let target = |unit: &str| TargetConfig {
        systemd_unit: Some(unit.to_owned()),
        version: Some("1.2.3".into()),
        ..TargetConfig::default()
    };
    let json =
        serde_json::to_value(engine(&config(target("nothere.service"))).collect().await).unwrap();
    let reason = json["collection"]["sections"]["service"]["reason"].as_str().unwrap();
    assert!(reason.contains("has no cgroup"), "{json}");
    let engine = engine(&config(target(&unit)));
    let json = serde_json::to_value(engine.collect().await).unwrap();
    let reason = json["collection"]["sections"]["service"]["reason"].as_str().unwrap();
    assert!(reason.contains("has no processes"), "{json}");

    // The main process and a later one beside it (both with parents outside): the oldest is main.
    let spawned = Instant::now();
    let mut main = named_sleep(dir.path(), &unique_name());
    std::fs::write(unit_dir.join("cgroup.procs"), main.pid().to_string()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let mut helper = named_sleep(dir.path(), &unique_name());
    std::fs::write(unit_dir.join("cgroup.procs"), helper.pid().to_string()).unwrap();
    let (snapshot, age) = collect_after_a_second(&engine, spawned).await;
    assert_describes(&snapshot, main.pid(), age, None);

    main.kill();
    helper.kill();
    assert_gone(&engine.collect().await);
}

#[test]
fn a_target_table_names_one_process() {
    let err = |text: &str| Config::parse(text, "t.toml").unwrap_err().to_string();
    assert!(err("[target]\npid = 1\nname = \"app\"\n").contains("not several"));
    assert!(err("[target]\nversion = \"1\"\n").contains("needs one of"));
    assert!(err("[target]\npid = 0\n").contains("not 0"));
    assert!(err("[target]\nname = \"a/b\"\n").contains("without `/`"));
    assert!(err("[target]\nsystemd_unit = \"../x\"\n").contains("not a unit name"));
    assert!(err("[target]\npid = 1\ncgroup_root = \"/x\"\n").contains("only with `systemd_unit`"));
    assert!(err("[target]\nprocess = 1\n").contains("unknown field `process`"));
    let config = Config::parse("[target]\nname = \"app\"\nversion = \"2\"\n", "t.toml").unwrap();
    assert_eq!(config.target.name.as_deref(), Some("app"));
}

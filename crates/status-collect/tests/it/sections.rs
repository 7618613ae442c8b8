//! Snapshot tests of the standard sections: `service` from a mock host, `process` and `host` from a
//! fixture root that mimics `/proc`, `/sys` and `/etc`, and `runtime` from the test's own runtime.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use status_collect::HealthConfig;
use status_collect::testing::collectors::{
    HostCollector, ProcessCollector, RuntimeCollector, ServiceCollector, ShutdownFlag,
};
use status_collect::testing::{Collector, Engine, EngineSettings, HealthEvaluator};
use status_deps::MockStatusDeps;
use status_model::{Outcome, Snapshot};

use crate::common;

/// Writes a fixture machine: 2 CPUs, 16 GiB, a cgroup limit of 512 tasks, pid 4242 with 3 fds.
fn fixture_root(dir: &Path) {
    let files: &[(&str, &str)] = &[
        ("proc/loadavg", "0.52 0.58 0.59 3/612 123456\n"),
        (
            "proc/meminfo",
            "MemTotal:       16777216 kB\nMemFree:         1048576 kB\nMemAvailable:    8388608 kB\nSwapTotal:       2097152 kB\nSwapFree:        2097152 kB\n",
        ),
        ("proc/stat", "cpu  10 0 10 100\ncpu0 5 0 5 50\ncpu1 5 0 5 50\nbtime 1700000000\n"),
        ("proc/sys/kernel/hostname", "fixture-host\n"),
        ("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n"),
        ("proc/sys/kernel/pid_max", "4194304\n"),
        ("proc/sys/kernel/threads-max", "127000\n"),
        (
            "proc/self/stat",
            "4242 (agent host) S 1 4242 4242 0 -1 4194560 2000 0 0 0 150 50 0 0 20 0 7 0 360000 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
        ),
        ("proc/self/cgroup", "0::/app.slice/agent.service\n"),
        ("proc/self/fd/0", ""),
        ("proc/self/fd/1", ""),
        ("proc/self/fd/2", ""),
        (
            "proc/self/limits",
            "Limit Soft Hard Units\nMax open files            1024                 524288               files     \n",
        ),
        (
            "proc/pressure/cpu",
            "some avg10=1.50 avg60=0.80 avg300=0.20 total=123456789\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        ),
        (
            "proc/pressure/memory",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=17\n",
        ),
        (
            "proc/pressure/io",
            "some avg10=0.25 avg60=0.10 avg300=0.05 total=9000000\nfull avg10=0.10 avg60=0.05 avg300=0.01 total=4000000\n",
        ),
        ("sys/fs/cgroup/cgroup.controllers", "cpu memory pids io\n"),
        ("sys/fs/cgroup/app.slice/agent.service/memory.max", "268435456\n"),
        ("sys/fs/cgroup/app.slice/agent.service/memory.current", "104857600\n"),
        ("sys/fs/cgroup/app.slice/agent.service/memory.peak", "150000000\n"),
        (
            "sys/fs/cgroup/app.slice/agent.service/memory.stat",
            "anon 83886080\nfile 20971520\ninactive_file 10485760\n",
        ),
        (
            "sys/fs/cgroup/app.slice/agent.service/memory.events",
            "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
        ),
        ("sys/fs/cgroup/app.slice/agent.service/memory.swap.max", "0\n"),
        ("sys/fs/cgroup/app.slice/agent.service/cpu.max", "50000 100000\n"),
        (
            "sys/fs/cgroup/app.slice/agent.service/cpu.stat",
            "usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\nnr_periods 40\nnr_throttled 4\nthrottled_usec 120000\n",
        ),
        (
            "sys/fs/cgroup/app.slice/agent.service/cpu.pressure",
            "some avg10=3.00 avg60=1.00 avg300=0.50 total=500000\nfull avg10=1.00 avg60=0.50 avg300=0.10 total=200000\n",
        ),
        ("sys/fs/cgroup/app.slice/agent.service/pids.max", "512\n"),
        ("sys/fs/cgroup/app.slice/agent.service/pids.current", "64\n"),
        (
            "etc/os-release",
            "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        ),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn host() -> Arc<MockStatusDeps> {
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| Some("agent-host".into()));
    deps.expect_version().returning(|| Some("1.4.2".into()));
    deps.expect_is_shutting_down().returning(|| Ok(false));
    Arc::new(deps)
}

fn env(vars: &[(&str, &str)]) -> status_collect::testing::collectors::EnvLookup {
    let vars: BTreeMap<String, String> =
        vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    Arc::new(move |name| vars.get(name).cloned())
}

async fn collect(root: &Path, env_vars: &[(&str, &str)]) -> Snapshot {
    let collectors: Vec<Arc<dyn Collector>> = vec![
        Arc::new(ServiceCollector::new(host(), None, ShutdownFlag::default())),
        Arc::new(ProcessCollector::with_root(root, env(env_vars))),
        Arc::new(HostCollector::with_root(root, vec![root.join("proc"), root.join("no/such/dir")])),
        Arc::new(RuntimeCollector::start()),
    ];
    let settings = EngineSettings {
        deadline: Duration::from_secs(2),
        interval: Some(Duration::from_secs(30)),
        health: Some(Arc::new(HealthEvaluator::new(&HealthConfig::default()))),
    };
    let engine = Engine::with_settings(collectors, settings);
    engine.collect().await;
    engine.collect().await
}

fn assert_snapshot(name: &str, value: &serde_json::Value, extra: &[&str]) {
    let mut settings = common::settings();
    common::redact(&mut settings, extra);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_sections() {
    let dir = tempfile::tempdir().unwrap();
    fixture_root(dir.path());
    let snapshot = collect(dir.path(), &[("INVOCATION_ID", "0123abcd")]).await;
    for (name, report) in &snapshot.collection.sections {
        assert_eq!(report.outcome, Outcome::Ok, "{name}: {report:?}");
    }
    // The temp dir's name changes from run to run.
    let text = serde_json::to_string(&snapshot)
        .unwrap()
        .replace(&dir.path().display().to_string(), "<tempdir>");
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Disk figures are of the real file system that holds the temp dir; their presence is pinned.
    assert!(json["host"]["disks"]["<tempdir>/proc"]["total_bytes"].as_u64().unwrap() > 0);
    assert_snapshot("host", &json["host"], &[".disks.*.total_bytes", ".disks.*.available_bytes"]);
    assert_snapshot("process", &json["process"], &[]);
    assert_snapshot("service", &json["service"], &[".started_at"]);
    assert_snapshot(
        "runtime",
        &json["runtime"],
        &[".event_loop_lag_ms", ".alive_tasks", ".global_queue_depth"],
    );
    let reason =
        &json["collection"]["sections"]["host"]["unmeasured"]["disks.<tempdir>/no/such/dir"];
    assert!(reason.as_str().unwrap().contains("No such file or directory"), "{reason}");
    assert_snapshot(
        "collection",
        &json["collection"],
        &[
            ".taken_at",
            ".duration_ms",
            ".sections.*.duration_ms",
            ".sequence",
            ".sections.runtime.unmeasured",
        ],
    );

    // The disk check over the real file system: its verdict depends on this machine's free space.
    let checks = json["health"]["checks"].as_array_mut().unwrap();
    let disks: Vec<serde_json::Value> =
        checks.extract_if(.., |c| c["component"] == "disk").collect();
    let names: Vec<&str> = disks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["disk_available:<tempdir>/no/such/dir", "disk_available:<tempdir>/proc"]);
    assert_eq!(disks[0]["status"], "warn", "an unreadable path warns");
    assert_snapshot(
        "health",
        &json["health"],
        &[
            ".status_since",
            ".checks[].time",
            ".checks[].status_since",
            ".status",
            ".checks[3].message",
            ".checks[3].observed_value",
        ],
    );
}

#[tokio::test]
async fn supervisors_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    fixture_root(dir.path());
    let pm2_parent = dir.path().join("proc/1/cmdline");
    std::fs::create_dir_all(pm2_parent.parent().unwrap()).unwrap();
    std::fs::write(&pm2_parent, "PM2 v5.3.0: God Daemon (/root/.pm2)\0").unwrap();
    for (vars, kind, restarts) in [
        (&[][..], "none", None),
        (&[("INVOCATION_ID", "x")][..], "systemd", None),
        (&[("pm_id", "3"), ("restart_time", "4")][..], "pm2", Some(4)),
        (&[("KUBERNETES_SERVICE_HOST", "10.0.0.1")][..], "kubernetes", None),
        (&[("container", "docker")][..], "docker", None),
    ] {
        let collector = ProcessCollector::with_root(dir.path(), env(vars));
        let collected = collector.collect().await.unwrap();
        let json = serde_json::to_value(collected_section(collected)).unwrap();
        assert_eq!(json["supervisor"]["kind"], kind, "{vars:?}");
        assert_eq!(json["supervisor"]["restart_count"].as_u64(), restarts, "{vars:?}");
    }
    // pm_id alone, without a pm2 daemon as the parent, is not pm2.
    std::fs::write(&pm2_parent, "/sbin/init\0").unwrap();
    let collected =
        ProcessCollector::with_root(dir.path(), env(&[("pm_id", "3")])).collect().await.unwrap();
    assert_eq!(
        serde_json::to_value(collected_section(collected)).unwrap()["supervisor"]["kind"],
        "none"
    );
    // A /.dockerenv file means Docker.
    std::fs::write(dir.path().join(".dockerenv"), "").unwrap();
    let collected = ProcessCollector::with_root(dir.path(), env(&[])).collect().await.unwrap();
    assert_eq!(
        serde_json::to_value(collected_section(collected)).unwrap()["supervisor"]["kind"],
        "docker"
    );
}

fn collected_section(
    collected: status_collect::testing::Collected,
) -> status_model::ProcessSection {
    match collected.data {
        status_model::SectionData::Process(process) => process,
        other => panic!("not a process section: {other:?}"),
    }
}

#[tokio::test]
async fn a_machine_without_proc_is_unavailable_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let error = HostCollector::with_root(dir.path(), vec![]).collect().await.unwrap_err();
    assert!(matches!(error, status_collect::testing::CollectError::Unavailable(_)), "{error:?}");
    assert!(error.to_string().contains("/proc"), "{error}");
    let collected = ProcessCollector::with_root(dir.path(), env(&[])).collect().await.unwrap();
    assert_eq!(
        collected.unmeasured.keys().collect::<Vec<_>>(),
        [
            "cgroup",
            "cpu_pct",
            "cpu_seconds_total",
            "max_fds",
            "open_fds",
            "rss_bytes",
            "started_at",
            "threads",
            "virtual_bytes"
        ]
    );
    let process = collected_section(collected);
    assert_eq!((process.rss_bytes, process.threads, process.cpu_pct), (None, None, None));
}

#[tokio::test]
async fn cpu_rate_comes_from_the_delta_between_collections() {
    let dir = tempfile::tempdir().unwrap();
    fixture_root(dir.path());
    let collector = ProcessCollector::with_root(dir.path(), env(&[]));
    let first = collector.collect().await.unwrap();
    assert!(first.unmeasured["cpu_pct"].contains("first collection"));
    let stat = dir.path().join("proc/self/stat");
    let text = std::fs::read_to_string(&stat).unwrap().replace(" 150 50 ", " 250 50 ");
    std::fs::write(&stat, text).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = collected_section(collector.collect().await.unwrap());
    // 100 ticks of CPU time is 1 s at the usual 100 Hz: far more than 100 % of the ~0.1 s elapsed.
    let cpu = second.cpu_pct.unwrap();
    assert!(cpu > 100.0, "{cpu}");
}

#[tokio::test]
async fn shutting_down_is_reported() {
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| None);
    deps.expect_version().returning(|| None);
    deps.expect_is_shutting_down().returning(|| Ok(true));
    let collector =
        ServiceCollector::new(Arc::new(deps), Some("configured".into()), ShutdownFlag::default());
    let collected = collector.collect().await.unwrap();
    let json = match collected.data {
        status_model::SectionData::Service(service) => serde_json::to_value(service).unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(json["status"], "shutting_down");
    assert_eq!(json["name"], "configured", "the config's name wins over the host's");
    assert!(json["version"].is_null());
}

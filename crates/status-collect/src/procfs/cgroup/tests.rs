//! The cgroup and PSI readers on fixture trees laid out like real v1 and v2 machines.

use std::path::Path;

use super::*;

fn write(root: &Path, file: &str, text: &str) {
    let path = root.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn psi_lines() {
    let cpu = parse_pressure(
        "some avg10=96.63 avg60=63.97 avg300=31.21 total=153936420\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
    )
    .unwrap();
    assert_eq!(cpu.some.avg10_pct, 96.63);
    assert_eq!(cpu.some.avg300_pct, 31.21);
    assert_eq!(cpu.some.stalled_seconds_total, 153.93642);
    assert_eq!(cpu.full.unwrap().avg60_pct, 0.0);
    // Kernels before 5.13 have no `full` line for CPU.
    let old = parse_pressure("some avg10=1.00 avg60=2.00 avg300=3.00 total=5\n").unwrap();
    assert!(old.full.is_none());
    assert!(parse_pressure("some avg10=x").is_none());
    assert!(parse_pressure("").is_none());
}

#[test]
fn limits_and_cpu_max() {
    assert_eq!(parse_limit("max\n"), Some(None));
    assert_eq!(parse_limit("268435456\n"), Some(Some(268_435_456)));
    assert_eq!(parse_limit("9223372036854771712\n"), Some(None));
    assert_eq!(parse_limit("-1"), Some(None));
    assert_eq!(parse_limit("lots"), None);
    assert_eq!(parse_cpu_max("20000 100000\n"), Some((Some(20_000), 100_000)));
    assert_eq!(parse_cpu_max("max 100000\n"), Some((None, 100_000)));
    assert_eq!(parse_cpu_max("20000"), None);
}

#[test]
fn v2_cgroup_with_limits() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::new(dir.path());
    let cg = "sys/fs/cgroup/system.slice/app.service";
    write(dir.path(), "sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
    write(dir.path(), &format!("{cg}/memory.max"), "268435456\n");
    write(dir.path(), &format!("{cg}/memory.current"), "209715200\n");
    write(dir.path(), &format!("{cg}/memory.peak"), "230000000\n");
    write(
        dir.path(),
        &format!("{cg}/memory.stat"),
        "anon 190000000\nfile 19715200\ninactive_file 10485760\n",
    );
    write(dir.path(), &format!("{cg}/memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    write(dir.path(), &format!("{cg}/memory.swap.max"), "max\n");
    write(dir.path(), &format!("{cg}/cpu.max"), "20000 100000\n");
    write(
        dir.path(),
        &format!("{cg}/cpu.stat"),
        "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 100\nnr_throttled 40\nthrottled_usec 800000\n",
    );
    write(dir.path(), &format!("{cg}/pids.current"), "12\n");
    write(dir.path(), &format!("{cg}/pids.max"), "max\n");
    write(
        dir.path(),
        &format!("{cg}/cpu.pressure"),
        "some avg10=5.00 avg60=1.00 avg300=0.50 total=10\nfull avg10=1.00 avg60=0.00 avg300=0.00 total=2\n",
    );
    let layout = layout(&root, "0::/system.slice/app.service\n").unwrap();
    assert_eq!(layout.version, 2);
    let mut unmeasured = BTreeMap::new();
    let (info, next) = read(&root, &layout, Previous::default(), &mut unmeasured);
    let memory = info.memory.unwrap();
    assert_eq!(memory.limit_bytes, Some(268_435_456));
    assert_eq!(memory.reclaimable_bytes, 10_485_760);
    // 256 MiB - (200 MiB - 10 MiB)
    assert_eq!(memory.headroom_bytes, Some(69_206_016));
    assert_eq!(
        (memory.peak_bytes, memory.oom_kills_total, memory.oom_kills_new),
        (Some(230_000_000), Some(1), None)
    );
    assert_eq!(memory.swap_limit_bytes, None);
    let cpu = info.cpu.unwrap();
    assert_eq!(
        (cpu.quota_cpus, cpu.period_ms, cpu.usage_seconds_total),
        (Some(0.2), Some(100.0), Some(2.5))
    );
    assert_eq!(
        (cpu.periods_total, cpu.throttled_periods_total, cpu.throttled_seconds_total),
        (100, 40, 0.8)
    );
    assert_eq!(cpu.throttled_pct, None, "no previous sample");
    assert_eq!(info.pids.unwrap(), CgroupPids { current: 12, max: None });
    let pressure = info.pressure.unwrap();
    assert_eq!(pressure.cpu.unwrap().some.avg10_pct, 5.0);
    assert!(pressure.memory.is_none() && pressure.io.is_none());
    assert!(unmeasured.is_empty(), "{unmeasured:?}");

    // A second read: 50 more periods, 25 throttled; one more OOM kill.
    write(
        dir.path(),
        &format!("{cg}/cpu.stat"),
        "usage_usec 3500000\nnr_periods 150\nnr_throttled 65\nthrottled_usec 900000\n",
    );
    write(dir.path(), &format!("{cg}/memory.events"), "oom_kill 2\n");
    let (info, _) = read(&root, &layout, next, &mut unmeasured);
    assert_eq!(info.cpu.unwrap().throttled_pct, Some(50.0));
    assert_eq!(info.memory.unwrap().oom_kills_new, Some(1));
}

#[test]
fn v1_hierarchies_as_on_a_hybrid_machine() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::new(dir.path());
    let proc_cgroup = "9:name=systemd:/\n8:pids:/\n4:memory:/api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";
    let mem = "sys/fs/cgroup/memory/api/abc";
    write(dir.path(), &format!("{mem}/memory.limit_in_bytes"), "9223372036854771712\n");
    write(dir.path(), &format!("{mem}/memory.usage_in_bytes"), "50000000\n");
    write(dir.path(), &format!("{mem}/memory.max_usage_in_bytes"), "60000000\n");
    write(
        dir.path(),
        &format!("{mem}/memory.stat"),
        "cache 1000\ninactive_file 7\ntotal_inactive_file 4096\n",
    );
    write(
        dir.path(),
        &format!("{mem}/memory.oom_control"),
        "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
    );
    write(dir.path(), "sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
    write(dir.path(), "sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
    write(
        dir.path(),
        "sys/fs/cgroup/cpu/cpu.stat",
        "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
    );
    write(dir.path(), "sys/fs/cgroup/cpuacct/cpuacct.usage", "1500000000\n");
    write(dir.path(), "sys/fs/cgroup/pids/pids.current", "300\n");
    write(dir.path(), "sys/fs/cgroup/pids/pids.max", "max\n");
    write(
        dir.path(),
        "sys/fs/cgroup/unified/io.pressure",
        "some avg10=0.10 avg60=0.20 avg300=0.30 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
    );
    let layout = layout(&root, proc_cgroup).unwrap();
    assert_eq!(layout.version, 1);
    let mut unmeasured = BTreeMap::new();
    let (info, _) = read(&root, &layout, Previous::default(), &mut unmeasured);
    let memory = info.memory.unwrap();
    assert_eq!((memory.limit_bytes, memory.headroom_bytes), (None, None));
    assert_eq!(
        (memory.usage_bytes, memory.reclaimable_bytes, memory.peak_bytes),
        (50_000_000, 4096, Some(60_000_000))
    );
    assert_eq!(memory.oom_kills_total, Some(0));
    let cpu = info.cpu.unwrap();
    assert_eq!((cpu.quota_cpus, cpu.usage_seconds_total), (None, Some(1.5)));
    assert_eq!(info.pids.unwrap().current, 300);
    assert_eq!(info.pressure.unwrap().io.unwrap().some.avg300_pct, 0.3);
    assert!(unmeasured.is_empty(), "{unmeasured:?}");
}

#[test]
fn missing_controllers_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = Root::new(dir.path());
    assert!(layout(&root, "0::/x\n").unwrap_err().contains("cgroup v2"));
    assert!(layout(&root, "").unwrap_err().contains("no cgroup line"));
    write(dir.path(), "sys/fs/cgroup/memory/memory.usage_in_bytes", "1\n");
    let layout = layout(&root, "4:memory:/\n").unwrap();
    let mut unmeasured = BTreeMap::new();
    let (info, _) = read(&root, &layout, Previous::default(), &mut unmeasured);
    assert!(info.memory.is_none() && info.cpu.is_none());
    assert!(unmeasured["cgroup.memory"].contains("memory.limit_in_bytes"), "{unmeasured:?}");
    assert!(unmeasured["cgroup.cpu"].contains("cpu controller is not mounted"), "{unmeasured:?}");
}

#[test]
fn a_keeping_root_keeps_the_layout_while_the_proc_cgroup_text_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
    std::fs::create_dir_all(dir.path().join("sys/fs/cgroup/app")).unwrap();
    let keeping = Root::keeping(dir.path());
    let memory = |layout: Result<Layout, String>| layout.unwrap().dirs["memory"].clone();
    assert_eq!(memory(layout(&keeping, "0::/app\n")), "sys/fs/cgroup/app");
    // Gone from disk: the directories are not looked at again while the text is the same; a plain
    // root (and another text) looks again and falls back to the mount's root.
    std::fs::remove_dir(dir.path().join("sys/fs/cgroup/app")).unwrap();
    assert_eq!(memory(layout(&keeping, "0::/app\n")), "sys/fs/cgroup/app");
    assert_eq!(memory(layout(&Root::new(dir.path()), "0::/app\n")), "sys/fs/cgroup");
    assert_eq!(memory(layout(&keeping, "0::/other\n")), "sys/fs/cgroup");
}

#[test]
fn flat_keyed_values_are_found_by_their_whole_key() {
    let stat = "inactive_file_x 7\ntotal_inactive_file 5\ninactive_file 3\nbad x\n";
    assert_eq!(flat_keyed(stat, "inactive_file"), Some(3));
    assert_eq!(flat_keyed(stat, "total_inactive_file"), Some(5));
    assert_eq!(flat_keyed(stat, "bad"), None);
    assert_eq!(flat_keyed(stat, "missing"), None);
    assert_eq!(flat_keyed("", "inactive_file"), None);
}

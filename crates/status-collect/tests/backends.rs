//! The two backends of the `host` and `process` sections: `/proc` (Linux, the `procfs` feature) and
//! sysinfo (every OS). Both read this test process and this machine.
//!
//! Tolerances, for fields that move between two readings: a sysinfo reading is taken between two
//! `/proc` readings and must fall within their range widened by the tolerance below. For the
//! process, the three readings are retaken until the two `/proc` ones agree on descriptors and
//! threads. The tests are a binary of their own, so no other test starts threads or opens files in
//! the process they measure.
//! - exact: `pid`, `max_fds`, `hostname`, `kernel`, `cpus`, `memory.total_bytes`,
//!   `swap.total_bytes`, disk `total_bytes`;
//! - `started_at`: within 1 s (sysinfo counts whole seconds);
//! - `cpu_seconds_total`: within 0.02 s (one clock tick is 0.01 s; sysinfo rounds to 1 ms);
//! - `rss_bytes`, `virtual_bytes`: within 5 %;
//! - `threads`, `open_fds`: within 1 (sysinfo's own descriptor while it reads `/proc/self/fd`);
//! - `memory.available_bytes`, `swap.free_bytes`, disk `available_bytes`: within 2 % of the total;
//! - `load`: within 0.05 (the kernel updates it every 5 s);
//! - `os`: both name the same distribution (`/proc` gives `PRETTY_NAME`, sysinfo `Linux (NAME
//!   VERSION_ID)`).

use std::path::PathBuf;

use status_collect::testing::Collector;
use status_collect::testing::collectors::{SysinfoHostCollector, SysinfoProcessCollector};
use status_model::{HostSection, ProcessSection, SectionData};

async fn process(collector: &dyn Collector) -> (ProcessSection, Vec<String>) {
    let collected = collector.collect().await.expect("process section");
    match collected.data {
        SectionData::Process(section) => (section, collected.unmeasured.into_keys().collect()),
        other => panic!("not a process section: {other:?}"),
    }
}

async fn host(collector: &dyn Collector) -> (HostSection, Vec<String>) {
    let collected = collector.collect().await.expect("host section");
    match collected.data {
        SectionData::Host(section) => (section, collected.unmeasured.into_keys().collect()),
        other => panic!("not a host section: {other:?}"),
    }
}

/// The sysinfo path alone, as macOS, Windows and a `--no-default-features` Linux build run it: every
/// portable field is measured, `cpu_pct` from the second collection, and what only Linux has is
/// `null` with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sysinfo_backend_fills_every_portable_field() {
    let collector = SysinfoProcessCollector::new();
    let (first, unmeasured) = process(&collector).await;
    assert_eq!(first.pid, std::process::id());
    assert!(first.cpu_pct.is_none() && unmeasured.contains(&"cpu_pct".to_owned()));
    let burn = tokio::time::Instant::now();
    while burn.elapsed() < std::time::Duration::from_millis(50) {
        std::hint::black_box(burn.elapsed());
    }
    let (second, unmeasured) = process(&collector).await;
    assert!(second.cpu_pct.is_some_and(|pct| pct > 0.0), "{second:?}");
    assert!(second.cpu_seconds_total >= first.cpu_seconds_total);
    assert!(second.rss_bytes.is_some_and(|rss| rss > 1 << 20), "{second:?}");
    assert!(second.virtual_bytes >= second.rss_bytes);
    assert!(second.started_at.is_some_and(|at| at <= jiff::Timestamp::now()));
    assert!(second.open_fds.is_some_and(|fds| fds >= 3));
    assert!(second.max_fds.is_some());
    assert!(second.threads.is_some_and(|threads| threads >= 2));
    assert!(second.cgroup.is_none());
    assert_eq!(unmeasured, ["cgroup"]);

    let disk = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let missing = PathBuf::from("/no/such/dir");
    let collector = SysinfoHostCollector::new(vec![disk.clone(), missing.clone()]);
    let (host, unmeasured) = host(&collector).await;
    assert!(host.hostname.is_some_and(|name| !name.is_empty()));
    assert!(host.os.is_some() && host.kernel.is_some());
    assert!(host.cpus.is_some_and(|cpus| cpus >= 1));
    assert!(host.load.is_some());
    let memory = host.memory.expect("memory");
    assert!(memory.available_bytes <= memory.total_bytes);
    assert_eq!(memory.used_bytes + memory.available_bytes, memory.total_bytes);
    assert!(host.swap.is_some());
    assert!(host.disks[&disk.display().to_string()].is_some());
    assert!(host.disks[&missing.display().to_string()].is_none());
    assert!(host.processes.is_none() && host.pressure.is_none());
    assert_eq!(unmeasured, ["disks./no/such/dir", "pressure", "processes"]);
}

/// Which backend the standard collectors use: `/proc` on Linux with the `procfs` feature (its
/// `process` section has a cgroup or a reason naming `/proc`), sysinfo otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_collectors_pick_the_backend_by_feature() {
    let config = status_collect::Config::default();
    let collectors = status_collect::testing::collectors::standard(
        &config,
        std::sync::Arc::new(status_deps::NoDeps),
        Default::default(),
    );
    let process_collector = collectors
        .iter()
        .find(|c| c.section() == status_model::SectionName::Process)
        .expect("a process collector");
    let collected = process_collector.collect().await.expect("process section");
    let sysinfo_reason = collected.unmeasured.get("cgroup").is_some_and(|r| r.contains("sysinfo"));
    assert_eq!(
        sysinfo_reason,
        !cfg!(all(target_os = "linux", feature = "procfs")),
        "{:?}",
        collected.unmeasured
    );
}

#[cfg(target_os = "linux")]
mod both {
    use super::*;
    use status_collect::testing::collectors::{HostCollector, ProcessCollector};

    fn within(what: &str, value: f64, low: f64, high: f64, tolerance: f64) {
        assert!(
            value >= low - tolerance && value <= high + tolerance,
            "{what}: sysinfo {value} outside /proc's [{low}, {high}] ± {tolerance}"
        );
    }

    #[expect(clippy::cast_precision_loss, reason = "test figures stay far below 2^52")]
    fn f(value: Option<u64>) -> f64 {
        value.expect("measured") as f64
    }

    /// Set in the copy of this binary that runs the process comparison alone.
    const ALONE: &str = "STATUS_BACKENDS_ALONE";

    /// Both backends read a process: every shared field agrees within the tolerances in the
    /// module's documentation. The process is a copy of this binary running only this comparison,
    /// so the other tests' runtimes do not start and stop threads while it measures.
    #[test]
    #[expect(clippy::disallowed_methods, reason = "a test runs a copy of itself")]
    fn sysinfo_and_proc_agree_on_a_process() {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "both::compare_this_process",
                "--exact",
                "--test-threads=1",
                "--include-ignored",
            ])
            .env(ALONE, "1")
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{text}");
        assert!(text.contains("1 passed"), "the comparison ran: {text}");
    }

    /// The comparison itself, run by [`sysinfo_and_proc_agree_on_a_process`] in a process of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "run alone by sysinfo_and_proc_agree_on_a_process"]
    async fn compare_this_process() {
        assert!(std::env::var_os(ALONE).is_some(), "run by sysinfo_and_proc_agree_on_a_process");
        let proc_collector = ProcessCollector::new();
        let sysinfo_collector = SysinfoProcessCollector::new();
        // Warm both (the blocking pool's threads, sysinfo's first refresh).
        process(&proc_collector).await;
        process(&sysinfo_collector).await;
        // Other tests of this binary open descriptors, start threads and allocate concurrently, so
        // a reading is compared only inside a quiet window: the two `/proc` readings around it
        // agree on descriptors and threads (up to 50 tries; the last one is compared regardless).
        let mut tries = 0;
        let (before, sysinfo, after) = loop {
            tries += 1;
            let (before, _) = process(&proc_collector).await;
            let (sysinfo, _) = process(&sysinfo_collector).await;
            let (after, _) = process(&proc_collector).await;
            let quiet = before.open_fds == after.open_fds && before.threads == after.threads;
            if quiet || tries == 50 {
                break (before, sysinfo, after);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };

        assert_eq!(sysinfo.pid, before.pid);
        assert_eq!(sysinfo.max_fds, before.max_fds);
        let started = |p: &ProcessSection| p.started_at.expect("started_at").as_millisecond();
        #[expect(clippy::cast_precision_loss, reason = "milliseconds since 1970 fit")]
        let (s, p) = (started(&sysinfo) as f64, started(&before) as f64);
        within("started_at (ms)", s, p, p, 1000.0);
        let cpu = |p: &ProcessSection| p.cpu_seconds_total.expect("cpu_seconds_total");
        within("cpu_seconds_total", cpu(&sysinfo), cpu(&before), cpu(&after), 0.02);
        for (what, get) in [
            ("rss_bytes", (|p: &ProcessSection| p.rss_bytes) as fn(&ProcessSection) -> _),
            ("virtual_bytes", |p| p.virtual_bytes),
        ] {
            let (low, high) =
                (f(get(&before)).min(f(get(&after))), f(get(&before)).max(f(get(&after))));
            within(what, f(get(&sysinfo)), low, high, high * 0.05);
        }
        for (what, get) in [
            ("threads", (|p: &ProcessSection| p.threads) as fn(&ProcessSection) -> _),
            ("open_fds", |p| p.open_fds),
        ] {
            let (low, high) =
                (f(get(&before)).min(f(get(&after))), f(get(&before)).max(f(get(&after))));
            within(what, f(get(&sysinfo)), low, high, 1.0);
        }
        assert_eq!(sysinfo.supervisor, before.supervisor);
    }

    /// Both backends read this machine: every shared field agrees within the tolerances in the
    /// module's documentation.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sysinfo_and_proc_agree_on_this_host() {
        let disk = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let key = disk.display().to_string();
        let proc_collector = HostCollector::new(vec![disk.clone()]);
        let sysinfo_collector = SysinfoHostCollector::new(vec![disk]);
        let (before, _) = host(&proc_collector).await;
        let (sysinfo, _) = host(&sysinfo_collector).await;
        let (after, _) = host(&proc_collector).await;

        assert_eq!(sysinfo.hostname, before.hostname);
        assert_eq!(sysinfo.kernel, before.kernel);
        assert_eq!(sysinfo.cpus, before.cpus);
        let (os, pretty) = (sysinfo.os.expect("os"), before.os.expect("os"));
        let distribution = pretty.split_whitespace().next().expect("a distribution name");
        assert!(os.contains(distribution), "sysinfo says {os:?}, /proc says {pretty:?}");

        let (sm, bm, am) = (
            sysinfo.memory.expect("memory"),
            before.memory.expect("memory"),
            after.memory.expect("memory"),
        );
        assert_eq!(sm.total_bytes, bm.total_bytes);
        let total = f(Some(bm.total_bytes));
        let (a, b) = (f(Some(bm.available_bytes)), f(Some(am.available_bytes)));
        within(
            "memory.available_bytes",
            f(Some(sm.available_bytes)),
            a.min(b),
            a.max(b),
            total * 0.02,
        );

        let (ss, bs, as_) =
            (sysinfo.swap.expect("swap"), before.swap.expect("swap"), after.swap.expect("swap"));
        assert_eq!(ss.total_bytes, bs.total_bytes);
        let total = f(Some(bs.total_bytes));
        let (a, b) = (f(Some(bs.free_bytes)), f(Some(as_.free_bytes)));
        within("swap.free_bytes", f(Some(ss.free_bytes)), a.min(b), a.max(b), total * 0.02);

        let (sl, bl, al) =
            (sysinfo.load.expect("load"), before.load.expect("load"), after.load.expect("load"));
        for (what, s, b, a) in [
            ("load.1", sl.one, bl.one, al.one),
            ("load.5", sl.five, bl.five, al.five),
            ("load.15", sl.fifteen, bl.fifteen, al.fifteen),
        ] {
            within(what, s, b.min(a), b.max(a), 0.05);
        }

        let (sd, bd, ad) = (
            sysinfo.disks[&key].clone().expect("disk"),
            before.disks[&key].clone().expect("disk"),
            after.disks[&key].clone().expect("disk"),
        );
        assert_eq!(sd.total_bytes, bd.total_bytes);
        let total = f(Some(bd.total_bytes));
        let (a, b) = (f(Some(bd.available_bytes)), f(Some(ad.available_bytes)));
        within(
            "disk available_bytes",
            f(Some(sd.available_bytes)),
            a.min(b),
            a.max(b),
            total * 0.02,
        );
    }
}

//! Benchmarks: one collection of the `process` and of the `host` section by each backend, `/proc`
//! (the Linux default) and sysinfo (every other OS, or Linux without the `procfs` feature).
//!
//! Run with `cargo bench -p status-collect --bench backends`; divan prints the median of each. The
//! collectors are created once, as the loop keeps them (sysinfo keeps its `System` between
//! refreshes), and each sample includes the hop to the blocking pool that both make.

use std::path::PathBuf;

use status_collect::testing::Collector;
use status_collect::testing::collectors::{SysinfoHostCollector, SysinfoProcessCollector};

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn bench(bencher: divan::Bencher<'_, '_>, collector: &dyn Collector) {
    let rt = runtime();
    rt.block_on(collector.collect()).expect("collects");
    bencher.bench_local(|| rt.block_on(collector.collect()).expect("collects"));
}

fn disks() -> Vec<PathBuf> {
    vec![PathBuf::from("/")]
}

/// `process` through sysinfo.
#[divan::bench]
fn process_sysinfo(bencher: divan::Bencher<'_, '_>) {
    bench(bencher, &SysinfoProcessCollector::new());
}

/// `host` through sysinfo.
#[divan::bench]
fn host_sysinfo(bencher: divan::Bencher<'_, '_>) {
    bench(bencher, &SysinfoHostCollector::new(disks()));
}

/// `process` from `/proc` (it also reads the cgroup, PSI and supervisor, which sysinfo does not).
#[cfg(target_os = "linux")]
#[divan::bench]
fn process_procfs(bencher: divan::Bencher<'_, '_>) {
    bench(bencher, &status_collect::testing::collectors::ProcessCollector::new());
}

/// `host` from `/proc` (it also reads the task table's limits and PSI, which sysinfo does not).
#[cfg(target_os = "linux")]
#[divan::bench]
fn host_procfs(bencher: divan::Bencher<'_, '_>) {
    bench(bencher, &status_collect::testing::collectors::HostCollector::new(disks()));
}

/// A root whose `proc` and `etc` are links to the real ones and which has no `sys`: the `/proc`
/// readers then find no cgroup files, so they measure about the fields sysinfo also gives.
#[cfg(target_os = "linux")]
fn proc_only_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["proc", "etc"] {
        std::os::unix::fs::symlink(format!("/{name}"), dir.path().join(name)).expect("link");
    }
    dir
}

/// `process` from `/proc` without the cgroup (whose files are absent under this root).
#[cfg(target_os = "linux")]
#[divan::bench]
fn process_procfs_without_cgroup(bencher: divan::Bencher<'_, '_>) {
    let root = proc_only_root();
    let env: status_collect::testing::collectors::EnvLookup = std::sync::Arc::new(|_| None);
    bench(
        bencher,
        &status_collect::testing::collectors::ProcessCollector::with_root(root.path(), env),
    );
}

/// `host` from `/proc` without the cgroup's task limit (its files are absent under this root).
#[cfg(target_os = "linux")]
#[divan::bench]
fn host_procfs_without_cgroup(bencher: divan::Bencher<'_, '_>) {
    let root = proc_only_root();
    bench(
        bencher,
        &status_collect::testing::collectors::HostCollector::with_root(root.path(), disks()),
    );
}

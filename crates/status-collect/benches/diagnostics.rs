//! Benchmarks of the diagnostics hot paths: a counter increment (alone and with 8 threads on the
//! same counter), a histogram observation, one event recorded by the trace buffer's layer, the
//! layer's overhead on a tracing-heavy loop (the same loop under a bare registry), and the buffer
//! under 1,000,000 events from 8 threads (its own accounting and the process RSS, printed).
//!
//! Run with `cargo bench -p status-collect --bench diagnostics`; divan prints the median of each.

use std::sync::Arc;

use status_collect::TracesConfig;
use status_collect::diagnostics::{MetricsRegistry, TraceBuffer};
use tracing_subscriber::layer::SubscriberExt;

fn main() {
    divan::main();
}

/// One `inc()`; with 8 threads, all on the same counter (the worst case: one contended line).
#[divan::bench(threads = [1, 8])]
fn counter_inc(bencher: divan::Bencher<'_, '_>) {
    static REGISTRY: std::sync::OnceLock<status_collect::diagnostics::Counter> =
        std::sync::OnceLock::new();
    let counter = REGISTRY
        .get_or_init(|| MetricsRegistry::default().counter("bench_events", "Events.", None, &[]));
    bencher.bench(|| counter.inc());
}

/// One `observe()` into an 8-bucket histogram.
#[divan::bench]
fn histogram_observe(bencher: divan::Bencher<'_, '_>) {
    let registry = MetricsRegistry::default();
    let buckets = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 1.0];
    let histogram = registry.histogram("bench_wait", "Wait.", Some("seconds"), &buckets, &[]);
    bencher.bench_local(|| histogram.observe(divan::black_box(0.007)));
}

/// One event with three fields recorded into the buffer (steady state: the buffer is full, so
/// each event also evicts).
#[divan::bench]
fn trace_event_recorded(bencher: divan::Bencher<'_, '_>) {
    let buffer = TraceBuffer::new(&TracesConfig::default());
    let subscriber = tracing_subscriber::registry().with(buffer.layer());
    tracing::subscriber::with_default(subscriber, || {
        let mut n = 0u64;
        bencher.bench_local(|| {
            n += 1;
            tracing::info!(execution_id = n / 64, kind = "output_flush", bytes = 512u64, "flushed");
        });
    });
}

/// A loop of 100 events (a quarter of them in a span carrying the execution id), under a bare
/// registry and under the registry with the trace layer: the difference is the layer's cost.
#[divan::bench(args = ["registry", "registry+trace_layer"])]
fn tracing_heavy_loop(bencher: divan::Bencher<'_, '_>, subscriber: &str) {
    let work = || {
        for i in 0..100u64 {
            if i % 4 == 0 {
                let span = tracing::info_span!("execute", execution_id = i / 8);
                let _entered = span.enter();
                tracing::info!(kind = "resolve", outcome = "ok", i);
            } else {
                tracing::info!(execution_id = i / 8, kind = "submit", i, "step");
            }
        }
    };
    match subscriber {
        "registry" => tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            bencher.bench_local(work);
        }),
        _ => {
            let buffer = TraceBuffer::new(&TracesConfig::default());
            let layered = tracing_subscriber::registry().with(buffer.layer());
            tracing::subscriber::with_default(layered, || bencher.bench_local(work));
        }
    }
}

/// 1,000,000 events from 8 threads into one buffer; prints its accounting and the RSS growth.
#[divan::bench(sample_count = 1, sample_size = 1)]
#[expect(clippy::print_stderr, reason = "the bench reports the bound it measured")]
fn million_events_8_threads() {
    let buffer = TraceBuffer::new(&TracesConfig::default());
    let subscriber = Arc::new(tracing_subscriber::registry().with(buffer.layer()));
    let before = rss_bytes();
    std::thread::scope(|scope| {
        for thread in 0..8u64 {
            let subscriber = subscriber.clone();
            scope.spawn(move || {
                tracing::subscriber::with_default(subscriber, || {
                    for i in 0..125_000u64 {
                        let id = thread * 1_000_000 + i / 100;
                        tracing::info!(execution_id = id, kind = "step", payload = %"x".repeat(usize::try_from(i % 300).unwrap_or(0)), "event");
                    }
                });
            });
        }
    });
    let stats = buffer.stats();
    let after = rss_bytes();
    eprintln!(
        "1,000,000 events / 8 threads: held {} events, {} bytes (bounds {} / {}), {} executions, \
         {} evicted; RSS {} -> {} bytes",
        stats.events,
        stats.bytes,
        stats.max_events,
        stats.max_bytes,
        stats.executions,
        stats.evicted_executions,
        before,
        after
    );
    assert!(stats.events <= stats.max_events && stats.bytes <= stats.max_bytes);
}

/// VmRSS of this process, from /proc (0 where there is none).
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

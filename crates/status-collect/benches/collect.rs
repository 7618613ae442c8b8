//! Benchmarks: one full collection of the standard sections, and serializing a snapshot.
//!
//! Run with `cargo bench -p status-collect`; divan prints the median of each.

use std::sync::Arc;

use status_collect::testing::collectors::{HostCollector, ProcessCollector, RuntimeCollector};
use status_collect::testing::{Collector, Engine, HealthEvaluator, collectors};
use status_collect::{Cache, Config, HealthConfig, Status};
use status_deps::NoDeps;

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

/// One collection of `service`, `process`, `host` and `runtime`, as the loop runs it.
#[divan::bench]
fn full_collection(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let engine = rt.block_on(async {
        let config = Config::default();
        Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        )
    });
    rt.block_on(engine.collect());
    bencher.bench_local(|| rt.block_on(engine.collect()));
}

/// The host basics, `process`, `host` and `runtime`, collected as the loop collects them. Also
/// prints their wall and CPU time per collection (the process's user and system time, all threads)
/// over 2,000 collections made one after another inside a task, as the background loop makes them,
/// on a runtime of one worker (`serve`'s default) and of two. divan's median is of a collection
/// awaited from outside the runtime (`block_on`), one thread hop more than the loop has.
#[divan::bench]
fn host_basics(bencher: divan::Bencher<'_, '_>) {
    let basics = || -> Engine {
        let config = Config::default();
        let basics: Vec<Arc<dyn Collector>> = vec![
            Arc::new(ProcessCollector::new()),
            Arc::new(HostCollector::new(config.host.disk_paths.clone())),
            Arc::new(RuntimeCollector::start()),
        ];
        Engine::new(basics, config.collect.deadline)
    };
    let ticks = || -> u64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        fields
            .get(11..13)
            .map_or(0, |times| times.iter().filter_map(|t| t.parse::<u64>().ok()).sum())
    };
    for workers in [1, 2] {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .expect("runtime");
        let engine = Arc::new(rt.block_on(async { basics() }));
        let count = 2000_u32;
        let looped = engine.clone();
        let (cpu, wall) = rt
            .block_on(rt.spawn(async move {
                for _ in 0..10 {
                    looped.collect().await;
                }
                let (before, started) = (ticks(), tokio::time::Instant::now());
                for _ in 0..count {
                    looped.collect().await;
                }
                (ticks() - before, started.elapsed())
            }))
            .expect("the loop task");
        #[expect(clippy::cast_precision_loss, reason = "tick counts are small")]
        let cpu_ms =
            cpu as f64 * 1000.0 / rustix::param::clock_ticks_per_second() as f64 / f64::from(count);
        #[expect(clippy::print_stderr, reason = "the bench's report line")]
        {
            eprintln!(
                "host_basics, {workers} worker(s): {cpu_ms:.3} ms CPU and {:.3} ms wall per \
                 collection over {count}, collected in a task as the loop does",
                wall.as_secs_f64() * 1000.0 / f64::from(count)
            );
        }
    }
    let rt = runtime();
    let engine = rt.block_on(async { basics() });
    rt.block_on(engine.collect());
    bencher.bench_local(|| rt.block_on(engine.collect()));
}

/// Serializing a full snapshot to JSON bytes.
#[divan::bench]
fn serialize_snapshot(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let snapshot = rt.block_on(async {
        let config = Config::default();
        let engine = Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        );
        engine.collect().await;
        engine.collect().await
    });
    bencher.bench_local(|| serde_json::to_vec(divan::black_box(&snapshot)).expect("serializes"));
}

/// Publishing to the cache: serializing the whole snapshot and each section once.
#[divan::bench]
fn publish_to_cache(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let snapshot = rt.block_on(async {
        let config = Config::default();
        let engine = Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        );
        engine.collect().await
    });
    let cache = Cache::default();
    bencher.bench_local(|| cache.publish(snapshot.clone()).expect("serializes"));
}

/// What `serve` does with each snapshot of the default config once it is collected: publish it
/// (redaction, serialization, the terse projection) and diff it against the one before, with two
/// consecutive snapshots (health evaluated) taking turns.
#[divan::bench]
fn publish_and_diff(bencher: divan::Bencher<'_, '_>) {
    let (first, second) = runtime().block_on(async {
        let collection = Status::builder().on_demand().expect("in a runtime");
        let first = collection.collect().await.expect("serializes").snapshot.as_ref().clone();
        let second = collection.collect().await.expect("serializes").snapshot.as_ref().clone();
        (first, second)
    });
    let cache = Cache::default();
    let filter = Config::default().diff.filter;
    let mut previous = cache.publish(first.clone()).expect("serializes").value.clone();
    let mut turn = 0_u64;
    bencher.bench_local(|| {
        turn += 1;
        let mut next = if turn.is_multiple_of(2) { first.clone() } else { second.clone() };
        next.collection.sequence = turn + 1;
        let published = cache.publish(next).expect("serializes");
        let changes = status_model::diff::diff(&previous, &published.value, &filter);
        previous = published.value.clone();
        changes
    });
}

/// Evaluating every health check over a full snapshot (with flap damping and change tracking).
#[divan::bench]
fn evaluate_health_checks(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let snapshot = rt.block_on(async {
        let config = Config::default();
        let collection = Status::builder().config(config).on_demand().expect("in a runtime");
        collection.collect().await.expect("serializes");
        collection.collect().await.expect("serializes").snapshot.as_ref().clone()
    });
    let evaluator = HealthEvaluator::new(&HealthConfig::default());
    bencher.bench_local(|| evaluator.evaluate(divan::black_box(&snapshot)));
}

/// The terse projection of a full snapshot, as [`Cache::publish`] computes it once per snapshot.
#[divan::bench]
fn terse_projection(bencher: divan::Bencher<'_, '_>) {
    let snapshot = evaluated_snapshot();
    bencher.bench_local(|| status_model::terse::terse(divan::black_box(&snapshot)));
}

/// The overview as text (the chat summary), rendered from a full snapshot.
#[divan::bench]
fn render_overview_text(bencher: divan::Bencher<'_, '_>) {
    let snapshot = evaluated_snapshot();
    bencher.bench_local(|| {
        status_model::render_text(
            Some(divan::black_box(&snapshot)),
            status_model::View::Overview,
            status_model::Style::Plain,
        )
    });
}

/// A second collection with health checks, so CPU use and the health report are filled.
fn evaluated_snapshot() -> status_model::Snapshot {
    runtime().block_on(async {
        let collection = Status::builder().on_demand().expect("in a runtime");
        collection.collect().await.expect("serializes");
        collection.collect().await.expect("serializes").snapshot.as_ref().clone()
    })
}

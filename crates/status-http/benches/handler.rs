//! Benchmarks of the handler alone (no socket): `/status` and `/status?terse=1` from the cache, and the views rendered per
//! request (`/metrics`, `/`, `/health`).
//!
//! Run with `cargo bench -p status-http`; divan prints the median.

use std::sync::Arc;

use hyper::Request;
use status_collect::{Cache, Config, Engine};
use status_deps::NoDeps;
use status_http::StatusService;

fn main() {
    divan::main();
}

fn service() -> StatusService {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let cache = Cache::default();
    rt.block_on(async {
        let config = Config::default();
        let engine = Engine::from_config(&config, Arc::new(NoDeps), Default::default());
        engine.collect().await;
        cache.publish(engine.collect().await).expect("serializes");
    });
    StatusService::new(cache)
}

/// `GET /status` with a full snapshot in the cache.
#[divan::bench]
fn get_status(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /status?terse=1`: the terse projection, serialized once per snapshot.
#[divan::bench]
fn get_status_terse(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status?terse=1").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /status/host`: one section.
#[divan::bench]
fn get_section(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status/host").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /metrics`: the full snapshot rendered in the Prometheus text format.
#[divan::bench]
fn get_metrics(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/metrics").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /`: the HTML status page.
#[divan::bench]
fn get_page(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /health`: the IETF health+json body.
#[divan::bench]
fn get_health(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/health").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

//! Benchmark: answering `GET /status` from the cache, the handler alone (no socket).
//!
//! Run with `cargo bench -p status-http`; divan prints the median.

use std::sync::Arc;

use hyper::Request;
use status_collect::{Cache, Config, Engine, collectors};
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
        let engine = Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        );
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

/// `GET /status/host`: one section.
#[divan::bench]
fn get_section(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status/host").body(()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

//! Benchmarks of the handler alone (no socket): `/status` from the cache (with and without a token)
//! and `/status?terse=1`, the views rendered per request (`/metrics`, `/`, `/health`), and
//! publishing a snapshot (the once-per-collection serialization and redaction).
//!
//! Run with `cargo bench -p status-http`; divan prints the median.

use hyper::Request;
use status_collect::{Cache, Config, Status};
use status_http::{StatusService, Token};
use status_model::{Redactor, Snapshot};

const TOKEN: &str = "bench-token-6a1e9c3f7b2d4e80";

fn main() {
    divan::main();
}

/// A snapshot of this machine (the second collection, so rates are measured).
fn snapshot() -> Snapshot {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let config = Config::default();
        let collection = Status::builder().config(config).on_demand().expect("in a runtime");
        collection.collect().await.expect("serializes");
        collection.collect().await.expect("serializes").snapshot.as_ref().clone()
    })
}

fn service() -> StatusService {
    let cache = Cache::default();
    cache.publish(snapshot()).expect("serializes");
    StatusService::new(cache)
}

/// `GET /status` with a full snapshot in the cache.
#[divan::bench]
fn get_status(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status").body(String::new()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /status?terse=1`: the terse projection, serialized once per snapshot.
#[divan::bench]
fn get_status_terse(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status?terse=1").body(String::new()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /status/host`: one section.
#[divan::bench]
fn get_section(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/status/host").body(String::new()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /metrics`: the full snapshot rendered in the Prometheus text format.
#[divan::bench]
fn get_metrics(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/metrics").body(String::new()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /`: the HTML status page.
#[divan::bench]
fn get_page(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/").body(String::new()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /health`: the IETF health+json body.
#[divan::bench]
fn get_health(bencher: divan::Bencher<'_, '_>) {
    let service = service();
    let request = Request::get("/health").body(String::new()).expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// `GET /status` when a token is required, with the right one.
#[divan::bench]
fn get_status_with_token(bencher: divan::Bencher<'_, '_>) {
    let service = service().with_token(Some(Token::new(TOKEN.as_bytes()).expect("a token")));
    let request = Request::get("/status")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(String::new())
        .expect("request");
    bencher.bench_local(|| service.respond(divan::black_box(&request)));
}

/// Publishing a snapshot: serialization and section slices, with no redaction and with the default
/// policy. Paid once per collection, never per request.
#[divan::bench(args = ["none", "default"])]
fn publish(bencher: divan::Bencher<'_, '_>, policy: &str) {
    let snapshot = snapshot();
    let cache = match policy {
        "none" => Cache::new(Redactor::none()),
        _ => Cache::default(),
    };
    bencher.bench_local(|| cache.publish(divan::black_box(snapshot.clone())));
}

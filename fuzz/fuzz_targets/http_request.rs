//! Fuzz target: request handling. Arbitrary methods, request targets and headers through
//! `StatusService::respond`, over a cache holding a snapshot, with a token and CORS configured so
//! that every branch is reachable. Never a panic.
//!
//! Input: one byte choosing the method, then lines: the request target, then `name: value` headers.

#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use status_collect::testing::HealthEvaluator;
use status_collect::{Cache, Config, HealthConfig};
use status_http::{StatusService, Token};
use status_model::{
    CollectionReport, RuntimeSection, SectionData, SectionReport, ServiceSection, ServiceStatus,
    Snapshot, Timestamp,
};

const METHODS: &[&str] = &["GET", "HEAD", "POST", "OPTIONS", "DELETE", "PUT"];

fn service() -> &'static StatusService {
    static SERVICE: OnceLock<StatusService> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let mut sections = BTreeMap::new();
        sections.insert("runtime".to_owned(), SectionReport::ok(0.1, BTreeMap::new()));
        sections.insert("service".to_owned(), SectionReport::ok(0.1, BTreeMap::new()));
        let mut snapshot = Snapshot::new(CollectionReport {
            taken_at: Timestamp::now(),
            duration_ms: 1.0,
            sequence: 1,
            interval_seconds: Some(30.0),
            abandoned_total: 0,
            left_out: Default::default(),
            sections,
        });
        snapshot.put(SectionData::Runtime(RuntimeSection {
            event_loop_lag_ms: Some(0.5),
            workers: 2,
            alive_tasks: 5,
            global_queue_depth: 0,
        }));
        snapshot.put(SectionData::Service(ServiceSection {
            name: "fuzz".into(),
            version: Some("1".into()),
            started_at: Timestamp::now(),
            uptime_seconds: 1.0,
            status: ServiceStatus::Ok,
        }));
        snapshot.health = Some(HealthEvaluator::new(&HealthConfig::default()).evaluate(&snapshot));
        let cache = Cache::default();
        cache.publish(snapshot).expect("the snapshot serializes");
        let mut config = Config::default();
        config.http.cors_origins = vec!["https://a.example".into()];
        StatusService::from_config(cache, &config)
            .with_token(Some(Token::new(b"fuzz-token-0123456789").expect("a valid token")))
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&method, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut lines = text.split('\n');
    let target = lines.next().unwrap_or_default();
    let mut request = hyper::Request::builder()
        .method(METHODS[usize::from(method) % METHODS.len()])
        .uri(target);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            request = request.header(name.trim(), value.trim());
        }
    }
    let Ok(request) = request.body(()) else { return };
    let response = service().respond(&request);
    assert!(response.status().as_u16() >= 200);
});

//! Routing tests through `StatusService::respond`, without a socket.

use std::collections::BTreeMap;

use http_body_util::BodyExt;
use status_model::{CollectionReport, RuntimeSection, SectionData, SectionReport, Snapshot};

use super::*;

fn snapshot(runtime_outcome: Outcome) -> Snapshot {
    let mut sections = BTreeMap::new();
    let mut report = SectionReport::ok(0.1, BTreeMap::new());
    report.outcome = runtime_outcome;
    sections.insert("runtime".to_owned(), report);
    sections.insert("host".to_owned(), SectionReport::ok(0.2, BTreeMap::new()));
    let mut snapshot = Snapshot::new(CollectionReport {
        taken_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        duration_ms: 1.0,
        sequence: 1,
        interval_seconds: None,
        abandoned_total: 0,
        sections,
    });
    snapshot.put(SectionData::Runtime(RuntimeSection {
        event_loop_lag_ms: Some(0.5),
        workers: 2,
        alive_tasks: 5,
        global_queue_depth: 0,
    }));
    snapshot.put_missing(SectionName::Host);
    snapshot
}

fn get(
    service: &StatusService,
    method: Method,
    path: &str,
) -> (StatusCode, Option<String>, String) {
    let request = Request::builder().method(method).uri(path).body(()).unwrap();
    let response = service.respond(&request);
    let allow = response.headers().get(ALLOW).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let status = response.status();
    let body = futures_body(response.into_body());
    (status, allow, body)
}

fn futures_body(body: Full<Bytes>) -> String {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bytes = rt.block_on(body.collect()).unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[track_caller]
fn check(service: &StatusService, method: Method, path: &str, status: StatusCode, body: &str) {
    let (actual_status, _, actual_body) = get(service, method, path);
    assert_eq!((actual_status, actual_body.as_str()), (status, body), "{path}");
}

#[test]
fn before_the_first_snapshot_known_routes_are_503() {
    let service = StatusService::new(Cache::default());
    let unavailable = r#"{"error":"no snapshot yet"}"#;
    for path in ["/status", "/status/host", "/health"] {
        check(&service, Method::GET, path, StatusCode::SERVICE_UNAVAILABLE, unavailable);
    }
    check(
        &service,
        Method::GET,
        "/nope",
        StatusCode::NOT_FOUND,
        r#"{"error":"no such endpoint: /nope"}"#,
    );
}

#[test]
fn routes_after_a_snapshot() {
    let cache = Cache::default();
    let published = cache.publish(snapshot(Outcome::Ok)).unwrap();
    let service = StatusService::new(cache);
    let (status, _, body) = get(&service, Method::GET, "/status");
    assert_eq!((status, body.as_bytes()), (StatusCode::OK, &published.json[..]));
    check(
        &service,
        Method::GET,
        "/status/runtime",
        StatusCode::OK,
        r#"{"event_loop_lag_ms":0.5,"workers":2,"alive_tasks":5,"global_queue_depth":0}"#,
    );
    check(&service, Method::GET, "/status/host", StatusCode::OK, "null");
    check(
        &service,
        Method::GET,
        "/status/process",
        StatusCode::NOT_FOUND,
        r#"{"error":"section `process` is not configured"}"#,
    );
    check(
        &service,
        Method::GET,
        "/status/bogus",
        StatusCode::NOT_FOUND,
        r#"{"error":"unknown section `bogus`"}"#,
    );
    check(
        &service,
        Method::GET,
        "/status/",
        StatusCode::NOT_FOUND,
        r#"{"error":"unknown section ``"}"#,
    );
    check(
        &service,
        Method::GET,
        "/health",
        StatusCode::OK,
        r#"{"sections":{"host":"ok","runtime":"ok"},"status":"pass"}"#,
    );
    check(&service, Method::HEAD, "/status", StatusCode::OK, "");
}

#[test]
fn health_warns_when_a_section_is_not_ok() {
    let cache = Cache::default();
    cache.publish(snapshot(Outcome::Timeout)).unwrap();
    let service = StatusService::new(cache);
    check(
        &service,
        Method::GET,
        "/health",
        StatusCode::OK,
        r#"{"sections":{"host":"ok","runtime":"timeout"},"status":"warn"}"#,
    );
}

#[test]
fn other_methods_are_405_with_allow() {
    let service = StatusService::new(Cache::default());
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        let (status, allow, body) = get(&service, method.clone(), "/status");
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(allow.as_deref(), Some("GET, HEAD"));
        assert_eq!(body, format!(r#"{{"error":"method {method} not allowed"}}"#));
    }
}

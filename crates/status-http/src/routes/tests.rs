//! Routing tests through `StatusService::respond`, without a socket.

use std::collections::BTreeMap;

use http_body_util::BodyExt;
use status_collect::HealthConfig;
use status_collect::testing::HealthEvaluator;
use status_model::{
    CollectionReport, DiskUsage, HostSection, LoadAverage, MemoryUsage, Outcome, ProcessTable,
    RuntimeSection, SectionData, SectionReport, ServiceSection, ServiceStatus, Snapshot,
};

use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};

use super::*;

const HOSTILE: &str = "<script>alert(1)</script>";

/// A snapshot taken now: runtime (with the given outcome), host with a hostile disk path, service.
fn snapshot(runtime_outcome: Outcome, shutting_down: bool) -> Snapshot {
    let mut sections = BTreeMap::new();
    let mut report = SectionReport::ok(0.1, BTreeMap::new());
    report.outcome = runtime_outcome;
    if runtime_outcome != Outcome::Ok {
        report.reason = Some(format!("runtime {HOSTILE} broke"));
    }
    sections.insert("runtime".to_owned(), report);
    sections.insert("host".to_owned(), SectionReport::ok(0.2, BTreeMap::new()));
    sections.insert("service".to_owned(), SectionReport::ok(0.2, BTreeMap::new()));
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
        name: "agent-host".into(),
        version: Some("1.2.3".into()),
        started_at: Timestamp::now(),
        uptime_seconds: 12.0,
        status: if shutting_down { ServiceStatus::ShuttingDown } else { ServiceStatus::Ok },
    }));
    snapshot.put(SectionData::Host(HostSection {
        hostname: Some("box".into()),
        os: None,
        kernel: None,
        cpus: Some(2),
        load: Some(LoadAverage { one: 0.5, five: 0.5, fifteen: 0.5 }),
        memory: Some(MemoryUsage { total_bytes: 1000, used_bytes: 500, available_bytes: 500 }),
        swap: None,
        processes: Some(ProcessTable {
            current: 1,
            max: 100,
            fork_pressure_pct: 1.0,
            limit_source: "pid_max".into(),
        }),
        pressure: None,
        disks: BTreeMap::from([(
            HOSTILE.to_owned(),
            Some(DiskUsage { total_bytes: 1000, available_bytes: 500 }),
        )]),
    }));
    snapshot.health = Some(HealthEvaluator::new(&HealthConfig::default()).evaluate(&snapshot));
    snapshot
}

fn service_with(snapshot: Option<Snapshot>) -> StatusService {
    let cache = Cache::default();
    if let Some(snapshot) = snapshot {
        cache.publish(snapshot).unwrap();
    }
    StatusService::new(cache)
}

struct Reply {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    body: String,
}

fn send(service: &StatusService, method: Method, path: &str, accept: Option<&str>) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    let response = service.respond(&request.body(String::new()).unwrap());
    let header =
        |name| response.headers().get(name).map(|v: &HeaderValue| v.to_str().unwrap().to_owned());
    let (allow, content_type) = (header(ALLOW), header(CONTENT_TYPE).unwrap());
    assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
    let status = response.status();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bytes = rt.block_on(response.into_body().collect()).unwrap().to_bytes();
    Reply { status, content_type, allow, body: String::from_utf8(bytes.to_vec()).unwrap() }
}

fn get(service: &StatusService, path: &str) -> Reply {
    send(service, Method::GET, path, None)
}

#[track_caller]
fn check(service: &StatusService, path: &str, status: StatusCode, body: &str) {
    let reply = get(service, path);
    assert_eq!((reply.status, reply.body.as_str()), (status, body), "{path}");
}

#[test]
fn before_the_first_snapshot_known_routes_are_503() {
    let service = service_with(None);
    for path in ["/status", "/status/host", "/metrics"] {
        check(&service, path, StatusCode::SERVICE_UNAVAILABLE, r#"{"error":"no snapshot yet"}"#);
    }
    check(
        &service,
        "/health",
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"status":"fail","output":"no snapshot yet"}"#,
    );
    check(
        &service,
        "/readyz",
        StatusCode::SERVICE_UNAVAILABLE,
        "[-]snapshot failed: no snapshot yet\nreadyz check failed\n",
    );
    check(&service, "/livez", StatusCode::OK, "ok");
    assert_eq!(get(&service, "/").status, StatusCode::SERVICE_UNAVAILABLE);
    check(&service, "/nope", StatusCode::NOT_FOUND, r#"{"error":"no such endpoint: /nope"}"#);
}

#[test]
fn status_and_sections() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    let reply = get(&service, "/status");
    assert_eq!((reply.status, reply.content_type.as_str()), (StatusCode::OK, "application/json"));
    check(
        &service,
        "/status/runtime",
        StatusCode::OK,
        r#"{"event_loop_lag_ms":0.5,"workers":2,"alive_tasks":5,"global_queue_depth":0}"#,
    );
    check(
        &service,
        "/status/process",
        StatusCode::NOT_FOUND,
        r#"{"error":"section `process` is not configured"}"#,
    );
    check(
        &service,
        "/status/bogus",
        StatusCode::NOT_FOUND,
        r#"{"error":"unknown section `bogus`"}"#,
    );
    assert_eq!(send(&service, Method::HEAD, "/status", None).body, "");
}

#[test]
fn status_terse() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    for path in [
        "/status?terse=1",
        "/status?pretty&terse",
        "/status?terse=true",
        "/status?format=terse",
        "/status?pretty&format=terse",
    ] {
        let reply = get(&service, path);
        assert_eq!(reply.status, StatusCode::OK);
        let terse: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        let keys: Vec<&String> = terse.as_object().unwrap().keys().collect();
        let documented = status_model::terse::keys();
        assert!(keys.iter().all(|key| documented.contains(key)), "{path}: {keys:?}");
        assert_eq!(terse["service.version"], "1.2.3");
        assert!(terse.get("process.rss_bytes").is_none(), "not configured");
    }
    for path in ["/status?terse=0", "/status?format=json"] {
        let whole = get(&service, path);
        assert!(whole.body.starts_with(r#"{"schema_version":1,"#), "{path}: {}", whole.body);
    }
    for (path, format) in [("/status?format=yaml", "yaml"), ("/status?terse&format=", "")] {
        check(
            &service,
            path,
            StatusCode::BAD_REQUEST,
            &format!(
                r#"{{"error":"unknown format `{format}`; accepted: `json` (the whole snapshot), `terse`"}}"#
            ),
        );
    }
    check(
        &service_with(None),
        "/status?terse=1",
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"error":"no snapshot yet"}"#,
    );
}

#[test]
fn metrics_in_both_formats() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    let reply = get(&service, "/metrics");
    assert_eq!(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
    for line in [
        "# TYPE status_runtime_event_loop_lag_seconds gauge",
        "status_runtime_event_loop_lag_seconds 0.0005",
        "status_host_disks_total_bytes{path=\"<script>alert(1)</script>\"} 1000",
        "status_health_check{check=\"shutting_down\",status=\"pass\"} 1",
        "status_health_check{check=\"shutting_down\",status=\"fail\"} 0",
        "# TYPE status_collections_total counter",
        "status_collection_section_outcome{section=\"runtime\",outcome=\"ok\"} 1",
    ] {
        assert!(reply.body.lines().any(|l| l == line), "missing {line:?} in\n{}", reply.body);
    }
    assert!(!reply.body.contains("# EOF"));
    let open = send(
        &service,
        Method::GET,
        "/metrics",
        Some("application/openmetrics-text; version=1.0.0"),
    );
    assert_eq!(open.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    assert!(open.body.ends_with("# EOF\n"));
    assert!(
        open.body.contains("# TYPE status_collections counter\nstatus_collections_total 1\n"),
        "{}",
        open.body
    );
}

#[test]
fn the_page_escapes_every_value() {
    let service = service_with(Some(snapshot(Outcome::Timeout, false)));
    let reply = get(&service, "/");
    assert_eq!(
        (reply.status, reply.content_type.as_str()),
        (StatusCode::OK, "text/html; charset=utf-8")
    );
    assert!(!reply.body.contains("<script>"), "unescaped hostile value");
    assert!(reply.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(reply.body.contains("<h1>Degraded</h1>"));
    assert!(reply.body.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
    let runtime_card = reply.body.find("<h2>runtime</h2>").unwrap();
    let host_card = reply.body.find("<h2>host</h2>").unwrap();
    assert!(runtime_card < host_card, "the failing section comes first");
}

#[test]
fn other_methods_are_405_with_allow() {
    let service = service_with(None);
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
        let reply = send(&service, method.clone(), "/status", None);
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(reply.allow.as_deref(), Some("GET, HEAD"));
        assert_eq!(reply.body, format!(r#"{{"error":"method {method} not allowed"}}"#));
    }
}

#[test]
fn from_config_applies_page_refresh_and_freshness() {
    let config = Config::parse(
        "[http]\npage_refresh = \"5s\"\n[health.snapshot_fresh]\nenabled = false\n",
        "t",
    )
    .unwrap();
    let cache = Cache::default();
    let mut old = snapshot(Outcome::Ok, false);
    old.collection.taken_at = Timestamp::now() - jiff::SignedDuration::from_secs(3600);
    cache.publish(old).unwrap();
    let service = StatusService::from_config(cache, &config);
    assert!(get(&service, "/").body.contains("content=\"5\""));
    check(&service, "/livez", StatusCode::OK, "ok");
}

mod browser;
mod prerendered;
mod probes;
mod security;

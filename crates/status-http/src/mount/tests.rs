//! The mount: prefixes it accepts, what it strips, what it answers itself, and the tower trait.

use std::collections::BTreeMap;
use std::future::poll_fn;

use http_body_util::BodyExt;
use hyper::service::Service as _;
use status_collect::Cache;
use status_model::{CollectionReport, Snapshot, Timestamp};

use super::*;

fn cache() -> Cache {
    let cache = Cache::default();
    let snapshot = Snapshot::new(CollectionReport {
        taken_at: Timestamp::now(),
        duration_ms: 1.0,
        sequence: 7,
        interval_seconds: Some(30.0),
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    });
    cache.publish(snapshot).unwrap();
    cache
}

fn mount() -> Mount {
    Mount::new("/ops/status", StatusService::new(cache())).unwrap()
}

async fn get(mount: &Mount, uri: &str) -> (StatusCode, Option<String>, String) {
    let response = mount.call(Request::get(uri).body(String::new()).unwrap()).await.unwrap();
    let location = response.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, location, String::from_utf8(body.to_vec()).unwrap())
}

#[test]
fn prefixes() {
    for good in ["/ops/status", "/status", "/a/b/c"] {
        assert_eq!(Mount::new(good, StatusService::new(Cache::default())).unwrap().prefix(), good);
    }
    for (bad, reason) in [
        ("ops/status", "it must start with `/`"),
        ("/", "it must not end with `/` (to serve at the root, use the service itself)"),
        ("/ops/", "it must not end with `/` (to serve at the root, use the service itself)"),
        ("/ops?x=1", "it must be a plain path"),
        ("/ops status", "it must be a plain path"),
    ] {
        let error = Mount::new(bad, StatusService::new(Cache::default())).err().unwrap();
        assert_eq!(error.reason, reason, "{bad}");
        assert!(error.to_string().starts_with("failed to mount the status routes at"));
    }
}

#[test]
fn matching_is_by_whole_path_segments() {
    let mount = mount();
    let matches = |path: &str| mount.matches(&Request::get(path).body(String::new()).unwrap());
    assert!(matches("/ops/status") && matches("/ops/status/") && matches("/ops/status/metrics"));
    assert!(!matches("/ops/statusx") && !matches("/ops") && !matches("/status") && !matches("/"));
}

#[tokio::test]
async fn routes_answer_under_the_prefix_with_the_query_kept() {
    let mount = mount();
    let (status, _, body) = get(&mount, "/ops/status/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["collection"]["sequence"],
        7
    );
    let (status, _, body) = get(&mount, "/ops/status/status?terse=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"taken_at\""), "the terse projection: {body}");
    let (status, _, body) = get(&mount, "/ops/status/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<a href=\"/ops/status/status\">"), "the page links inside the prefix");
    let (status, _, _) = get(&mount, "/ops/status/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_prefix_redirects_and_other_paths_are_not_found() {
    let mount = mount();
    let (status, location, _) = get(&mount, "/ops/status?verbose").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location.as_deref(), Some("/ops/status/?verbose"));
    let (status, _, body) = get(&mount, "/elsewhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, r#"{"error":"not found"}"#);
}

#[tokio::test]
async fn both_are_tower_services() {
    let mut mount = mount();
    poll_fn(|cx| tower_service::Service::<Request<String>>::poll_ready(&mut mount, cx))
        .await
        .unwrap();
    let request = Request::get("/ops/status/livez").body(String::new()).unwrap();
    let response = tower_service::Service::call(&mut mount, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let mut service = StatusService::new(cache());
    poll_fn(|cx| tower_service::Service::<Request<String>>::poll_ready(&mut service, cx))
        .await
        .unwrap();
    let request = Request::get("/status").body(String::new()).unwrap();
    let response = tower_service::Service::call(&mut service, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

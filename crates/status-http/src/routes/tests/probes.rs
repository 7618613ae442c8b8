//! `/health` in the IETF format, its 503 on a failure, `/readyz` and `/livez` like the Kubernetes
//! API server's, and both failing on a stale snapshot.

use super::*;

#[test]
fn health_follows_the_ietf_format() {
    let service = service_with(Some(snapshot(Outcome::Timeout, false)));
    let reply = get(&service, "/health");
    assert_eq!(
        (reply.status, reply.content_type.as_str()),
        (StatusCode::OK, "application/health+json")
    );
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["status"], "warn");
    assert_eq!(body["serviceId"], "agent-host");
    assert_eq!(body["releaseId"], "1.2.3");
    assert_eq!(body["output"], "not passing: collectors");
    let collectors = &body["checks"]["collector:outcomes"][0];
    assert_eq!(collectors["status"], "warn");
    assert_eq!(collectors["componentType"], "component");
    assert_eq!(collectors["observedValue"], 1.0);
    assert_eq!(collectors["observedUnit"], "sections");
    assert!(collectors["time"].as_str().unwrap().ends_with('Z'));
    assert!(collectors["output"].as_str().unwrap().contains("runtime (timeout)"));
    let disk = &body["checks"]["disk:available"][0];
    assert_eq!(
        (disk["componentId"].as_str(), &disk["componentType"]),
        (Some(HOSTILE), &serde_json::json!("system"))
    );
    assert!(disk.get("output").is_none(), "no output for a passing check");
    let allowed = [
        "componentId",
        "componentType",
        "observedValue",
        "observedUnit",
        "status",
        "time",
        "output",
        // Our extension: the limits a graded value was compared with.
        "thresholds",
    ];
    assert_eq!(
        disk["thresholds"],
        serde_json::json!({"warn_below": 10.0, "fail_below": 5.0}),
        "the thresholds a monitoring plugin puts in its perfdata"
    );
    for entries in body["checks"].as_object().unwrap().values() {
        for entry in entries.as_array().unwrap() {
            for key in entry.as_object().unwrap().keys() {
                assert!(allowed.contains(&key.as_str()), "{key} is not a field of the IETF draft");
            }
        }
    }
}

#[test]
fn health_is_503_on_fail() {
    // A snapshot an hour old: `snapshot_fresh`, a critical check, fails.
    let mut stale = snapshot(Outcome::Ok, false);
    stale.collection.taken_at =
        Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap();
    let reply = get(&service_with(Some(stale)), "/health");
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.starts_with(r#"{"status":"fail""#), "{}", reply.body);
}

#[test]
fn a_clean_stop_and_non_critical_failures_warn_but_never_503() {
    // `shutting_down` fails readiness, not `/health`.
    let stopping = service_with(Some(snapshot(Outcome::Ok, true)));
    let reply = get(&stopping, "/health");
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.body.starts_with(r#"{"status":"warn""#), "{}", reply.body);
    assert!(reply.body.contains(r#""status":"fail""#), "the check itself fails: {}", reply.body);
    assert_eq!(get(&stopping, "/readyz").status, StatusCode::SERVICE_UNAVAILABLE);
}

#[test]
fn readyz_like_the_kubernetes_api_server() {
    let ready = service_with(Some(snapshot(Outcome::Timeout, false)));
    check(&ready, "/readyz", StatusCode::OK, "ok");
    check(
        &ready,
        "/readyz?verbose",
        StatusCode::OK,
        "[+]snapshot ok\n[+]shutting_down ok\n[+]snapshot_fresh ok\nreadyz check passed\n",
    );
    check(&ready, "/readyz/shutting_down", StatusCode::OK, "ok");
    check(&ready, "/readyz/nope", StatusCode::NOT_FOUND, "no such readiness check: nope\n");

    let stopping = service_with(Some(snapshot(Outcome::Ok, true)));
    let failed = "[+]snapshot ok\n[-]shutting_down failed: shutting down\n[+]snapshot_fresh ok\nreadyz check failed\n";
    check(&stopping, "/readyz", StatusCode::SERVICE_UNAVAILABLE, failed);
    check(&stopping, "/readyz?verbose", StatusCode::SERVICE_UNAVAILABLE, failed);
    check(
        &stopping,
        "/readyz/shutting_down",
        StatusCode::SERVICE_UNAVAILABLE,
        "[-]shutting_down failed: shutting down\nreadyz check failed\n",
    );
    check(&stopping, "/readyz?exclude=shutting_down", StatusCode::OK, "ok");
    check(
        &stopping,
        "/readyz?verbose&exclude=shutting_down&exclude=snapshot",
        StatusCode::OK,
        "[+]snapshot excluded: ok\n[+]shutting_down excluded: ok\n[+]snapshot_fresh ok\nreadyz check passed\n",
    );
    // Liveness does not care that the service is stopping: restarting it would not help.
    check(
        &stopping,
        "/livez?verbose",
        StatusCode::OK,
        "[+]ping ok\n[+]collection ok\nlivez check passed\n",
    );
}

#[test]
fn a_stale_snapshot_fails_liveness_and_readiness() {
    let mut old = snapshot(Outcome::Ok, false);
    old.collection.taken_at = Timestamp::now() - jiff::SignedDuration::from_secs(91);
    let service = service_with(Some(old));
    let reply = get(&service, "/livez");
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        reply.body.starts_with("[+]ping ok\n[-]collection failed: latest snapshot is 91 s old"),
        "{}",
        reply.body
    );
    let reply = get(&service, "/readyz/snapshot_fresh");
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(reply.body.contains("above 3 intervals"), "{}", reply.body);
    assert_eq!(get(&service, "/health").status, StatusCode::SERVICE_UNAVAILABLE);
}

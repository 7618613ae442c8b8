//! The answers rendered once per snapshot: a request fills in only what depends on its time, and
//! gets the same answer a per-request render would give.

use std::io::Read;

use hyper::HeaderMap;
use hyper::header::{ACCEPT_ENCODING, CONTENT_ENCODING, HeaderName};

use super::*;

fn respond(
    service: &StatusService,
    path: &str,
    headers: &[(HeaderName, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = service.respond(&request.body(String::new()).unwrap());
    let (status, headers) = (response.status(), response.headers().clone());
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bytes = rt.block_on(response.into_body().collect()).unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

fn without_age(text: &str) -> (String, f64) {
    let mut age = None;
    let rest = text
        .lines()
        .filter(|line| match line.strip_prefix("status_snapshot_age_seconds ") {
            Some(value) => {
                age = Some(value.parse::<f64>().unwrap());
                false
            }
            None => true,
        })
        .collect::<Vec<_>>()
        .join("\n");
    (rest, age.expect("an age sample"))
}

#[test]
fn metrics_are_rendered_once_and_only_the_age_changes() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    for (accept, format) in [
        (None, metrics::Format::Prometheus),
        (Some("application/openmetrics-text"), metrics::Format::OpenMetrics),
    ] {
        let headers: Vec<(HeaderName, &str)> = accept.map(|a| (ACCEPT, a)).into_iter().collect();
        let (_, _, first) = respond(&service, "/metrics", &headers);
        std::thread::sleep(std::time::Duration::from_millis(5));
        let (_, _, second) = respond(&service, "/metrics", &headers);
        let (first, first_age) = without_age(std::str::from_utf8(&first).unwrap());
        let (second, second_age) = without_age(std::str::from_utf8(&second).unwrap());
        assert_eq!(first, second);
        assert!(second_age > first_age, "{first_age} then {second_age}");
        // The same as a render at the request, but for the age.
        let published = service.cache.latest().unwrap();
        let now = Timestamp::now();
        let report = live::report(&published, &service.options.freshness, now);
        let rendered = metrics::render(&published, report.as_ref(), 1.0, format);
        assert_eq!(without_age(&rendered).0, first);
        // Kept for the snapshot: asking again renders nothing.
        let (_, verdict) = service.verdict(&published, now);
        service.memo.get(&published).views.metrics(format, verdict, || panic!("rendered twice"));
    }
}

#[test]
fn gzip_metrics_decode_to_the_plain_answer() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    for accept in ["text/plain", "application/openmetrics-text"] {
        let (status, headers, zipped) =
            respond(&service, "/metrics", &[(ACCEPT, accept), (ACCEPT_ENCODING, "gzip")]);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[CONTENT_ENCODING], "gzip");
        assert_eq!(headers[VARY], "Accept-Encoding");
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(zipped.as_slice()).read_to_string(&mut unzipped).unwrap();
        let (_, plain_headers, plain) = respond(&service, "/metrics", &[(ACCEPT, accept)]);
        assert!(plain_headers.get(CONTENT_ENCODING).is_none());
        assert_eq!(without_age(&unzipped).0, without_age(std::str::from_utf8(&plain).unwrap()).0);
        assert!(zipped.len() * 3 < plain.len(), "{} of {}", zipped.len(), plain.len());
    }
}

/// The `/health` body without the freshness check's entry (under `key`), and that entry.
fn split_fresh(mut body: serde_json::Value, key: &str) -> (serde_json::Value, serde_json::Value) {
    let checks = body["checks"].as_object_mut().unwrap();
    let fresh = checks.remove(key).expect("a freshness entry");
    (body, fresh)
}

#[test]
fn health_fills_in_the_freshness_check_of_the_request() {
    for age in [1, 91] {
        let mut snapshot = snapshot(Outcome::Ok, false);
        snapshot.collection.taken_at = Timestamp::now() - jiff::SignedDuration::from_secs(age);
        let service = service_with(Some(snapshot));
        let (status, _, body) = respond(&service, "/health", &[]);
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let published = service.cache.latest().unwrap();
        let now = Timestamp::now();
        let report = live::report(&published, &service.options.freshness, now).unwrap();
        let expected = ietf::template(&published, &report, "no check has this name").0;
        let expected: serde_json::Value = serde_json::from_str(&expected).unwrap();
        let code = if age > 90 { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
        assert_eq!(status, code);
        let check = report.checks.iter().find(|check| check.name == live::FRESHNESS).unwrap();
        let key = format!("{}:{}", check.component, check.measurement);
        let (body, fresh) = split_fresh(body, &key);
        let (expected, expected_fresh) = split_fresh(expected, &key);
        assert_eq!(body, expected);
        assert_eq!(fresh[0]["status"], expected_fresh[0]["status"]);
        // In intervals of 30 s, to two decimals.
        let observed = fresh[0]["observedValue"].as_f64().unwrap();
        assert!(observed * 30.0 >= age as f64 - 0.5, "{fresh}");
        // Its time is the request's.
        let time: Timestamp = fresh[0]["time"].as_str().unwrap().parse().unwrap();
        assert!(time >= published.collection.taken_at, "{fresh}");
    }
}

#[test]
fn the_page_is_rendered_once_per_second() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    let published = service.cache.latest().unwrap();
    loop {
        let before = Timestamp::now().as_second();
        let body = get(&service, "/").body;
        if Timestamp::now().as_second() != before {
            continue; // the second turned during the request: try again
        }
        let at = Timestamp::from_second(before).unwrap();
        let verdict = service.verdict(&published, at).1;
        let views = &service.memo.get(&published).views;
        let kept = views.page(before, false, verdict, || panic!("rendered again"));
        assert_eq!(kept.as_ref(), body.as_bytes());
        break;
    }
}

#[test]
fn a_metrics_body_is_shared_by_the_requests_of_one_millisecond() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    let published = service.cache.latest().unwrap();
    let views = &service.memo.get(&published).views;
    let format = metrics::Format::Prometheus;
    let first = views.metrics_body(format, false, 5, || Bytes::from_static(b"at 5 ms"));
    assert_eq!(views.metrics_body(format, false, 5, || panic!("made again")), first);
    // Another age, format or encoding is made anew.
    assert_eq!(views.metrics_body(format, true, 5, || Bytes::from_static(b"gzip")), "gzip");
    assert_eq!(views.metrics_body(format, false, 6, || Bytes::from_static(b"at 6 ms")), "at 6 ms");
    // The age is written to the millisecond.
    let (_, age) = without_age(&get(&service, "/metrics").body);
    assert_eq!((age * 1000.0).round(), age * 1000.0, "{age}");
}

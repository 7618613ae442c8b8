//! Access by token, per route; conditional and compressed `/status`; CORS; forced refreshes and
//! the concurrency limit through the `Service` impl.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use hyper::header::{
    ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_ORIGIN, AGE, AUTHORIZATION, ETAG, IF_NONE_MATCH, ORIGIN,
    WARNING, WWW_AUTHENTICATE,
};
use hyper::service::Service as _;
use status_collect::testing::{CollectError, Collected, Collector, Engine, EngineSettings};
use status_model::SectionName;

use super::*;

const TOKEN: &str = "correct-horse-battery-staple";

fn protected() -> StatusService {
    service_with(Some(snapshot(Outcome::Ok, false)))
        .with_token(Some(Token::new(TOKEN.as_bytes()).unwrap()))
}

fn request(path: &str, headers: &[(&str, &str)]) -> Request<String> {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(String::new()).unwrap()
}

fn body(response: crate::reply::Reply) -> (StatusCode, hyper::HeaderMap, Vec<u8>) {
    let (parts, body) = response.into_parts();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bytes = rt.block_on(body.collect()).unwrap().to_bytes();
    (parts.status, parts.headers, bytes.to_vec())
}

#[test]
fn every_route_answers_by_token() {
    let service = protected();
    let bearer = format!("Bearer {TOKEN}");
    let wrong = format!("Bearer {TOKEN}x");
    let lowercase = format!("bearer  {TOKEN}");
    // (path, status without a token, with the token)
    let routes = [
        ("/", 401, 200),
        ("/status", 401, 200),
        ("/status/host", 401, 200),
        ("/status/nope", 401, 404),
        ("/metrics", 401, 200),
        ("/nope", 401, 404),
        ("/health", 200, 200),
        ("/livez", 200, 200),
        ("/readyz", 200, 200),
        ("/readyz/snapshot", 200, 200),
    ];
    for (path, anonymous, granted) in routes {
        let status = |headers: &[(&str, &str)]| service.respond(&request(path, headers)).status();
        assert_eq!(status(&[]), anonymous, "{path} without a token");
        assert_eq!(status(&[("authorization", &wrong)]), anonymous, "{path} with a wrong token");
        assert_eq!(status(&[("authorization", "Basic Zm9vOmJhcg==")]), anonymous, "{path} basic");
        assert_eq!(status(&[("authorization", &bearer)]), granted, "{path} with the token");
        assert_eq!(status(&[("authorization", &lowercase)]), granted, "{path} scheme case");
    }
    let challenge = |headers: &[(&str, &str)]| {
        service.respond(&request("/status", headers)).headers()[WWW_AUTHENTICATE].clone()
    };
    assert_eq!(challenge(&[]), "Bearer realm=\"status\"");
    assert_eq!(
        challenge(&[("authorization", &wrong)]),
        "Bearer realm=\"status\", error=\"invalid_token\""
    );
    let open = service_with(Some(snapshot(Outcome::Ok, false)));
    assert_eq!(open.respond(&request("/metrics", &[])).status(), 200, "no token: open");
}

#[test]
fn without_the_token_health_is_the_status_only_and_probe_reasons_are_withheld() {
    let service = service_with(Some(snapshot(Outcome::Error, true)))
        .with_token(Some(Token::new(TOKEN.as_bytes()).unwrap()));
    let (status, _, health) = body(service.respond(&request("/health", &[])));
    assert_eq!(
        (status, String::from_utf8(health).unwrap().as_str()),
        (StatusCode::OK, r#"{"status":"warn"}"#),
        "a clean stop warns; readiness fails"
    );
    let (_, _, readyz) = body(service.respond(&request("/readyz?verbose", &[])));
    let readyz = String::from_utf8(readyz).unwrap();
    assert!(readyz.contains("[-]shutting_down failed: reason withheld"), "{readyz}");
    let (_, _, one) = body(service.respond(&request("/readyz/shutting_down", &[])));
    assert_eq!(
        String::from_utf8(one).unwrap(),
        "[-]shutting_down failed: reason withheld\nreadyz check failed\n"
    );
    let bearer = format!("Bearer {TOKEN}");
    let (_, _, full) =
        body(service.respond(&request("/readyz?verbose", &[("authorization", &bearer)])));
    assert!(!String::from_utf8(full).unwrap().contains("withheld"));
}

#[test]
fn tokens_never_show_and_load_from_files_and_variables() {
    let token = Token::new(TOKEN.as_bytes()).unwrap();
    assert_eq!(format!("{token:?}"), "Token(<redacted>)");
    assert!(token.matches(TOKEN.as_bytes()));
    for other in ["", "correct-horse-battery-stapl", "correct-horse-battery-staplf", "x"] {
        assert!(!token.matches(other.as_bytes()), "{other}");
    }
    let dir = std::env::temp_dir().join(format!("status-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, format!("  {TOKEN}\n")).unwrap();
    assert!(Token::from_file(&file).unwrap().matches(TOKEN.as_bytes()), "whitespace trimmed");
    std::fs::write(&file, "\n").unwrap();
    let empty = Token::from_file(&file).unwrap_err().to_string();
    assert!(empty.contains(&file.display().to_string()) && empty.contains("empty"), "{empty}");
    std::fs::write(&file, "two words").unwrap();
    let invalid = Token::from_file(&file).unwrap_err().to_string();
    assert!(invalid.contains("visible ASCII") && !invalid.contains("two words"), "{invalid}");
    let missing = Token::from_file(&dir.join("absent")).unwrap_err().to_string();
    assert!(missing.contains("absent"), "{missing}");
    let unset = Token::from_env("STATUS_TEST_TOKEN_THAT_IS_NOT_SET").unwrap_err().to_string();
    assert!(unset.contains("STATUS_TEST_TOKEN_THAT_IS_NOT_SET"), "{unset}");
    let http = status_collect::HttpConfig {
        token_file: Some(file),
        token_env: Some("X".into()),
        ..Default::default()
    };
    assert!(Token::from_config(&http).unwrap_err().to_string().contains("not both"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn status_has_an_etag_answers_304_and_gzips() {
    let service = service_with(Some(snapshot(Outcome::Ok, false)));
    let (status, headers, plain) = body(service.respond(&request("/status", &[])));
    assert_eq!(status, StatusCode::OK);
    let etag = headers[ETAG].to_str().unwrap().to_owned();
    let (status, headers, empty) = body(
        service.respond(&request("/status", &[("if-none-match", &format!("\"x\", W/{etag}"))])),
    );
    assert_eq!(
        (status, empty.len(), headers[ETAG].to_str().unwrap()),
        (StatusCode::NOT_MODIFIED, 0, etag.as_str())
    );
    let (_, _, _) =
        body(service.respond(&request("/status", &[(IF_NONE_MATCH.as_str(), "\"other\"")])));
    let (status, headers, zipped) =
        body(service.respond(&request("/status", &[(ACCEPT_ENCODING.as_str(), "br, gzip;q=0.8")])));
    assert_eq!((status, headers["content-encoding"].to_str().unwrap()), (StatusCode::OK, "gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice()).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain);
    let (_, headers, _) =
        body(service.respond(&request("/status", &[("accept-encoding", "gzip;q=0")])));
    assert!(headers.get("content-encoding").is_none(), "q=0 refuses gzip");
}

#[test]
fn cors_is_off_unless_origins_are_configured() {
    let origin = "https://dash.example";
    let off = service_with(Some(snapshot(Outcome::Ok, false)));
    let response = off.respond(&request("/status", &[(ORIGIN.as_str(), origin)]));
    assert!(response.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let mut config = Config::default();
    config.http.cors_origins = vec![origin.to_owned()];
    let cache = Cache::default();
    cache.publish(snapshot(Outcome::Ok, false)).unwrap();
    let on = StatusService::from_config(cache, &config);
    let response = on.respond(&request("/status", &[("origin", origin)]));
    assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], origin);
    let other = on.respond(&request("/status", &[("origin", "https://evil.example")]));
    assert!(other.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let preflight = Request::options("/status")
        .header("origin", origin)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .body(String::new())
        .unwrap();
    let response = on.respond(&preflight);
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(response.headers()["access-control-allow-headers"], "authorization");
}

/// Counts collections; each waits until `release` is set.
struct Gate {
    collections: AtomicU64,
    release: tokio::sync::watch::Receiver<bool>,
}

#[async_trait]
impl Collector for Gate {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        self.collections.fetch_add(1, Ordering::SeqCst);
        let _ = self.release.clone().wait_for(|open| *open).await;
        Err(CollectError::Unavailable("a test collector".into()))
    }
}

fn refreshing(
    max_concurrent: usize,
) -> (StatusService, Arc<Gate>, tokio::sync::watch::Sender<bool>) {
    let (open, release) = tokio::sync::watch::channel(false);
    let gate = Arc::new(Gate { collections: AtomicU64::new(0), release });
    let settings = EngineSettings {
        deadline: Duration::from_secs(5),
        interval: None,
        health: Some(Arc::new(HealthEvaluator::new(&HealthConfig::default()))),
    };
    let engine = Engine::with_settings(vec![gate.clone() as Arc<dyn Collector>], settings);
    let cache = Cache::default();
    cache.publish(snapshot(Outcome::Ok, false)).unwrap();
    let mut config = Config::default();
    config.http.max_concurrent_requests = max_concurrent;
    let refresher =
        status_collect::testing::refresher(engine, cache.clone(), Duration::from_secs(60));
    let service = StatusService::from_config(cache, &config)
        .with_token(Some(Token::new(TOKEN.as_bytes()).unwrap()))
        .with_refresher(refresher);
    (service, gate, open)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_collects_once_then_serves_the_cache_marked_stale() {
    let (service, gate, open) = refreshing(64);
    let bearer = format!("Bearer {TOKEN}");
    let fresh = || service.call(request("/status?fresh=1", &[(AUTHORIZATION.as_str(), &bearer)]));
    let first = tokio::spawn(fresh());
    let second = tokio::spawn(fresh());
    tokio::time::sleep(Duration::from_millis(50)).await;
    open.send_replace(true);
    for call in [first, second] {
        let response = call.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get(WARNING).is_none(), "fresh: no warning");
    }
    assert_eq!(gate.collections.load(Ordering::SeqCst), 1);
    let throttled = fresh().await.unwrap();
    assert_eq!(throttled.headers()[WARNING], "110 - \"Response is Stale\"");
    assert!(throttled.headers().contains_key(AGE));
    let anonymous = service.call(request("/health?fresh=1", &[])).await.unwrap();
    let (parts, health) = anonymous.into_parts();
    let health = health.collect().await.unwrap().to_bytes();
    assert_eq!(parts.status, StatusCode::OK);
    let health: serde_json::Value = serde_json::from_slice(&health).unwrap();
    let keys: Vec<&String> = health.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["status"], "the minimal body: {health}");
    assert!(parts.headers.contains_key(WARNING), "asked for fresh, got the cache");
    assert_eq!(gate.collections.load(Ordering::SeqCst), 1, "no token: no collection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_waiters_have_their_own_limit_and_never_take_the_places_of_plain_reads() {
    let (service, _gate, open) = refreshing(1);
    let bearer = format!("Bearer {TOKEN}");
    let fresh = || service.call(request("/status?fresh=1", &[("authorization", &bearer)]));
    let waiting: Vec<_> = (0..crate::FRESH_WAITERS).map(|_| tokio::spawn(fresh())).collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = tokio::time::Instant::now();
    // `max_concurrent_requests = 1`, and every waiter's place is taken: plain reads still pass,
    // and one more forced refresh is answered from the cache at once, marked stale.
    assert_eq!(service.call(request("/livez", &[])).await.unwrap().status(), StatusCode::OK);
    let beyond = fresh().await.unwrap();
    assert_eq!(beyond.status(), StatusCode::OK);
    assert_eq!(beyond.headers()[WARNING], "110 - \"Response is Stale\"");
    assert!(started.elapsed() < Duration::from_secs(1));
    open.send_replace(true);
    for waiter in waiting {
        let response = waiter.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get(WARNING).is_none(), "the waiters got the collection");
    }
}

//! The HTML status page in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `.ci/run`) loads `/`, and the test reads the DOM it built and keeps a screenshot.

#![expect(clippy::disallowed_methods, reason = "the test runs Chromium as a child process")]
#![expect(
    clippy::print_stderr,
    reason = "a skip says why; what the browser measured and where the screenshots are is worth \
              seeing with --nocapture"
)]

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::{Service as _, service_fn};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use status_collect::Cache;
use status_collect::{Config, Status};
use status_deps::NoDeps;
use status_http::{Mount, StatusService, Token};
use status_model::{
    BrokerSection, InFlightOperation, MetricsSection, OperationRecord, RecentOperationsSection,
    ScheduledJob, SchedulerSection, SectionData, SectionReport, Snapshot, Timestamp,
};

const HOSTILE_PATH: &str = "/tmp/<script>alert(1)</script>";
const HOSTILE_NAME: &str = "<img src=x onerror=alert(2)>";

/// Runs headless Chromium with the flags this machine needs (no sandbox as root, no background
/// networking on a closed network) plus `args`; returns stdout.
fn chromium(profile: &Path, args: &[&str]) -> String {
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium is installed (Debian package chromium)");
    // Chromium gets a minute; a hung one is killed rather than left behind. Its output is small
    // (a DOM dump), well under a pipe's buffer.
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium ran for more than 60 s with {args:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_renders_in_chromium_with_every_value_escaped() {
    status_testkit::require_tools!("chromium");
    let text = format!(
        "[service]\nname = {HOSTILE_NAME:?}\n[host]\ndisk_paths = [\"/\", {HOSTILE_PATH:?}]\n[collect]\ninterval = \"30s\"\n"
    );
    let config = Config::parse(&text, "browser test").unwrap();
    let status = Status::spawn(&config, Arc::new(NoDeps));
    status.cache().subscribe().wait_for(Option::is_some).await.unwrap();
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(status_http::serve(
        listener,
        StatusService::from_config(status.cache(), &config),
        std::future::pending(),
    ));

    let profile = tempfile::tempdir().unwrap();
    let dom = tokio::task::spawn_blocking({
        let (profile, url) = (profile.path().to_owned(), url.clone());
        move || chromium(&profile, &["--dump-dom", &url])
    })
    .await
    .unwrap();

    let banner =
        dom.split("<h1>").nth(1).and_then(|rest| rest.split("</h1>").next()).expect("a banner");
    assert!(["Healthy", "Degraded", "Unhealthy"].contains(&banner), "banner verdict {banner:?}");
    // One card for the checks, one per configured section.
    let configured = status.cache().latest().unwrap().snapshot.collection.sections.len();
    assert!(configured >= 5, "the standard sections and the pipeline's");
    let panels = dom.matches("<section class=\"card panel").count();
    assert_eq!(dom.matches("<section class=\"card").count() - panels, 1 + configured, "{dom}");
    for section in ["service", "process", "host", "runtime", "pipeline"] {
        assert!(dom.contains(&format!("<h2>{section}</h2>")), "no card for {section}");
    }
    // The hostile values are text, not markup: the DOM has no element they could have created.
    assert!(dom.contains("/tmp/&lt;script&gt;alert(1)&lt;/script&gt;"), "{dom}");
    assert!(dom.contains("&lt;img src=x onerror=alert(2)&gt;"), "{dom}");
    assert!(!dom.contains("<script") && !dom.contains("<img"), "markup injected: {dom}");

    let artifact = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page.png");
    let screenshot = format!("--screenshot={}", artifact.display());
    tokio::task::spawn_blocking({
        let profile = profile.path().to_owned();
        move || chromium(&profile, &["--window-size=1280,1100", &screenshot, &url])
    })
    .await
    .unwrap();
    let png = std::fs::read(&artifact).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot at {}",
        artifact.display()
    );
}

const TOKEN: &str = "browser-test-token-0123456789";

/// The script page of the test host (never part of the status routes): it drives the status page
/// in a frame as a person would (types the token into the form, submits, reloads, signs out) and
/// measures it at 390 and 1280 px, then writes what it saw as JSON into `#result`.
const HARNESS: &str = include_str!("browser_harness.html");

/// A collected snapshot plus the app's sections behind the panels, with long
/// tokens (ids, paths, labels) and a histogram.
fn busy(mut snapshot: Snapshot) -> Snapshot {
    let now = Timestamp::now();
    for name in ["broker", "recent_operations", "scheduler", "metrics"] {
        snapshot
            .collection
            .sections
            .insert(name.to_owned(), SectionReport::ok(0.2, Default::default()));
    }
    snapshot.put(SectionData::Broker(BrokerSection {
        last_operation_at: Some(now),
        in_flight_count: 2,
        in_flight: vec![
            InFlightOperation {
                operation_id: "op-7f3a9c2e-51b4-4d0e-9a43-6c1f0b8e2d17-retry-0003".into(),
                tool: "web__search".into(),
                tier: Some("T0".into()),
                elapsed_s: Some(68.0),
            },
            InFlightOperation {
                operation_id: "op-2".into(),
                tool: "filesystem__read_directory_recursively".into(),
                tier: None,
                elapsed_s: None,
            },
        ],
        last_10_results: [("success".to_owned(), 9), ("error".to_owned(), 1)].into(),
    }));
    snapshot.put(SectionData::RecentOperations(RecentOperationsSection {
        operations: vec![OperationRecord {
            operation_id: "op-bad".into(),
            timestamp: Some(now),
            capability: Some("browser".into()),
            action: Some("open".into()),
            tier: Some("T1".into()),
            status: Some("error".into()),
            duration_ms: Some(30_000.0),
            error_summary: Some("navigation timed out".into()),
        }],
    }));
    snapshot.put(SectionData::Scheduler(SchedulerSection {
        last_tick_at: Some(now),
        next_jobs: vec![ScheduledJob {
            name: "nightly-digest-for-the-operations-channel".into(),
            next_run_at: Some(now + std::time::Duration::from_secs(600)),
        }],
        active_jobs: 0,
    }));
    let metrics: MetricsSection = serde_json::from_value(serde_json::json!({
        "request_duration": {
            "kind": "histogram",
            "help": "How long requests to the agent's HTTP API took, by route",
            "unit": "seconds",
            "series": [{
                "labels": {"route": "/api/v1/conversations/{conversation_id}/messages/stream"},
                "value": null,
                "histogram": {
                    "buckets": [{"le": 0.005, "count": 1}, {"le": 0.25, "count": 14}, {"le": 10.0, "count": 20}],
                    "sum": 12.75,
                    "count": 20
                }
            }]
        }
    }))
    .unwrap();
    snapshot.put(SectionData::Metrics(metrics));
    snapshot
}

/// The test host: the status routes behind the token at `/ops/status`, the same routes without a
/// token at `/open` (for the screenshots), and its own script page at `/harness`.
async fn host(
    protected: Mount,
    open: Mount,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() == "/harness" {
        return Ok(Response::new(Full::new(Bytes::from(HARNESS.replace("__TOKEN__", TOKEN)))));
    }
    if open.matches(&request) {
        return open.call(request).await;
    }
    protected.call(request).await
}

/// GETs `path` from the test host: the body and the status.
async fn fetch_page(addr: std::net::SocketAddr, path: &str) -> (String, u16) {
    use http_body_util::BodyExt as _;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let request = Request::get(path).header("host", "localhost").body(String::new()).unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (String::from_utf8(body.to_vec()).unwrap(), status)
}

/// What the harness wrote into `#result`.
fn harness_result(dom: &str) -> serde_json::Value {
    let text = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no result in {dom}"));
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_with_the_form_and_the_page_fits_phones_and_desktops() {
    status_testkit::require_tools!("chromium");
    let config = Config::parse(
        "[service]\nname = \"agent-host\"\n[collect]\ninterval = \"30s\"\n",
        "browser test",
    )
    .unwrap();
    let status = Status::spawn(&config, Arc::new(NoDeps));
    status.cache().subscribe().wait_for(Option::is_some).await.unwrap();
    let collected = Snapshot::clone(&status.cache().latest().unwrap().snapshot);
    status.shutdown().await;
    let cache = Cache::default();
    cache.publish(busy(collected)).unwrap();
    let routes = || StatusService::from_config(cache.clone(), &config);
    let token = Token::new(TOKEN.as_bytes()).unwrap();
    let protected = Mount::new("/ops/status", routes().with_token(Some(token))).unwrap();
    let open = Mount::new("/open", routes()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (protected, open) = (protected.clone(), open.clone());
            let service = service_fn(move |request| host(protected.clone(), open.clone(), request));
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("status-page");
    std::fs::create_dir_all(&shots).unwrap();
    // The page as served, beside the screenshots.
    let (page, _) = fetch_page(addr, "/open/").await;
    std::fs::write(shots.join("page.html"), page).unwrap();
    for scheme in ["light", "dark"] {
        let dark = (scheme == "dark").then_some("--force-dark-mode");
        let profile = tempfile::tempdir().unwrap();
        let harness = format!("http://{addr}/harness");
        let dom = tokio::task::spawn_blocking({
            let profile = profile.path().to_owned();
            move || {
                let mut args = vec!["--virtual-time-budget=20000", "--dump-dom", harness.as_str()];
                args.extend(dark);
                chromium(&profile, &args)
            }
        })
        .await
        .unwrap();
        let seen = harness_result(&dom);
        eprintln!("{scheme}: {seen}");
        assert_eq!(seen["error"], serde_json::Value::Null, "{scheme}: {seen}");
        assert_eq!(seen["done"], true, "{scheme}: {seen}");
        assert_eq!(seen["form"], true, "the page offers the login form: {seen}");
        assert_eq!(seen["wrong_error"], "That token is not valid.", "{seen}");
        assert_eq!(seen["wrong_form_again"], true, "{seen}");
        assert!(
            ["Healthy", "Degraded", "Unhealthy"].contains(&seen["verdict"].as_str().unwrap()),
            "{seen}"
        );
        assert_eq!(seen["reload_verdict"], seen["verdict"], "the cookie keeps the session: {seen}");
        assert_eq!(seen["logout_offered"], true, "{seen}");
        assert_eq!(seen["after_logout_form"], true, "logged out: {seen}");
        assert!(seen["after_logout_status"].as_str().unwrap().contains("bearer token"), "{seen}");
        assert_eq!(seen["dark"], scheme == "dark", "{seen}");
        let banner = seen["banner"]["ratio"].as_f64().unwrap();
        assert!(banner >= 4.5, "{scheme}: banner contrast {banner:.2}:1: {seen}");
        let text = seen["text"]["ratio"].as_f64().unwrap();
        assert!(text >= 4.5, "{scheme}: lowest text contrast {text:.2}:1: {seen}");
        for width in [390, 1280] {
            assert_eq!(seen[format!("viewport_{width}")], width, "{seen}");
            assert_eq!(
                seen[format!("overflow_{width}")],
                serde_json::json!([]),
                "{scheme} at {width} px: {seen}"
            );
        }
        assert!(seen["clipped_390"].as_u64().unwrap() >= 1, "long tokens clip at 390 px: {seen}");

        for (width, height) in [(390, 844), (1280, 900)] {
            let path = shots.join(format!("page-{width}x{height}-{scheme}.png"));
            let url = format!("http://{addr}/open/");
            tokio::task::spawn_blocking({
                let profile = profile.path().to_owned();
                let (size, shot) = (
                    format!("--window-size={width},{height}"),
                    format!("--screenshot={}", path.display()),
                );
                move || {
                    // A little virtual time so that painting finishes before the capture.
                    let mut args = vec![
                        "--virtual-time-budget=2000",
                        size.as_str(),
                        shot.as_str(),
                        url.as_str(),
                    ];
                    args.extend(dark);
                    chromium(&profile, &args)
                }
            })
            .await
            .unwrap();
            let png = std::fs::read(&path).unwrap();
            assert!(
                png.starts_with(b"\x89PNG") && png.len() > 10_000,
                "screenshot {}",
                path.display()
            );
            eprintln!("screenshot: {}", path.display());
        }
    }
    server.abort();
}

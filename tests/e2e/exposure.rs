//! Safe to expose: a planted secret and a planted chat id never leave through any surface of a real
//! server (JSON, sections, HTML, metrics labels, /health, probes), and a real Prometheus scrapes it
//! with its `authorization` setting.

#![expect(
    clippy::disallowed_methods,
    reason = "the Prometheus test runs Prometheus' binary as a child process"
)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use status_collect::testing::HealthEvaluator;
use status_collect::{Cache, Config, HealthConfig};
use status_http::{Limits, StatusService, Token};
use status_model::{
    CollectionReport, DiskUsage, HostSection, OperationRecord, Outcome, RecentOperationsSection,
    ScheduledTask, SectionData, SectionReport, Snapshot, TasksSection, Timestamp,
};
use tokio::net::TcpStream;

const CHAT: &str = "chat-4242";
const SECRET: &str = "sk-live-7d1f0c2b9a8e4f63";
const TOKEN: &str = "e2e-token-3c9b1f7a2d5e8c40";

/// A snapshot carrying the chat id in map keys, values and derived text, and the secret in a
/// task's result, an operation's error and a section's failure reason.
fn planted() -> Snapshot {
    let mut sections = BTreeMap::new();
    for name in ["host", "tasks", "recent_operations"] {
        sections.insert(name.to_owned(), SectionReport::ok(0.1, BTreeMap::new()));
    }
    let mut failed = SectionReport::ok(0.1, BTreeMap::new());
    failed.outcome = Outcome::Error;
    failed.reason = Some(format!("cannot open /srv/{CHAT}/app.db: {SECRET}"));
    sections.insert("storage".to_owned(), failed);
    let mut snapshot = Snapshot::new(CollectionReport {
        taken_at: Timestamp::now(),
        duration_ms: 1.0,
        sequence: 1,
        interval_seconds: Some(30.0),
        abandoned_total: 0,
        left_out: Default::default(),
        sections,
    });
    snapshot.put(SectionData::Host(HostSection {
        hostname: Some("box".into()),
        os: None,
        kernel: None,
        cpus: Some(2),
        load: None,
        memory: None,
        swap: None,
        processes: None,
        pressure: None,
        disks: BTreeMap::from([(
            format!("/srv/{CHAT}"),
            Some(DiskUsage { total_bytes: 1000, available_bytes: 10 }),
        )]),
    }));
    snapshot.put(SectionData::Tasks(TasksSection {
        total: 1,
        tasks: vec![ScheduledTask {
            id: format!("reminder-{CHAT}"),
            group: Some(CHAT.into()),
            schedule_type: Some("cron".into()),
            schedule_value: Some("0 9 * * *".into()),
            status: Some("active".into()),
            next_run: Some(Timestamp::now()),
            last_run: None,
            last_result: Some(SECRET.into()),
            overdue: Some(true),
        }],
    }));
    snapshot.put(SectionData::RecentOperations(RecentOperationsSection {
        operations: vec![OperationRecord {
            operation_id: "op-1".into(),
            timestamp: Some(Timestamp::now()),
            capability: Some("mail".into()),
            action: Some("send".into()),
            tier: None,
            status: Some("error".into()),
            duration_ms: Some(12.0),
            error_summary: Some(format!("401 from upstream with key {SECRET}")),
        }],
    }));
    snapshot.put_missing(status_model::SectionName::Storage);
    snapshot.health = Some(HealthEvaluator::new(&HealthConfig::default()).evaluate(&snapshot));
    snapshot
}

fn config() -> Config {
    let text = "[redact]\nhash = [\"tasks.tasks.group\", \"tasks.tasks.id\", \"host.disks\"]\n";
    Config::parse(text, "e2e.toml").unwrap()
}

/// A server with the token over `cache`; stops when the sender is dropped.
async fn serve(cache: Cache, config: &Config) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = StatusService::from_config(cache, config)
        .with_token(Some(Token::new(TOKEN.as_bytes()).unwrap()));
    tokio::spawn(status_http::serve_with(
        listener,
        service,
        Limits::from_config(&config.http),
        async {
            let _ = stopped.await;
        },
    ));
    (addr, stop)
}

/// GET with the given headers; the status and the body as text.
pub(crate) async fn fetch(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    let mut request = Request::get(path).header("host", addr.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = sender.send_request(request.body(Empty::<Bytes>::new()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_surface_shows_the_planted_secret_or_chat_id() {
    let config = config();
    let cache = Cache::new(config.redact.redactor());
    let published = cache.publish(planted()).unwrap();
    let raw = serde_json::to_string(&*published.snapshot).unwrap();
    assert!(raw.contains(CHAT) && raw.contains(SECRET), "the fixture plants both: {raw}");
    let pseudonym = cache.redactor().hash(CHAT);
    let (addr, _stop) = serve(cache, &config).await;
    let bearer = format!("Bearer {TOKEN}");
    let auth = [("authorization", bearer.as_str())];
    // (surface, what shows that it carries the redacted data rather than nothing)
    let surfaces = [
        ("/status", pseudonym.clone()),
        ("/status?terse=1", "\"health.status\"".to_owned()),
        ("/status/tasks", pseudonym.clone()),
        ("/status/host", "total_bytes".to_owned()),
        ("/status/recent_operations", "op-1".to_owned()),
        ("/", pseudonym.clone()),
        ("/metrics", "status_host_disks_available_bytes{path=\"h:".to_owned()),
        ("/health", "disk:available".to_owned()),
        ("/readyz?verbose", "readyz check".to_owned()),
        ("/livez?verbose", "livez check".to_owned()),
    ];
    for (path, expected) in surfaces {
        let (status, body) = fetch(addr, path, &auth).await;
        assert!(
            status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {status}"
        );
        assert!(body.contains(&expected), "{path} lacks {expected:?}:\n{body}");
        assert!(!body.contains(CHAT), "{path} shows the chat id:\n{body}");
        assert!(!body.contains(SECRET), "{path} shows the secret:\n{body}");
    }
    let (_, anonymous) = fetch(addr, "/health", &[]).await;
    assert!(!anonymous.contains(CHAT) && !anonymous.contains("checks"), "{anonymous}");
}

/// Kills the child when dropped, so a failing test leaves no server behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_with_its_authorization_setting() {
    status_testkit::require_tools!("prometheus");
    let config = config();
    let cache = Cache::new(config.redact.redactor());
    cache.publish(planted()).unwrap();
    let (addr, _stop) = serve(cache, &config).await;
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("token");
    // Prometheus trims the file, as our own token file reader does.
    std::fs::write(&credentials, format!("{TOKEN}\n")).unwrap();
    let prometheus_config = dir.path().join("prometheus.yml");
    std::fs::write(
        &prometheus_config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: with_token\n    \
             authorization:\n      credentials_file: {}\n    static_configs:\n      - targets: ['{addr}']\n  \
             - job_name: without_token\n    static_configs:\n      - targets: ['{addr}']\n",
            credentials.display()
        ),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let prometheus: SocketAddr = ([127, 0, 0, 1], port).into();
    let _prometheus = Killed(
        Command::new("prometheus")
            .arg(format!("--config.file={}", prometheus_config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={prometheus}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus is installed (Debian package prometheus)"),
    );
    let query = |expr: &'static str| async move {
        TcpStream::connect(prometheus).await.ok()?;
        let (_, body) = fetch(prometheus, &format!("/api/v1/query?query={expr}"), &[]).await;
        let body: serde_json::Value = serde_json::from_str(&body).ok()?;
        let result = body["data"]["result"].as_array()?.clone();
        (result.len() == 2).then_some(result)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let up = loop {
        if let Some(up) = query("up").await {
            break up;
        }
        assert!(tokio::time::Instant::now() < deadline, "Prometheus did not scrape within 60 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let up: BTreeMap<&str, &str> = up
        .iter()
        .map(|series| {
            (series["metric"]["job"].as_str().unwrap(), series["value"][1].as_str().unwrap())
        })
        .collect();
    assert_eq!(up, BTreeMap::from([("with_token", "1"), ("without_token", "0")]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = Config::default();
    let cache = Cache::default();
    cache.publish(planted()).unwrap();
    let (addr, _stop) = serve(cache, &config).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let padding = "a".repeat(16 * 1024);
    let request = format!("GET /livez HTTP/1.1\r\nHost: x\r\nX-Padding: {padding}\r\n\r\n");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response)).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");
}

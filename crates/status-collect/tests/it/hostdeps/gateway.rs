//! The `gateway` section: a local HTTP server plays the proxy's health endpoint and a fake Docker
//! Engine its containers. The bearer key must reach the server and nothing else.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use status_collect::testing::collectors::{EnvLookup, GatewayCollector};
use status_collect::testing::{Collected, Collector, DockerEndpoint};
use status_deps::{MockStatusDeps, Provides};
use status_model::{GatewayInfo, ProxyGateway, SectionData};

use super::support::{self, Reply};

pub(super) const KEY: &str = "sk-status-test-7f3a9c1e5b";

/// Answers `/health` with `body` when the request carries the right key, else 401 echoing the
/// header it got (so a leak through a reason would show).
pub(super) fn health_server(reply: fn() -> Reply) -> support::Handler {
    Arc::new(move |request| {
        let auth = request.headers().get("authorization").map(|v| v.to_str().unwrap().to_owned());
        match (request.uri().path(), auth) {
            ("/health", Some(auth)) if auth == format!("Bearer {KEY}") => reply(),
            (_, auth) => Reply::Body(401, format!(r#"{{"error":"bad key {auth:?}"}}"#)),
        }
    })
}

/// A proxy gateway in container `litellm`, its health at `<base_url>/health`, key in `GATEWAY_KEY`.
pub(super) fn proxy_info(base_url: &str) -> GatewayInfo {
    GatewayInfo {
        mode: "proxy".into(),
        proxy: Some(ProxyGateway {
            containers: vec!["litellm".into()],
            health_url: format!("{base_url}/health"),
            key_env: Some("GATEWAY_KEY".into()),
            states: Default::default(),
        }),
    }
}

fn proxy_host(base_url: &str) -> MockStatusDeps {
    let mut deps = MockStatusDeps::new();
    deps.expect_provides().return_const(Provides { gateway: true, ..Provides::default() });
    let info = proxy_info(base_url);
    deps.expect_gateway().returning(move || Ok(info.clone()));
    deps
}

pub(super) fn env_with_key(key: &'static str) -> EnvLookup {
    Arc::new(move |name| (name == "GATEWAY_KEY").then(|| key.to_owned()))
}

async fn collect(deps: MockStatusDeps, socket: &Path, key: &'static str) -> Collected {
    GatewayCollector::new(
        Arc::new(deps),
        DockerEndpoint::Unix(socket.to_owned()),
        env_with_key(key),
        Duration::from_millis(300),
    )
    .collect()
    .await
    .unwrap()
}

fn json(collected: &Collected) -> serde_json::Value {
    let SectionData::Gateway(section) = &collected.data else { panic!("{:?}", collected.data) };
    serde_json::to_value(section).unwrap()
}

/// A `tracing` writer into a shared buffer, to read what the collector logged.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_healthy_proxy_reports_its_model_counts_and_containers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = support::docker_socket(dir.path());
    let url = support::serve_tcp(health_server(|| {
        Reply::Body(
            200,
            r#"{"healthy_endpoints":[{"model":"claude-sonnet"},{"model":"gpt-5"}],"unhealthy_endpoints":[],"healthy_count":2,"unhealthy_count":0}"#.into(),
        )
    }))
    .await;
    let collected = collect(proxy_host(&url), &socket, KEY).await;
    assert!(collected.unmeasured.is_empty(), "{:?}", collected.unmeasured);
    support::assert_snapshot("gateway_proxy", &json(&collected), &[]);
}

#[tokio::test]
async fn a_direct_gateway_has_no_proxy_keys() {
    let mut deps = MockStatusDeps::new();
    deps.expect_gateway().returning(|| Ok(GatewayInfo { mode: "direct".into(), proxy: None }));
    let collected = collect(deps, Path::new("/nonexistent/docker.sock"), KEY).await;
    assert_eq!(json(&collected), serde_json::json!({"mode": "direct"}));
}

#[tokio::test]
async fn failed_probes_leave_null_counts_and_never_show_the_key() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().unwrap();
    let socket = support::docker_socket(dir.path());
    let garbage = support::serve_tcp(health_server(|| Reply::Body(200, "<html>oops".into()))).await;
    let hang = support::serve_tcp(health_server(|| Reply::Hang)).await;
    let counts_missing =
        support::serve_tcp(health_server(|| Reply::Body(200, r#"{"status":"ok"}"#.into()))).await;
    let cases: [(&str, &str, &'static str, &str); 4] = [
        ("unauthorized", &garbage, "sk-wrong-key-0000", "answered 401 Unauthorized"),
        ("garbage", &garbage, KEY, "the answer is not health JSON: expected value at line 1"),
        ("hang", &hang, KEY, "gave no answer within 300ms"),
        ("no counts", &counts_missing, KEY, "has neither healthy_count nor healthy_endpoints"),
    ];
    for (case, url, key, reason) in cases {
        let collected = collect(proxy_host(url), &socket, key).await;
        let value = json(&collected);
        assert!(value["healthy_models"].is_null() && value["unhealthy_models"].is_null(), "{case}");
        assert_eq!(value["containers"]["litellm"]["state"], "running", "{case}");
        let unmeasured = &collected.unmeasured;
        assert!(unmeasured["healthy_models"].contains(reason), "{case}: {unmeasured:?}");
        assert_eq!(unmeasured["healthy_models"], unmeasured["unhealthy_models"]);
        let everything = format!("{value} {unmeasured:?}");
        assert!(!everything.contains(KEY) && !everything.contains(key), "{case}: {everything}");
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert_eq!(logs.matches("gateway health probe failed").count(), 4, "{logs}");
    assert!(!logs.contains(KEY) && !logs.contains("sk-wrong-key-0000"), "{logs}");
}

#[tokio::test]
async fn an_unset_key_variable_is_named_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let socket = support::docker_socket(dir.path());
    let url = support::serve_tcp(health_server(|| Reply::Body(200, "{}".into()))).await;
    let collected = GatewayCollector::new(
        Arc::new(proxy_host(&url)),
        DockerEndpoint::Unix(socket),
        Arc::new(|_| None),
        Duration::from_millis(300),
    )
    .collect()
    .await
    .unwrap();
    assert_eq!(
        collected.unmeasured["healthy_models"],
        "the key variable GATEWAY_KEY is not set in the environment"
    );
}

/// A health URL and a Docker daemon whose first connections never answer (later ones do): the first
/// collection gives up on both within the probe's time and says so; the client closes both hung
/// connections; the next cycle reads the containers and the counts.
#[tokio::test]
async fn hung_connections_are_dropped_and_the_next_cycle_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let docker_closed = support::serve_unix_first_hangs(&socket, support::docker_engine());
    let (url, health_closed) = support::serve_tcp_first_hangs(health_server(|| {
        Reply::Body(200, r#"{"healthy_count":2,"unhealthy_count":1}"#.into())
    }))
    .await;
    let collector = GatewayCollector::new(
        Arc::new(proxy_host(&url)),
        DockerEndpoint::Unix(socket.clone()),
        env_with_key(KEY),
        Duration::from_millis(300),
    );
    let engine =
        status_collect::testing::Engine::new(vec![Arc::new(collector)], Duration::from_secs(2));

    let first = engine.collect().await;
    let report = &first.collection.sections["gateway"];
    assert_eq!(report.outcome, status_model::Outcome::Ok, "{report:?}");
    let expected = format!("GET {url}/health gave no answer within 300ms");
    assert_eq!(report.unmeasured["healthy_models"], expected);
    let expected =
        format!("GET /containers/litellm/json on {} gave no answer within 300ms", socket.display());
    assert_eq!(report.unmeasured["containers"], expected);
    let gateway = first.gateway.value().unwrap();
    assert!(gateway.containers.value().is_none() && gateway.healthy_models.value().is_none());
    for (what, closed) in [("health", health_closed), ("docker", docker_closed)] {
        tokio::time::timeout(Duration::from_secs(5), closed)
            .await
            .unwrap_or_else(|_| panic!("the client never closed the hung {what} connection"))
            .unwrap();
    }

    let second = engine.collect().await;
    let report = &second.collection.sections["gateway"];
    assert!(report.unmeasured.is_empty(), "{report:?}");
    let gateway = second.gateway.value().unwrap();
    assert_eq!(gateway.healthy_models.value(), Some(&2));
    assert_eq!(gateway.unhealthy_models.value(), Some(&1));
    assert!(gateway.containers.value().unwrap().contains_key("litellm"));
}

/// Container states the host reports itself are shown as given and not asked of Docker (here there
/// is no daemon at all).
#[tokio::test]
async fn reported_container_states_are_not_asked_of_docker() {
    let url = support::serve_tcp(health_server(|| {
        Reply::Body(200, r#"{"healthy_count":1,"unhealthy_count":0}"#.into())
    }))
    .await;
    let mut info = proxy_info(&url);
    let proxy = info.proxy.as_mut().unwrap();
    proxy.containers.push("litellm-db".into());
    for name in ["litellm", "litellm-db"] {
        let state = status_model::ContainerStatus {
            state: status_model::ContainerState::Running,
            health: Some("healthy".into()),
            started_at: None,
            restart_count: Some(0),
        };
        proxy.states.insert(name.into(), state);
    }
    let mut deps = MockStatusDeps::new();
    deps.expect_gateway().returning(move || Ok(info.clone()));
    let collected = collect(deps, Path::new("/nonexistent/docker.sock"), KEY).await;
    assert!(collected.unmeasured.is_empty(), "{:?}", collected.unmeasured);
    let value = json(&collected);
    assert_eq!(value["containers"]["litellm-db"]["state"], "running");
    assert_eq!(value["containers"]["litellm"]["health"], "healthy");
    assert_eq!(value["healthy_models"], 1);
}

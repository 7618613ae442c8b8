//! A fake LiteLLM-style model gateway: `GET /health` on loopback, answered only to a request that
//! carries the bearer key, with the healthy and unhealthy model lists LiteLLM's proxy gives. One
//! model in turn goes unhealthy for a while every [`GatewayOptions::unhealthy_every`]: from a quarter
//! to half-way through each period (30 s to 60 s into each 2-minute period by default), so a one-minute
//! run sees it once.
//!
//! The orchestrator reports the gateway to the status library through `StatusDeps::gateway`: its
//! health URL, the NAME of the variable holding the key ([`KEY_ENV`]), and the states of its two
//! containers (`litellm` and `litellm-db`), which it runs itself, so Docker is not asked.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use status_model::{ContainerState, ContainerStatus, GatewayInfo, ProxyGateway, Timestamp};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// The environment variable holding the gateway's bearer key, for the fake gateway and for the
/// status library's probe alike. Unset, the gateway takes a random key nobody knows, and the
/// `gateway` section says the variable is not set.
pub const KEY_ENV: &str = "AGENT_HOST_GATEWAY_KEY";

/// The models behind the gateway.
pub const MODELS: [&str; 3] = ["claude-sonnet", "gpt-5", "llama-local"];

/// The gateway's containers, whose states the orchestrator reports itself.
pub const CONTAINERS: [&str; 2] = ["litellm", "litellm-db"];

/// Connections served at once; more are closed unanswered.
const MAX_CONNECTIONS: usize = 16;

/// How long one connection may stay open.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(10);

/// How the fake gateway behaves.
#[derive(Clone, Debug)]
pub struct GatewayOptions {
    /// The period in which one model in turn goes unhealthy (from a quarter to half-way through).
    pub unhealthy_every: Duration,
}

impl Default for GatewayOptions {
    fn default() -> GatewayOptions {
        GatewayOptions { unhealthy_every: Duration::from_secs(120) }
    }
}

/// The running fake gateway. Dropping it stops it and closes its connections.
pub(crate) struct FakeGateway {
    addr: SocketAddr,
    started_at: Timestamp,
    server: JoinHandle<()>,
}

/// What the server shares with its connections.
struct Shared {
    key: String,
    unhealthy_every: Duration,
    started: Instant,
    /// The model last reported unhealthy, to log each change once.
    last_unhealthy: Mutex<Option<&'static str>>,
}

impl FakeGateway {
    /// Serves `/health` on `127.0.0.1:<free port>`, requiring `key`.
    pub(crate) async fn start(
        key: String,
        options: &GatewayOptions,
    ) -> std::io::Result<FakeGateway> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            key,
            unhealthy_every: options.unhealthy_every.max(Duration::from_millis(40)),
            started: Instant::now(),
            last_unhealthy: Mutex::new(None),
        });
        let server = tokio::spawn(serve(listener, shared));
        Ok(FakeGateway { addr, started_at: Timestamp::now(), server })
    }

    /// What the orchestrator tells the status library: a proxy gateway at this server, its key in
    /// [`KEY_ENV`], and its two containers running since the gateway started.
    pub(crate) fn info(&self) -> GatewayInfo {
        let running = ContainerStatus {
            state: ContainerState::Running,
            health: Some("healthy".to_owned()),
            started_at: Some(self.started_at),
            restart_count: Some(0),
        };
        GatewayInfo {
            mode: "proxy".to_owned(),
            proxy: Some(ProxyGateway {
                containers: CONTAINERS.map(str::to_owned).to_vec(),
                health_url: format!("http://{}/health", self.addr),
                key_env: Some(KEY_ENV.to_owned()),
                states: CONTAINERS.map(|name| (name.to_owned(), running.clone())).into(),
            }),
        }
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Accepts connections until aborted; aborting drops the set, which closes every connection.
async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(%error, "fake gateway: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue; // Over the limit: the stream is dropped, closing it.
        };
        let shared = shared.clone();
        connections.spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request| {
                let reply = answer(&shared, &request);
                async move { Ok::<_, Infallible>(reply) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
        });
    }
}

/// `GET /health` with the key: the model lists; without it 401; anything else 404.
fn answer(shared: &Shared, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if request.method() != Method::GET || request.uri().path() != "/health" {
        return reply(StatusCode::NOT_FOUND, r#"{"error":{"message":"Not Found"}}"#.to_owned());
    }
    let presented = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    if !constant_time_eq(shared.key.as_bytes(), presented) {
        // Like LiteLLM, and without echoing what was presented.
        let body = r#"{"error":{"message":"Authentication Error, invalid or missing key","type":"auth_error"}}"#;
        return reply(StatusCode::UNAUTHORIZED, body.to_owned());
    }
    let unhealthy = unhealthy_model(shared.started.elapsed(), shared.unhealthy_every);
    let mut last = shared.last_unhealthy.lock().unwrap_or_else(PoisonError::into_inner);
    if *last != unhealthy {
        match unhealthy {
            Some(model) => tracing::info!(model, "fake gateway: model unhealthy"),
            None => tracing::info!(
                model = last.unwrap_or_default(),
                "fake gateway: model healthy again"
            ),
        }
        *last = unhealthy;
    }
    drop(last);
    reply(StatusCode::OK, health_body(unhealthy).to_string())
}

/// The model unhealthy `elapsed` after the start, if any: in period `n`, model `n mod 3`, from a
/// quarter to half-way through the period.
pub(crate) fn unhealthy_model(elapsed: Duration, every: Duration) -> Option<&'static str> {
    let every = every.as_nanos().max(1);
    let elapsed = elapsed.as_nanos();
    let (period, phase) = (elapsed / every, elapsed % every);
    let index = usize::try_from(period % MODELS.len() as u128).unwrap_or_default();
    (phase >= every / 4 && phase < every / 2).then(|| MODELS[index])
}

/// LiteLLM's `/health` answer: endpoint lists and their counts.
fn health_body(unhealthy: Option<&str>) -> serde_json::Value {
    let endpoint =
        |model: &str| serde_json::json!({"model": model, "api_base": "https://models.invalid"});
    let healthy: Vec<_> = MODELS
        .iter()
        .filter(|model| Some(**model) != unhealthy)
        .map(|model| endpoint(model))
        .collect();
    let failing: Vec<_> = unhealthy
        .map(|model| {
            let mut value = endpoint(model);
            value["error"] = "upstream answered 529 Overloaded".into();
            value
        })
        .into_iter()
        .collect();
    serde_json::json!({
        "healthy_count": healthy.len(),
        "unhealthy_count": failing.len(),
        "healthy_endpoints": healthy,
        "unhealthy_endpoints": failing,
    })
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, "application/json".parse().expect("a valid header"));
    response
}

/// Compares without stopping at the first difference, so the time taken says nothing of the key.
fn constant_time_eq(expected: &[u8], presented: &[u8]) -> bool {
    let mut difference = expected.len() ^ presented.len();
    for (index, byte) in expected.iter().enumerate() {
        difference |= usize::from(byte ^ presented.get(index).copied().unwrap_or(!byte));
    }
    difference == 0
}

/// A random key (32 hex digits) for a gateway whose key variable is not set.
pub(crate) fn random_key() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no random key: {error}"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_in_turn_is_unhealthy_in_the_second_quarter_of_its_period() {
        let every = Duration::from_secs(120);
        let at = |seconds| unhealthy_model(Duration::from_secs(seconds), every);
        assert_eq!(at(0), None);
        assert_eq!(at(29), None);
        assert_eq!(at(30), Some("claude-sonnet"));
        assert_eq!(at(59), Some("claude-sonnet"));
        assert_eq!(at(60), None);
        assert_eq!(at(150), Some("gpt-5"));
        assert_eq!(at(270), Some("llama-local"));
        assert_eq!(at(390), Some("claude-sonnet"));
    }

    #[test]
    fn the_body_lists_and_counts_the_models() {
        let body = health_body(Some("gpt-5"));
        assert_eq!(body["healthy_count"], 2);
        assert_eq!(body["unhealthy_count"], 1);
        assert_eq!(body["unhealthy_endpoints"][0]["model"], "gpt-5");
        assert_eq!(health_body(None)["unhealthy_endpoints"], serde_json::json!([]));
    }

    #[test]
    fn keys_compare_whole() {
        assert!(constant_time_eq(b"sk-abc", b"sk-abc"));
        assert!(!constant_time_eq(b"sk-abc", b"sk-ab"));
        assert!(!constant_time_eq(b"sk-abc", b"sk-abcd"));
        assert!(!constant_time_eq(b"sk-abc", b"sk-abd"));
        assert!(!constant_time_eq(b"sk-abc", b""));
    }
}

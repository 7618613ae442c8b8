//! Test fixtures: HTTP servers that play the Docker Engine and a gateway's health endpoint, the
//! child-process helper, and snapshot assertions.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::oneshot;

use crate::common;

/// What a fake server answers to one request.
pub(crate) enum Reply {
    /// A status and a JSON (or any) body.
    Body(u16, String),
    /// No answer, ever.
    Hang,
}

pub(crate) type Handler = Arc<dyn Fn(&Request<Incoming>) -> Reply + Send + Sync>;

/// The recorded Docker Engine answers: `GET /containers/<name>/json` for `litellm` (running,
/// healthy), `redis` (exited), `worker` (restarting, unhealthy); 404 for any other name, and 500 for
/// `broken`.
pub(crate) fn docker_engine() -> Handler {
    let recorded: BTreeMap<&str, &str> = [
        ("/containers/litellm/json", include_str!("../fixtures/docker/running.json")),
        ("/containers/redis/json", include_str!("../fixtures/docker/exited.json")),
        ("/containers/worker/json", include_str!("../fixtures/docker/restarting.json")),
    ]
    .into();
    Arc::new(move |request| match recorded.get(request.uri().path()) {
        Some(body) => Reply::Body(200, (*body).to_owned()),
        None if request.uri().path() == "/containers/broken/json" => {
            Reply::Body(500, r#"{"message":"devmapper: Unknown device 8c1f0b6a2d4e"}"#.to_owned())
        }
        None => {
            let name = request.uri().path().split('/').nth(2).unwrap_or_default();
            Reply::Body(404, format!(r#"{{"message":"No such container: {name}"}}"#))
        }
    })
}

/// Serves `handler` on a unix socket at `path` until the test's runtime ends.
pub(crate) fn serve_unix(path: &Path, handler: Handler) {
    let listener = UnixListener::bind(path).unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            serve_connection(stream, handler.clone());
        }
    });
}

/// Serves `handler` on `127.0.0.1:<free port>`; returns the base URL.
pub(crate) async fn serve_tcp(handler: Handler) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            serve_connection(stream, handler.clone());
        }
    });
    url
}

/// Like [`serve_unix`], but the FIRST connection is accepted and never answered: its request is
/// read and left waiting. The receiver fires when the client closes that connection (EOF).
pub(crate) fn serve_unix_first_hangs(path: &Path, handler: Handler) -> oneshot::Receiver<()> {
    let listener = UnixListener::bind(path).unwrap();
    let (closed, closed_rx) = oneshot::channel();
    tokio::spawn(async move {
        let (first, _) = listener.accept().await.unwrap();
        tokio::spawn(hang_until_closed(first, closed));
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            serve_connection(stream, handler.clone());
        }
    });
    closed_rx
}

/// [`serve_unix_first_hangs`] over TCP on `127.0.0.1:<free port>`; returns the base URL too.
pub(crate) async fn serve_tcp_first_hangs(handler: Handler) -> (String, oneshot::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (closed, closed_rx) = oneshot::channel();
    tokio::spawn(async move {
        let (first, _) = listener.accept().await.unwrap();
        tokio::spawn(hang_until_closed(first, closed));
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            serve_connection(stream, handler.clone());
        }
    });
    (url, closed_rx)
}

/// Reads what the client sends and never answers; says when the client closes the connection.
async fn hang_until_closed<S: AsyncRead + Unpin>(mut stream: S, closed: oneshot::Sender<()>) {
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = closed.send(());
}

fn serve_connection<S>(stream: S, handler: Handler)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let service = service_fn(move |request: Request<Incoming>| {
        let reply = handler(&request);
        async move {
            let (status, body) = match reply {
                Reply::Body(status, body) => (status, body),
                Reply::Hang => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    (500, String::new())
                }
            };
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() = StatusCode::from_u16(status).unwrap();
            Ok::<_, Infallible>(response)
        }
    });
    tokio::spawn(async move {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service)
            .await;
    });
}

/// A fake Docker daemon on a socket in `dir`; returns the socket's path.
pub(crate) fn docker_socket(dir: &Path) -> PathBuf {
    let socket = dir.join("docker.sock");
    serve_unix(&socket, docker_engine());
    socket
}

/// Runs a program to completion with environment changes (`None` removes a variable); panics on a
/// non-zero exit.
#[expect(clippy::disallowed_methods, reason = "test fixtures start real tmux, screen and children")]
pub(crate) fn command(
    program: &str,
    args: &[&str],
    env: &[(&str, Option<&Path>)],
) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command.args(args);
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command
}

/// Runs `command` and checks it succeeded.
#[track_caller]
pub(crate) fn run(mut command: std::process::Command) {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// Asserts an insta JSON snapshot with the shared and `extra` redactions.
pub(crate) fn assert_snapshot(name: &str, value: &serde_json::Value, extra: &[&str]) {
    let mut settings = common::settings();
    // These sections have no data named `duration_ms` or `taken_at`: every one is the collector's.
    common::redact(&mut settings, &[".**.duration_ms", ".**.taken_at"]);
    common::redact(&mut settings, extra);
    settings.bind(|| insta::assert_json_snapshot!(name, value));
}

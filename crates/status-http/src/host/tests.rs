//! `routes` follows the configuration's token; `serve_status` refuses a remote address without one.

use std::sync::Arc;

use hyper::Request;
use hyper::service::Service as _;
use status_collect::Config;
use status_deps::NoDeps;

use super::*;

fn status(toml: &str, state: &std::path::Path) -> Status {
    let mut config = Config::parse(toml, "<test>").unwrap();
    config.state.dir = Some(state.to_owned());
    Status::builder().deps(Arc::new(NoDeps)).config(config).spawn().unwrap()
}

#[tokio::test]
async fn routes_ask_for_the_configured_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token-value\n").unwrap();
    let toml = format!(
        "[http]\ntoken_file = {:?}\n[processes]\nnames = []\n",
        token.display().to_string()
    );
    let status = status(&toml, dir.path());
    status.collect_now().await;
    let service = routes(&status).unwrap();
    let anonymous =
        service.call(Request::get("/status").body(String::new()).unwrap()).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let request = Request::get("/status")
        .header("authorization", "Bearer s3cret-token-value")
        .body(String::new())
        .unwrap();
    assert_eq!(service.call(request).await.unwrap().status(), 200);
    status.shutdown().await;
}

#[tokio::test]
async fn a_remote_address_without_a_token_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let status = status("[processes]\nnames = []\n", dir.path());
    let Ok(listener) = TcpListener::bind("0.0.0.0:0").await else { return };
    let error = serve_status(&status, listener, std::future::pending()).err().unwrap();
    assert!(matches!(error, HostError::Refused(_)), "{error}");
    let missing = status_collect::Config::parse(
        "[http]\ntoken_env = \"STATUS_HOST_TEST_NO_SUCH_VARIABLE\"\n",
        "<test>",
    )
    .unwrap();
    let with_missing_token = Status::builder()
        .deps(Arc::new(NoDeps))
        .config(Config { state: status.config().state.clone(), ..missing })
        .spawn()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let error = serve_status(&with_missing_token, listener, std::future::pending()).err().unwrap();
    assert!(matches!(error, HostError::Token(_)), "{error}");
    with_missing_token.shutdown().await;
    status.shutdown().await;
}

/// A `Status` served with a fault injected in the accept loop: the restarts are in the `http`
/// section, the `http_server` check warns after one and fails after 5 within 10 minutes, and the
/// failure is a change that fires the hooks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restarts_reach_the_snapshot_the_check_and_the_hooks() {
    use status_model::HealthStatus;
    use std::sync::atomic::{AtomicU32, Ordering};

    let dir = tempfile::tempdir().unwrap();
    let fired = dir.path().join("fired");
    let toml = format!(
        "[processes]\nnames = []\n[terminals]\nenabled = false\n[[hooks.on_change]]\ncommand = \
         [\"/bin/sh\", \"-c\", \"printf '%s\\\\n' \\\"$STATUS_CHANGED\\\" >> {}\"]\n",
        fired.display()
    );
    let status = status(&toml, dir.path());
    let first = status.collect_now().await;
    let http = first.http.value().unwrap();
    assert!(!http.serving && http.restarts_total == 0, "{http:?}");

    let listener = crate::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let crashes = Arc::new(AtomicU32::new(0));
    let armed = crashes.clone();
    let limits = crate::Limits {
        restarts: status.server_restarts(),
        restart_delay: (std::time::Duration::from_millis(20), std::time::Duration::from_millis(80)),
        accept_fault: Some(crate::AcceptFault(Arc::new(move |_| {
            if armed.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok()
            {
                panic!("injected accept fault");
            }
        }))),
        ..crate::Limits::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server =
        tokio::spawn(crate::serve_with(listener, routes(&status).unwrap(), limits, async {
            let _ = stopped.await;
        }));
    // Each crash drops the connection that met it; the next connection is answered after the
    // restart.
    let crash = |n: u32| {
        crashes.store(n, Ordering::Release);
        async move {
            let mut dropped = 0;
            loop {
                match get(addr).await {
                    Some(_) => return dropped,
                    None => dropped += 1,
                }
            }
        }
    };
    let check = |snapshot: &status_model::Snapshot| {
        let report = snapshot.health.as_ref().unwrap();
        let check = report.checks.iter().find(|check| check.name == "http_server").cloned();
        (check.unwrap(), report.events.clone())
    };

    assert!(get(addr).await.is_some(), "the server answers");
    let served = status.collect_now().await;
    assert!(served.http.value().unwrap().serving);
    assert_eq!(check(&served).0.status, HealthStatus::Pass);

    assert_eq!(crash(1).await, 1);
    let once = status.collect_now().await;
    let http = once.http.value().unwrap();
    assert_eq!((http.restarts_total, http.restarts_last_10m), (1, 1));
    assert!(http.last_error.as_deref().unwrap().contains("injected accept fault"));
    assert!(http.last_restart_at.is_some());
    assert_eq!(check(&once).0.status, HealthStatus::Warn, "{:?}", check(&once).0);

    assert_eq!(crash(5).await, 5);
    let six = status.collect_now().await;
    assert_eq!(six.http.value().unwrap().restarts_last_10m, 6);
    let (verdict, events) = check(&six);
    assert_eq!(verdict.status, HealthStatus::Fail, "{verdict:?}");
    assert!(
        events.iter().any(|event| event.check == "http_server" && event.to == HealthStatus::Fail),
        "{events:?}"
    );
    // The hook fired for the change (it runs after the snapshot is published).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&fired).unwrap_or_default();
        if text.contains("http_server") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no hook saw http_server: {text:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let _ = stop.send(());
    server.await.unwrap();
    assert!(!status.collect_now().await.http.value().unwrap().serving);
    status.shutdown().await;
}

/// `GET /status`: the status code, or `None` when the connection closed without an answer.
async fn get(addr: std::net::SocketAddr) -> Option<u16> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!("GET /status HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .ok()?
        .ok()?;
    String::from_utf8_lossy(&response).split_whitespace().nth(1)?.parse().ok()
}

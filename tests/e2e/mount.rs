//! The status routes mounted under `/ops/status` in a host's own hyper server, next to the host's
//! routes, over a real socket: the host's routes and the status routes both answer, and what the
//! mount serves is what the status server serves (`/status` validates, `/metrics` passes promtool).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::{Service as _, service_fn};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use status_collect::{Config, Status};
use status_deps::NoDeps;
use status_http::{Mount, StatusService};

use crate::client::get;
use crate::monitoring::promtool_check;
use crate::schema::schema_errors;

/// The host's own handler: `/api/hello`, then the status routes under the prefix, then its own 404.
async fn host(
    mount: Mount,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() == "/api/hello" {
        return Ok(Response::new(Full::new(Bytes::from("hello from the host"))));
    }
    if mount.matches(&request) {
        return mount.call(request).await;
    }
    let mut response = Response::new(Full::new(Bytes::from("the host has no such page")));
    *response.status_mut() = hyper::StatusCode::NOT_FOUND;
    Ok(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mounted_next_to_the_hosts_own_routes() {
    let state = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.state.dir = Some(state.path().to_owned());
    config.collect.interval = Duration::from_secs(1);
    let status = Status::builder().deps(Arc::new(NoDeps)).config(config).spawn().unwrap();
    status.cache().subscribe().wait_for(Option::is_some).await.unwrap();
    let mount =
        Mount::new("/ops/status", StatusService::from_config(status.cache(), status.config()))
            .unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let mount = mount.clone();
            let service = service_fn(move |request| host(mount.clone(), request));
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });

    assert_eq!(get(addr, "/api/hello").await.body, "hello from the host");
    assert_eq!(get(addr, "/nowhere").await.body, "the host has no such page");
    let redirect = get(addr, "/ops/status").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.headers["location"], "/ops/status/");
    let page = get(addr, "/ops/status/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<a href=\"/ops/status/metrics\">"), "links stay under the prefix");
    let snapshot = get(addr, "/ops/status/status").await;
    assert_eq!(snapshot.status, 200);
    let errors = schema_errors(&snapshot.json(), None);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(get(addr, "/ops/status/readyz").await.status, 200);
    let metrics = get(addr, "/ops/status/metrics").await.body;
    if let Err(report) = promtool_check(&metrics) {
        panic!("promtool reports:\n{report}");
    }
    status.shutdown().await;
}

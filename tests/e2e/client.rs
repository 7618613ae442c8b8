//! A minimal real HTTP/1.1 client (hyper's) and a server started on an ephemeral loopback port.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use status_collect::Cache;
use status_http::StatusService;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A response as the tests need it.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: hyper::HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends one request on a new connection.
pub(crate) async fn request(addr: SocketAddr, method: Method, path: &str) -> Reply {
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8(body.to_vec()).expect("UTF-8 body") }
}

pub(crate) async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, Method::GET, path).await
}

/// A GET with one extra header.
pub(crate) async fn get_with(addr: SocketAddr, path: &str, header: (&str, &str)) -> Reply {
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(connection);
    let request = Request::builder()
        .uri(path)
        .header("host", addr.to_string())
        .header(header.0, header.1)
        .body(Empty::<Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8(body.to_vec()).expect("UTF-8 body") }
}

/// A status server on 127.0.0.1:0 over `cache`; dropping it stops the server.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

pub(crate) async fn start(cache: Cache) -> Server {
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.expect("binds");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(status_http::serve(listener, StatusService::new(cache), async {
        let _ = stopped.await;
    }));
    Server { addr, _stop: stop }
}

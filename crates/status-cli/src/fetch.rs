//! A minimal HTTP/1.1 GET over TCP with hyper's client, for `--url` options. Plain `http://` only.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// GETs `path` on the server at `url` (`http://host:port`, with or without a path of its own: a
/// path other than `/` is used instead of `path`). Returns the body, whatever the status code.
pub(crate) async fn get(url: &str, path: &str) -> Result<Bytes, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, own_path) = match rest.split_once('/') {
        Some((authority, own)) if !own.is_empty() => (authority, format!("/{own}")),
        Some((authority, _)) => (authority, path.to_owned()),
        None => (rest, path.to_owned()),
    };
    let address =
        if authority.contains(':') { authority.to_owned() } else { format!("{authority}:80") };
    let stream = TcpStream::connect(&address)
        .await
        .map_err(|error| format!("cannot connect to {address}: {error}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("{url}: {error}"))?;
    tokio::spawn(connection);
    let request = Request::get(&own_path)
        .header("host", authority)
        .header("accept", "application/health+json, application/json")
        .body(Empty::<Bytes>::new())
        .map_err(|error| format!("{url}: {error}"))?;
    let response = sender.send_request(request).await.map_err(|error| format!("{url}: {error}"))?;
    let body = response.into_body().collect().await.map_err(|error| format!("{url}: {error}"))?;
    Ok(body.to_bytes())
}

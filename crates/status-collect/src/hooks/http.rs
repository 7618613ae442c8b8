//! URL hooks: one HTTP/1.1 POST of the event, over a plain TCP connection.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Uri;
use hyper::header::{CONTENT_TYPE, HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// POSTs `payload` to `url`; a 2xx answer is success. Errors never repeat the URL, the headers or the
/// answer's body.
pub(super) async fn post(
    url: &Uri,
    headers: &[(String, String)],
    payload: Bytes,
) -> Result<String, String> {
    let host = url.host().ok_or("no host")?;
    let port = url.port_u16().unwrap_or(80);
    let address = host.trim_start_matches('[').trim_end_matches(']');
    let stream = TcpStream::connect((address, port))
        .await
        .map_err(|error| format!("failed to connect: {error}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| format!("failed to start HTTP: {error}"))?;
    let driver = tokio::spawn(connection);
    let path = url.path_and_query().map_or("/", |path| path.as_str());
    let mut request = hyper::Request::post(path)
        .header(HOST, format!("{host}:{port}"))
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, concat!("status-hooks/", env!("CARGO_PKG_VERSION")));
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(payload))
        .map_err(|error| format!("failed to build the request: {error}"))?;
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|error| format!("failed to send: {error}"))?;
        // The answer's body is never read: it may be big, and it may echo a secret (the token
        // header, the event) into the log.
        let status = response.status();
        match status.is_success() {
            true => Ok(format!("HTTP {status}")),
            false => Err(format!("answered HTTP {status}")),
        }
    }
    .await;
    driver.abort();
    result
}

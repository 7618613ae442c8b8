//! A minimal HTTP/1.1 GET over TCP with hyper's client, for `--url` options. Plain `http://` only.
//!
//! A server with a token (`[http] token_file`/`token_env`) is read with `--token-file FILE` or the
//! variable `STATUS_TOKEN`: the token itself is never an argument, so it stays out of shell
//! histories and process listings.

use std::path::Path;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::header::{AUTHORIZATION, HeaderValue};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The variable a token is read from when no `--token-file` is given.
pub(crate) const TOKEN_VARIABLE: &str = "STATUS_TOKEN";

/// The bearer token to send: the contents of `file` (surrounding whitespace ignored), else
/// `$STATUS_TOKEN`, else none. Errors name the file or the variable, never the token.
pub(crate) fn token(file: Option<&Path>) -> Result<Option<String>, String> {
    let (text, source) = match file {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|error| {
                format!("failed to read the token file {}: {error}", path.display())
            })?,
            format!("token file {}", path.display()),
        ),
        None => match std::env::var(TOKEN_VARIABLE) {
            Ok(text) => (text, format!("variable `{TOKEN_VARIABLE}`")),
            Err(_) => return Ok(None),
        },
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("the {source} is empty"));
    }
    if HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
        return Err(format!("the {source} holds characters a header cannot carry"));
    }
    Ok(Some(token.to_owned()))
}

/// The most bytes of an answer read: a status snapshot is far smaller.
pub(crate) const MAX_BODY: usize = 64 * 1024 * 1024;

/// GETs `path` on the server at `url` (`http://host:port`, with or without a path of its own: a
/// path other than `/` is used instead of `path`), with `token` as a bearer token. Returns the
/// status code and the body, whatever the status code.
pub(crate) async fn get_answer(
    url: &str,
    path: &str,
    token: Option<&str>,
) -> Result<Answer, String> {
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
    let mut request = Request::get(&own_path)
        .header("host", authority)
        .header("accept", "application/health+json, application/json")
        .body(Empty::<Bytes>::new())
        .map_err(|error| format!("{url}: {error}"))?;
    if let Some(token) = token {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the token holds characters a header cannot carry".to_owned())?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    let response = sender.send_request(request).await.map_err(|error| format!("{url}: {error}"))?;
    let status = response.status().as_u16();
    let body = http_body_util::Limited::new(response.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|error| format!("{url}: {error}"))?;
    Ok(Answer { status, body: body.to_bytes() })
}

/// A server's answer: its status code and body.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// The body, at most [`MAX_BODY`] bytes.
    pub(crate) body: Bytes,
}

//! A minimal HTTP/1 client over any byte stream (a unix socket for Docker, TCP for the gateway's health
//! URL): GET requests on one connection, bodies read up to a size limit. No TLS, no redirects.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, HOST, HeaderValue};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;

/// The largest response body read; a status endpoint that sends more is broken.
const BODY_LIMIT_BYTES: usize = 4 << 20;

/// Why a request failed. Messages never contain request headers (the bearer key is one).
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The HTTP handshake or exchange failed.
    #[error("{0}")]
    Protocol(#[from] hyper::Error),
    /// The body could not be read (or exceeded the limit).
    #[error("failed to read the response body: {0}")]
    Body(String),
    /// The request could not be built.
    #[error("invalid request: {0}")]
    Request(String),
}

/// One HTTP/1 connection. Dropping it closes the connection.
pub(crate) struct Connection {
    sender: SendRequest<Empty<Bytes>>,
    driver: JoinHandle<()>,
}

impl Connection {
    /// Performs the HTTP/1 handshake on `stream` and drives the connection in a task of its own.
    pub(crate) async fn open<S>(stream: S) -> Result<Connection, HttpError>
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "status http client connection ended with an error");
            }
        });
        Ok(Connection { sender, driver })
    }

    /// `GET path` with `Host: host` and, when given, `Authorization: Bearer <key>` (marked sensitive).
    pub(crate) async fn get(
        &mut self,
        host: &str,
        path: &str,
        bearer: Option<&str>,
    ) -> Result<(StatusCode, Bytes), HttpError> {
        let mut request = Request::get(path)
            .header(HOST, host)
            .body(Empty::new())
            .map_err(|error| HttpError::Request(error.to_string()))?;
        if let Some(key) = bearer {
            // The error from a malformed key would not echo it, but say only what is wrong anyway.
            let mut value = HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| {
                HttpError::Request("the bearer key holds characters not allowed in a header".into())
            })?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = Limited::new(response.into_body(), BODY_LIMIT_BYTES)
            .collect()
            .await
            .map_err(|error| HttpError::Body(error.to_string()))?
            .to_bytes();
        Ok((status, body))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

//! Mounting the status routes in a server the host already runs.
//!
//! [`Mount`] answers the routes under a path prefix: with the prefix `/ops/status`, a request for
//! `/ops/status/metrics?x=1` is answered as `/metrics?x=1`, and `/ops/status` itself redirects to
//! `/ops/status/` (the HTML page, whose links are relative to it). A request outside the prefix is
//! 404, so a host that forwards everything to it still answers sensibly.
//!
//! Both [`Mount`] and [`StatusService`] are a `hyper::service::Service` and a `tower::Service`
//! (`tower_service::Service`, which tower, axum and tonic re-export), with `Error = Infallible` and a
//! `Response<Full<Bytes>>` response:
//! - a hyper host checks [`Mount::matches`] in its own `service_fn` and calls the mount;
//! - an axum host nests the plain service, since axum strips the prefix itself, and tells it the
//!   prefix for the page's links and cookie: `Router::new().nest_service("/ops/status",
//!   StatusService::new(cache).with_path_prefix("/ops/status"))`;
//! - a separate port needs no mounting: [`serve`](crate::serve) the service on its own listener.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use http_body_util::Full;
//! use hyper::body::Bytes;
//! use hyper::service::Service as _;
//! use hyper::{Request, Response};
//! use status_http::{Mount, StatusService};
//!
//! let status = Mount::new("/ops/status", StatusService::new(status_collect::Cache::default())).unwrap();
//! // The host's own handler: its routes first, the status routes under the prefix.
//! let host = move |request: Request<String>| {
//!     let status = status.clone();
//!     async move {
//!         if status.matches(&request) {
//!             return status.call(request).await;
//!         }
//!         Ok(Response::new(Full::new(Bytes::from("the host's own answer"))))
//!     }
//! };
//! let answer = host(Request::get("/ops/status/status").body(String::new()).unwrap()).await.unwrap();
//! assert_eq!(answer.status(), 503, "no snapshot yet: the status routes answered");
//! let answer = host(Request::get("/api/jobs").body(String::new()).unwrap()).await.unwrap();
//! assert_eq!(answer.status(), 200);
//! # }
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::{Request, Response, StatusCode, Uri};

use crate::routes::StatusService;

/// The status routes under a path prefix. Cloning is cheap (two reference counts).
#[derive(Clone)]
pub struct Mount {
    prefix: Arc<str>,
    service: StatusService,
}

/// A prefix [`Mount::new`] refuses.
#[derive(Debug, thiserror::Error)]
#[error("failed to mount the status routes at {prefix:?}: {reason}")]
pub struct InvalidPrefix {
    /// The prefix given.
    pub prefix: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The future of a [`Mount`]'s answer: the routes' own, or one given at once (a redirect, a 404).
#[derive(Debug)]
pub enum MountFuture<F> {
    /// The status routes are answering.
    Routes(F),
    /// Answered by the mount itself.
    Answered(Option<Response<Full<Bytes>>>),
}

impl Mount {
    /// Mounts `service` at `prefix`: a path that starts with `/`, does not end with one, and has no
    /// query or fragment (`/ops/status`). To serve at the root, use the service itself. The service's page then links
    /// and sets its session cookie inside the prefix ([`StatusService::with_path_prefix`]).
    pub fn new(prefix: &str, service: StatusService) -> Result<Mount, InvalidPrefix> {
        let invalid = |reason| Err(InvalidPrefix { prefix: prefix.to_owned(), reason });
        if !prefix.starts_with('/') {
            return invalid("it must start with `/`");
        }
        if prefix.len() < 2 || prefix.ends_with('/') {
            return invalid(
                "it must not end with `/` (to serve at the root, use the service itself)",
            );
        }
        if prefix.contains(['?', '#']) || prefix.parse::<Uri>().is_err() {
            return invalid("it must be a plain path");
        }
        let service = service.with_path_prefix(prefix);
        Ok(Mount { prefix: prefix.into(), service })
    }

    /// The prefix, as given.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether `request` is for a path under the prefix (or the prefix itself).
    pub fn matches<B>(&self, request: &Request<B>) -> bool {
        self.rest(request.uri().path()).is_some()
    }

    /// The path after the prefix: `Some("")` for the prefix itself, `Some("/metrics")` under it.
    fn rest<'p>(&self, path: &'p str) -> Option<&'p str> {
        let rest = path.strip_prefix(&*self.prefix)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

const NOT_FOUND: &str = r#"{"error":"not found"}"#;
const BAD_PATH: &str = r#"{"error":"bad path"}"#;

fn answer(status: StatusCode, location: Option<&str>, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    if !body.is_empty() {
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(location) = location.and_then(|location| location.parse().ok()) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

impl<F> Future for MountFuture<F>
where
    F: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Unpin,
{
    type Output = Result<Response<Full<Bytes>>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            MountFuture::Routes(future) => Pin::new(future).poll(cx),
            MountFuture::Answered(response) => {
                Poll::Ready(Ok(response.take().expect("a MountFuture is polled after it finished")))
            }
        }
    }
}

type RoutesFuture<B> = <StatusService as hyper::service::Service<Request<B>>>::Future;

impl<B> hyper::service::Service<Request<B>> for Mount
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = MountFuture<RoutesFuture<B>>;

    /// Strips the prefix and lets the routes answer; the prefix itself redirects to `prefix/`, and
    /// a path outside it is 404.
    fn call(&self, request: Request<B>) -> Self::Future {
        let answered = |response| MountFuture::Answered(Some(response));
        let query = request.uri().query().map(|query| format!("?{query}")).unwrap_or_default();
        let path = match self.rest(request.uri().path()) {
            None => return answered(answer(StatusCode::NOT_FOUND, None, NOT_FOUND)),
            Some("") => {
                let location = format!("{}/{query}", self.prefix);
                return answered(answer(StatusCode::PERMANENT_REDIRECT, Some(&location), ""));
            }
            Some(rest) => format!("{rest}{query}"),
        };
        let (mut parts, body) = request.into_parts();
        let mut uri = parts.uri.into_parts();
        uri.path_and_query = path.parse().ok();
        match Uri::from_parts(uri) {
            Ok(uri) => parts.uri = uri,
            Err(_) => return answered(answer(StatusCode::BAD_REQUEST, None, BAD_PATH)),
        }
        MountFuture::Routes(self.service.call(Request::from_parts(parts, body)))
    }
}

/// Always ready: an answer never waits for capacity here.
impl<B> tower_service::Service<Request<B>> for Mount
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = MountFuture<RoutesFuture<B>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        hyper::service::Service::call(&*self, request)
    }
}

/// Always ready: an answer never waits for capacity here.
impl<B> tower_service::Service<Request<B>> for StatusService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = RoutesFuture<B>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        hyper::service::Service::call(&*self, request)
    }
}

#[cfg(test)]
mod tests;

//! [`StatusService`] as a `hyper::service::Service`: the concurrency limit, and forced refreshes,
//! the one answer that may wait.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Body;
use hyper::{Method, Request, StatusCode};
use status_collect::Refreshed;

use super::{LOGIN, StatusService, wants_fresh};
use crate::auth;
use crate::reply::{self, Reply};

/// The future of one answer: ready at once, or a forced refresh in progress.
pub enum ResponseFuture {
    /// Answered from the cache.
    Ready(Ready<Result<Reply, Infallible>>),
    /// Waiting for a forced collection.
    Refreshing(Pin<Box<dyn Future<Output = Result<Reply, Infallible>> + Send>>),
}

impl Future for ResponseFuture {
    type Output = Result<Reply, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            ResponseFuture::Ready(ready) => Pin::new(ready).poll(cx),
            ResponseFuture::Refreshing(future) => future.as_mut().poll(cx),
        }
    }
}

impl std::fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResponseFuture::Ready(_) => "ResponseFuture::Ready",
            ResponseFuture::Refreshing(_) => "ResponseFuture::Refreshing",
        })
    }
}

/// The largest body read: the login form carries one token.
const MAX_FORM: usize = 4 * 1024;

impl<B> hyper::service::Service<Request<B>> for StatusService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Reply;
    type Error = Infallible;
    type Future = ResponseFuture;

    /// Answers 429 at once when `max_concurrent_requests` are in progress. `/status?fresh=1` and
    /// `/health?fresh=1` from a client that may see everything wait for the refresher (up to
    /// `request_timeout`); when it declines or times out, the cached answer is marked stale. Those
    /// waiters do not count in `max_concurrent_requests`: at most [`FRESH_WAITERS`](super::FRESH_WAITERS) wait at once,
    /// and the others are answered from the cache at once, marked stale.
    /// `POST /login` reads the form (at most 4 KiB, within `request_timeout`); no other route
    /// reads the body.
    fn call(&self, request: Request<B>) -> ResponseFuture {
        if request.method() == Method::POST && request.uri().path() == LOGIN {
            let Ok(permit) = self.in_progress.clone().try_acquire_owned() else {
                return ResponseFuture::Ready(ready(Ok(reply::too_many_requests())));
            };
            let service = self.clone();
            let (parts, body) = request.into_parts();
            return ResponseFuture::Refreshing(Box::pin(async move {
                let _permit = permit;
                let read = Limited::new(body, MAX_FORM).collect();
                let form: Bytes =
                    match tokio::time::timeout(service.options.request_timeout, read).await {
                        Ok(Ok(collected)) => collected.to_bytes(),
                        Ok(Err(_)) => {
                            return Ok(reply::error(
                                StatusCode::PAYLOAD_TOO_LARGE,
                                "the login form is larger than 4 KiB or was cut off",
                            ));
                        }
                        Err(_elapsed) => {
                            return Ok(reply::error(
                                StatusCode::REQUEST_TIMEOUT,
                                "the login form did not arrive in time",
                            ));
                        }
                    };
                let answer =
                    service.form_post(&parts.method, parts.uri.path(), &parts.headers, Some(&form));
                Ok(answer.unwrap_or_else(|| reply::error(StatusCode::NOT_FOUND, "not found")))
            }));
        }
        let refresher = self.options.refresher.clone().filter(|_| {
            let path = request.uri().path();
            wants_fresh(&request)
                && matches!(path, "/status" | "/health")
                && auth::access(request.headers(), self.options.token.as_ref()).full()
        });
        let waiter = refresher.and_then(|refresher| {
            let permit = self.fresh_waiters.clone().try_acquire_owned().ok()?;
            Some((refresher, permit))
        });
        let Some((refresher, permit)) = waiter else {
            let Ok(permit) = self.in_progress.clone().try_acquire_owned() else {
                return ResponseFuture::Ready(ready(Ok(reply::too_many_requests())));
            };
            let response = self.respond(&request);
            drop(permit);
            return ResponseFuture::Ready(ready(Ok(response)));
        };
        let (parts, _body) = request.into_parts();
        let request = Request::from_parts(parts, ());
        let service = self.clone();
        ResponseFuture::Refreshing(Box::pin(async move {
            let _permit = permit;
            let refreshed =
                tokio::time::timeout(service.options.request_timeout, refresher.refresh()).await;
            let (latest, stale) = match refreshed {
                Ok(Refreshed::Fresh(published)) => (Some(published), false),
                Ok(Refreshed::Throttled(latest)) => (latest, true),
                Err(_elapsed) => (service.cache.latest(), true),
            };
            Ok(service.answer(&request, latest, stale))
        }))
    }
}

//! [`StatusService`] as a `hyper::service::Service`: the concurrency limit, and forced refreshes,
//! the one answer that may wait.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper::Request;
use status_collect::Refreshed;

use super::{StatusService, wants_fresh};
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

impl<B> hyper::service::Service<Request<B>> for StatusService {
    type Response = Reply;
    type Error = Infallible;
    type Future = ResponseFuture;

    /// Answers 429 at once when `max_concurrent_requests` are in progress. `/status?fresh=1` and
    /// `/health?fresh=1` from a client that may see everything wait for the refresher (up to
    /// `request_timeout`); when it declines or times out, the cached answer is marked stale. Those
    /// waiters do not count in `max_concurrent_requests`: at most [`FRESH_WAITERS`](super::FRESH_WAITERS) wait at once,
    /// and the others are answered from the cache at once, marked stale.
    fn call(&self, request: Request<B>) -> ResponseFuture {
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

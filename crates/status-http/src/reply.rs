//! Named response helpers: every answer gets its content type, `no-store` and `nosniff` here.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    AGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WARNING,
    WWW_AUTHENTICATE, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Response, StatusCode};

use crate::auth::Access;

pub(crate) type Reply = Response<Full<Bytes>>;

pub(crate) fn respond_with(status: StatusCode, content_type: &'static str, body: Bytes) -> Reply {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A status answer is about now: no cache may serve it later.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

pub(crate) fn json(status: StatusCode, body: Bytes) -> Reply {
    respond_with(status, "application/json", body)
}

pub(crate) fn health_json(status: StatusCode, body: &serde_json::Value) -> Reply {
    respond_with(status, "application/health+json", Bytes::from(body.to_string()))
}

/// An HTML page. Its styles are inline and it runs no script; it may be framed only by its own
/// origin, and its forms post only to it.
pub(crate) fn html(status: StatusCode, body: impl Into<Bytes>) -> Reply {
    let mut response = respond_with(status, "text/html; charset=utf-8", body.into());
    response.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'self'; base-uri 'none'",
        ),
    );
    response
}

pub(crate) fn text(status: StatusCode, body: String) -> Reply {
    respond_with(status, "text/plain; charset=utf-8", Bytes::from(body))
}

pub(crate) fn error(status: StatusCode, message: &str) -> Reply {
    json(status, Bytes::from(serde_json::json!({ "error": message }).to_string()))
}

/// 401 with the challenge RFC 6750 describes; `invalid_token` when credentials were sent.
pub(crate) fn unauthorized(access: Access) -> Reply {
    let (challenge, message) = match access {
        Access::Invalid => {
            ("Bearer realm=\"status\", error=\"invalid_token\"", "the bearer token is not valid")
        }
        _ => ("Bearer realm=\"status\"", "this endpoint needs a bearer token"),
    };
    let mut response = error(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

/// 429, sent at once when too many requests are in progress.
pub(crate) fn too_many_requests() -> Reply {
    let mut response =
        error(StatusCode::TOO_MANY_REQUESTS, "too many requests in progress; retry shortly");
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Marks an answer served from the cache when fresh data was asked for: `Age` and the RFC 7234
/// `Warning: 110` that says the response is stale.
pub(crate) fn mark_stale(response: &mut Reply, age_seconds: f64) {
    let headers = response.headers_mut();
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "whole seconds, clamped at 0"
    )]
    let age = age_seconds.max(0.0).floor() as u64;
    headers.insert(AGE, HeaderValue::from(age));
    headers.insert(WARNING, HeaderValue::from_static("110 - \"Response is Stale\""));
}

//! Routing: one `match` on the path, named response helpers.

use std::convert::Infallible;
use std::future::{Ready, ready};

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use hyper::{Method, Request, Response, StatusCode};
use status_collect::{Cache, Published};
use status_model::{HealthStatus, Outcome, SectionName};

/// The status routes over a cache. Cheap to clone: one per connection.
#[derive(Clone, Debug)]
pub struct StatusService {
    cache: Cache,
}

impl StatusService {
    /// Serves what `cache` holds.
    pub fn new(cache: Cache) -> StatusService {
        StatusService { cache }
    }

    /// Answers one request from the cache. Never waits, never collects. The body is ignored.
    pub fn respond<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            let mut response =
                error(StatusCode::METHOD_NOT_ALLOWED, &format!("method {method} not allowed"));
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let mut response = self.route(request.uri().path());
        if method == Method::HEAD {
            *response.body_mut() = Full::default();
        }
        response
    }

    fn route(&self, path: &str) -> Response<Full<Bytes>> {
        let route = match path {
            "/status" => Route::Status,
            "/health" => Route::Health,
            _ => match path.strip_prefix("/status/") {
                Some(section) => match section.parse::<SectionName>() {
                    Ok(name) => Route::Section(name),
                    Err(unknown) => return error(StatusCode::NOT_FOUND, &unknown.to_string()),
                },
                None => return error(StatusCode::NOT_FOUND, &format!("no such endpoint: {path}")),
            },
        };
        let Some(published) = self.cache.latest() else {
            return error(StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet");
        };
        match route {
            Route::Status => json(StatusCode::OK, published.json.clone()),
            Route::Section(name) => match published.sections.get(&name) {
                Some(body) => json(StatusCode::OK, body.clone()),
                None => {
                    error(StatusCode::NOT_FOUND, &format!("section `{name}` is not configured"))
                }
            },
            Route::Health => health(&published),
        }
    }
}

enum Route {
    Status,
    Section(SectionName),
    Health,
}

impl<B> hyper::service::Service<Request<B>> for StatusService {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Full<Bytes>>, Infallible>>;

    fn call(&self, request: Request<B>) -> Self::Future {
        ready(Ok(self.respond(&request)))
    }
}

/// `pass` when every section collected `ok`, else `warn`; each section's outcome alongside.
fn health(published: &Published) -> Response<Full<Bytes>> {
    let sections = &published.snapshot.collection.sections;
    let status = HealthStatus::worst(sections.values().map(|section| match section.outcome {
        Outcome::Ok => HealthStatus::Pass,
        _ => HealthStatus::Warn,
    }));
    let outcomes: serde_json::Map<String, serde_json::Value> = sections
        .iter()
        .map(|(name, section)| (name.clone(), section.outcome.as_str().into()))
        .collect();
    let body = serde_json::json!({ "status": status.as_str(), "sections": outcomes });
    json(StatusCode::OK, Bytes::from(body.to_string()))
}

fn json(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // A status answer is about now: no cache may serve it later.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(status, Bytes::from(serde_json::json!({ "error": message }).to_string()))
}

#[cfg(test)]
mod tests;

//! Routing: one `match` on the path, named response helpers.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    ACCEPT, ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use hyper::{Method, Request, Response, StatusCode};
use status_collect::{Cache, Config, Published};
use status_model::checks::{CheckConfig, CheckDef};
use status_model::{HealthStatus, SectionName, Timestamp};

use crate::probes::{Probe, ProbeQuery};
use crate::{ietf, live, metrics, page, probes, traces};

/// The status routes over a cache. Cheap to clone: one per connection.
#[derive(Clone, Debug)]
pub struct StatusService {
    cache: Cache,
    options: Options,
    /// Served at `/status/traces`; `None` until [`StatusService::with_traces`].
    traces: Option<status_collect::diagnostics::TraceBuffer>,
}

#[derive(Clone, Debug)]
struct Options {
    /// Settings of the `snapshot_fresh` check, re-run per request.
    freshness: CheckConfig,
    /// The loop's interval: liveness fails when no snapshot arrives within a few of them.
    interval: Option<Duration>,
    page_refresh: Duration,
}

impl StatusService {
    /// Serves what `cache` holds, with default settings.
    pub fn new(cache: Cache) -> StatusService {
        StatusService::from_config(cache, &Config::default())
    }

    /// Serves what `cache` holds, with the settings in `config` (freshness check, page refresh).
    pub fn from_config(cache: Cache, config: &Config) -> StatusService {
        let freshness = CheckDef::find(live::FRESHNESS)
            .map(|check| check.config(config.health.checks.get(live::FRESHNESS)))
            .filter(|freshness| freshness.enabled);
        let options = Options {
            freshness: freshness.clone().unwrap_or_else(disabled_freshness),
            interval: freshness.map(|_| config.collect.interval),
            page_refresh: config.http.page_refresh,
        };
        StatusService { cache, options, traces: None }
    }

    /// Also serves `traces` at `/status/traces` and `/status/traces/{execution_id}`.
    pub fn with_traces(
        mut self,
        traces: status_collect::diagnostics::TraceBuffer,
    ) -> StatusService {
        self.traces = Some(traces);
        self
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
        let mut response = self.route(request);
        if method == Method::HEAD {
            *response.body_mut() = Full::default();
        }
        response
    }

    fn route<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        let path = request.uri().path();
        let query = request.uri().query();
        let latest = self.cache.latest();
        let now = Timestamp::now();
        match path {
            "/" => self.page(latest.as_deref(), now),
            "/status" => with_snapshot(latest.as_deref(), |published| {
                let body = if wants_terse(query) { &published.terse } else { &published.json };
                json(StatusCode::OK, body.clone())
            }),
            "/health" => self.health(latest.as_deref(), now),
            "/livez" => self.livez(latest.as_deref(), now, query),
            "/readyz" => self.readyz(latest.as_deref(), now, query),
            "/metrics" => {
                let accept = request.headers().get(ACCEPT).and_then(|value| value.to_str().ok());
                self.metrics(latest.as_deref(), now, metrics::Format::negotiate(accept))
            }
            _ => {
                if let Some((code, body)) = path
                    .strip_prefix("/status/traces")
                    .and_then(|rest| traces::answer(self.traces.as_ref(), rest))
                {
                    return json(code, body);
                }
                if let Some(section) = path.strip_prefix("/status/") {
                    return section_route(latest.as_deref(), section);
                }
                if let Some(check) = path.strip_prefix("/readyz/") {
                    return self.readyz_one(latest.as_deref(), now, check);
                }
                error(StatusCode::NOT_FOUND, &format!("no such endpoint: {path}"))
            }
        }
    }

    fn live_report(
        &self,
        published: &Published,
        now: Timestamp,
    ) -> Option<status_model::HealthReport> {
        live::report(published, &self.options.freshness, now)
    }

    fn health(&self, latest: Option<&Published>, now: Timestamp) -> Response<Full<Bytes>> {
        let Some(published) = latest else {
            return health_json(StatusCode::SERVICE_UNAVAILABLE, &ietf::no_snapshot());
        };
        let Some(report) = self.live_report(published, now) else {
            return error(StatusCode::NOT_FOUND, "no health checks are configured");
        };
        let code = if report.status == HealthStatus::Fail {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        health_json(code, &ietf::body(&published.snapshot, &report))
    }

    /// Liveness: the loop is producing snapshots. Before the first one, the process gets a grace of
    /// as many intervals as the freshness check allows.
    fn livez(
        &self,
        latest: Option<&Published>,
        now: Timestamp,
        query: Option<&str>,
    ) -> Response<Full<Bytes>> {
        let limit = self.options.freshness.fail_above.unwrap_or(3.0);
        let collection = match (latest, self.options.interval) {
            (_, None) => Probe::pass("collection"),
            (Some(published), Some(interval)) => {
                let age = live::age_seconds(published, now);
                if age > limit * interval.as_secs_f64() {
                    Probe::fail(
                        "collection",
                        format!("latest snapshot is {age:.0} s old, more than {limit} intervals"),
                    )
                } else {
                    Probe::pass("collection")
                }
            }
            (None, Some(interval)) => {
                let waited = self.cache.age().as_secs_f64();
                if waited > limit * interval.as_secs_f64() {
                    Probe::fail("collection", format!("no snapshot after {waited:.0} s"))
                } else {
                    Probe::pass("collection")
                }
            }
        };
        probe_response("livez", &[Probe::pass("ping"), collection], query)
    }

    fn readiness(&self, latest: Option<&Published>, now: Timestamp) -> Vec<Probe> {
        let report = latest.and_then(|published| self.live_report(published, now));
        probes::readiness(latest.is_some(), report.as_ref())
    }

    fn readyz(
        &self,
        latest: Option<&Published>,
        now: Timestamp,
        query: Option<&str>,
    ) -> Response<Full<Bytes>> {
        probe_response("readyz", &self.readiness(latest, now), query)
    }

    fn readyz_one(
        &self,
        latest: Option<&Published>,
        now: Timestamp,
        name: &str,
    ) -> Response<Full<Bytes>> {
        let probes = self.readiness(latest, now);
        match probes.iter().find(|probe| probe.name == name) {
            Some(probe) => probe_response("readyz", std::slice::from_ref(probe), None),
            None => text(StatusCode::NOT_FOUND, format!("no such readiness check: {name}\n")),
        }
    }

    fn metrics(
        &self,
        latest: Option<&Published>,
        now: Timestamp,
        format: metrics::Format,
    ) -> Response<Full<Bytes>> {
        let Some(published) = latest else {
            return error(StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet");
        };
        let report = self.live_report(published, now);
        let body = metrics::render(
            &published.snapshot,
            report.as_ref(),
            live::age_seconds(published, now),
            format,
        );
        respond_with(StatusCode::OK, format.content_type(), Bytes::from(body))
    }

    fn page(&self, latest: Option<&Published>, now: Timestamp) -> Response<Full<Bytes>> {
        let html = "text/html; charset=utf-8";
        let Some(published) = latest else {
            let body = page::no_snapshot(self.options.page_refresh);
            return respond_with(StatusCode::SERVICE_UNAVAILABLE, html, Bytes::from(body));
        };
        let report = self.live_report(published, now);
        let age = live::age_seconds(published, now);
        let body =
            page::render(&published.snapshot, report.as_ref(), age, self.options.page_refresh);
        respond_with(StatusCode::OK, html, Bytes::from(body))
    }
}

impl<B> hyper::service::Service<Request<B>> for StatusService {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Response<Full<Bytes>>, Infallible>>;

    fn call(&self, request: Request<B>) -> Self::Future {
        ready(Ok(self.respond(&request)))
    }
}

/// A freshness check that never runs (disabled in the config).
fn disabled_freshness() -> CheckConfig {
    CheckConfig {
        enabled: false,
        critical: false,
        warn_above: None,
        fail_above: None,
        warn_below: None,
        fail_below: None,
        fail_after: 1,
        recover_after: 1,
    }
}

fn with_snapshot(
    latest: Option<&Published>,
    answer: impl FnOnce(&Published) -> Response<Full<Bytes>>,
) -> Response<Full<Bytes>> {
    match latest {
        Some(published) => answer(published),
        None => error(StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet"),
    }
}

/// `?terse`, `?terse=1` or `?terse=true`: the terse projection instead of the whole snapshot.
fn wants_terse(query: Option<&str>) -> bool {
    query.into_iter().flat_map(|query| query.split('&')).any(|pair| {
        matches!(pair.split_once('=').unwrap_or((pair, "")), ("terse", "" | "1" | "true"))
    })
}

fn section_route(latest: Option<&Published>, section: &str) -> Response<Full<Bytes>> {
    let name = match section.parse::<SectionName>() {
        Ok(name) => name,
        Err(unknown) => return error(StatusCode::NOT_FOUND, &unknown.to_string()),
    };
    with_snapshot(latest, |published| match published.sections.get(&name) {
        Some(body) => json(StatusCode::OK, body.clone()),
        None => error(StatusCode::NOT_FOUND, &format!("section `{name}` is not configured")),
    })
}

fn probe_response(kind: &str, probes: &[Probe], query: Option<&str>) -> Response<Full<Bytes>> {
    let (passed, body) = probes::render(kind, probes, &ProbeQuery::parse(query));
    text(if passed { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}

fn respond_with(
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A status answer is about now: no cache may serve it later.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn json(status: StatusCode, body: Bytes) -> Response<Full<Bytes>> {
    respond_with(status, "application/json", body)
}

fn health_json(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    respond_with(status, "application/health+json", Bytes::from(body.to_string()))
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    respond_with(status, "text/plain; charset=utf-8", Bytes::from(body))
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json(status, Bytes::from(serde_json::json!({ "error": message }).to_string()))
}

#[cfg(test)]
mod tests;

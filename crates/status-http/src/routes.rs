//! Routing: access, then one `match` on the path, then the headers that depend on the request.

mod browser;
mod kube;
mod parts;
pub(crate) mod service;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{ACCEPT, ALLOW, CONTENT_ENCODING, ETAG, HeaderValue, VARY};
use hyper::{Method, Request, StatusCode};
use status_collect::{Cache, Config, Published, Refresher};
use status_model::checks::{CheckConfig, CheckDef};
use status_model::{CheckResult, HealthStatus, Timestamp};
use tokio::sync::Semaphore;

use crate::auth::{self, Access, Token};
use crate::cors::Cors;
use crate::encoding::{self, Memo, Splice};
use crate::reply::{self, Reply, error, health_json, json, respond_with};
use crate::session::Sessions;
#[cfg(feature = "diagnostics")]
use crate::traces;
use crate::views::{self, Verdict};
use crate::{ietf, live, metrics};

pub(crate) use browser::LOGIN;
use parts::{is_public, section_route, status_format, wants_fresh, with_snapshot};

/// Forced refreshes (`?fresh=1`) that may wait for a collection at once; more are answered from the
/// cache at once, marked stale.
pub const FRESH_WAITERS: usize = 8;

/// What an unauthenticated client reads instead of a failing probe's reason.
const WITHHELD: &str = "reason withheld";

/// The status routes over a cache. Cheap to clone: one per connection.
///
/// With a [`Token`], every route but `/livez`, `/healthz`, `/readyz[/…]` and a minimal `/health`
/// (status only) answers 401 without `Authorization: Bearer <token>`, or the login form at `/`;
/// the form's session cookie opens the `GET` views. Without one, everything is open (bind
/// loopback, see [`check_bind`](crate::check_bind)).
#[derive(Clone, Debug)]
pub struct StatusService {
    cache: Cache,
    options: Arc<Options>,
    memo: Arc<Memo>,
    in_progress: Arc<Semaphore>,
    /// `?fresh=1` requests waiting for a collection: a small limit of their own, so that they never
    /// take the places of plain reads in `in_progress`.
    fresh_waiters: Arc<Semaphore>,
    /// Served at `/status/traces`; `None` until [`StatusService::with_traces`].
    #[cfg(feature = "diagnostics")]
    traces: Option<status_collect::diagnostics::TraceBuffer>,
    /// Browser sessions started through the page's login form.
    sessions: Arc<Sessions>,
}

#[derive(Clone, Debug)]
struct Options {
    /// Settings of the `snapshot_fresh` check, re-run per request.
    freshness: CheckConfig,
    /// The loop's interval: liveness fails when no snapshot arrives within a few of them.
    interval: Option<Duration>,
    page_refresh: Duration,
    token: Option<Token>,
    refresher: Option<Refresher>,
    cors: Cors,
    request_timeout: Duration,
    /// Where the routes are mounted (`/ops/status`), empty at the root: the page's links, forms
    /// and session cookie use it.
    prefix: String,
}

impl StatusService {
    /// Serves what `cache` holds, with default settings: no token, no forced refresh.
    pub fn new(cache: Cache) -> StatusService {
        StatusService::from_config(cache, &Config::default())
    }

    /// Serves what `cache` holds, with the settings in `config` (freshness check, page refresh,
    /// CORS origins, request limits). No token and no forced refresh until given.
    pub fn from_config(cache: Cache, config: &Config) -> StatusService {
        let freshness = CheckDef::find(live::FRESHNESS)
            .map(|check| check.config(config.health.checks.get(live::FRESHNESS)))
            .filter(|freshness| freshness.enabled);
        let options = Options {
            freshness: freshness.clone().unwrap_or_else(disabled_freshness),
            interval: freshness.map(|_| config.collect.interval),
            page_refresh: config.http.page_refresh,
            token: None,
            refresher: None,
            cors: Cors::new(&config.http.cors_origins),
            request_timeout: config.http.request_timeout,
            prefix: String::new(),
        };
        StatusService {
            cache,
            options: Arc::new(options),
            memo: Arc::default(),
            in_progress: Arc::new(Semaphore::new(config.http.max_concurrent_requests)),
            fresh_waiters: Arc::new(Semaphore::new(FRESH_WAITERS)),
            #[cfg(feature = "diagnostics")]
            traces: None,
            sessions: Arc::default(),
        }
    }

    /// Also serves `traces` at `/status/traces` and `/status/traces/{execution_id}`.
    #[cfg(feature = "diagnostics")]
    pub fn with_traces(
        mut self,
        traces: status_collect::diagnostics::TraceBuffer,
    ) -> StatusService {
        self.traces = Some(traces);
        self
    }

    /// Requires `token` on every route but the probes and the minimal `/health`.
    pub fn with_token(self, token: Option<Token>) -> StatusService {
        self.with_options(|options| options.token = token)
    }

    /// Answers `/status?fresh=1` and `/health?fresh=1` through `refresher` (a forced collection,
    /// coalesced and rate-limited). Without one, they are answered from the cache, marked stale.
    pub fn with_refresher(self, refresher: Refresher) -> StatusService {
        self.with_options(|options| options.refresher = Some(refresher))
    }

    fn with_options(mut self, change: impl FnOnce(&mut Options)) -> StatusService {
        let mut options = Options::clone(&self.options);
        change(&mut options);
        self.options = Arc::new(options);
        self
    }

    /// Answers one request from the cache. Never waits, never collects (`?fresh=1` is answered
    /// from the cache, marked stale; the `hyper::service::Service` impl honours it). The body is
    /// ignored, so `POST /login` answers 400 here: the `Service` impl reads the form.
    pub fn respond<B>(&self, request: &Request<B>) -> Reply {
        let stale = wants_fresh(request);
        self.answer(request, self.cache.latest(), stale)
    }

    /// Answers from `latest`; `stale` marks an answer that was asked to be fresh and is not.
    fn answer<B>(
        &self,
        request: &Request<B>,
        latest: Option<Arc<Published>>,
        stale: bool,
    ) -> Reply {
        let method = request.method();
        let headers = request.headers();
        if self.options.cors.is_preflight(method, headers) {
            let mut response = respond_with(StatusCode::NO_CONTENT, "text/plain", Bytes::new());
            self.options.cors.preflight(headers, response.headers_mut());
            return response;
        }
        let path = request.uri().path();
        if let Some(response) = self.form_post(method, path, headers, None) {
            return response;
        }
        if method != Method::GET && method != Method::HEAD {
            let mut response =
                error(StatusCode::METHOD_NOT_ALLOWED, &format!("method {method} not allowed"));
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let mut access = auth::access(headers, self.options.token.as_ref());
        if access == Access::Anonymous && self.sessions.admits(headers) {
            access = Access::Session;
        }
        let mut response = if access.full() || is_public(path) {
            self.route(request, access, latest.as_ref())
        } else if path == "/" {
            // A browser without the token: the login form instead of a JSON 401.
            self.login_page(access, false)
        } else {
            reply::unauthorized(access)
        };
        if stale && let Some(published) = &latest {
            reply::mark_stale(&mut response, live::age_seconds(published, Timestamp::now()));
        }
        self.options.cors.apply(headers, response.headers_mut());
        if method == Method::HEAD {
            *response.body_mut() = Full::default();
        }
        response
    }

    fn route<B>(
        &self,
        request: &Request<B>,
        access: Access,
        latest: Option<&Arc<Published>>,
    ) -> Reply {
        let path = request.uri().path();
        let query = request.uri().query();
        let now = Timestamp::now();
        let latest_ref = latest.map(Arc::as_ref);
        let full = access.full();
        match path {
            "/" => self.page(latest, now, access),
            // The terse record is a few hundred bytes: served as is, without ETag or gzip.
            "/status" => match status_format(query) {
                Ok(true) => {
                    with_snapshot(latest, |published| json(StatusCode::OK, published.terse.clone()))
                }
                Ok(false) => with_snapshot(latest, |published| self.whole(request, published)),
                Err(message) => error(StatusCode::BAD_REQUEST, &message),
            },
            "/health" => self.health(latest, now, full),
            // `/healthz`: the older Kubernetes name, answered as `/livez`.
            "/livez" | "/healthz" => self.livez(latest_ref, now, query, full),
            "/readyz" => self.readyz(latest, now, query, full),
            "/metrics" => {
                let accept = request.headers().get(ACCEPT).and_then(|value| value.to_str().ok());
                self.metrics(request, latest, now, metrics::Format::negotiate(accept))
            }
            _ => {
                #[cfg(feature = "diagnostics")]
                if let Some((code, body)) = path
                    .strip_prefix("/status/traces")
                    .and_then(|rest| traces::answer(self.traces.as_ref(), rest))
                {
                    return json(code, body);
                }
                if let Some(section) = path.strip_prefix("/status/") {
                    return section_route(request, latest_ref, section);
                }
                if let Some(check) = path.strip_prefix("/readyz/") {
                    return self.readyz_one(latest, now, check, full);
                }
                error(StatusCode::NOT_FOUND, &format!("no such endpoint: {path}"))
            }
        }
    }

    /// `/status`: the redacted JSON, with an ETag and its gzip form made once per snapshot.
    fn whole<B>(&self, request: &Request<B>, published: &Arc<Published>) -> Reply {
        let derived = self.memo.get(published);
        let headers = request.headers();
        let mut response = if encoding::not_modified(headers, &derived.etag) {
            respond_with(StatusCode::NOT_MODIFIED, "application/json", Bytes::new())
        } else if encoding::accepts_gzip(headers) {
            let mut response = json(StatusCode::OK, derived.gzip());
            response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response
        } else {
            json(StatusCode::OK, published.json.clone())
        };
        response.headers_mut().insert(ETAG, derived.etag.clone());
        response.headers_mut().insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        response
    }

    fn live_report(
        &self,
        published: &Published,
        now: Timestamp,
    ) -> Option<status_model::HealthReport> {
        live::report(published, &self.options.freshness, now)
    }

    /// The freshness check's result at `now`, and its status: the key of the views rendered once
    /// per snapshot.
    fn verdict(&self, published: &Published, now: Timestamp) -> (Option<CheckResult>, Verdict) {
        let fresh = live::fresh_check(published, &self.options.freshness, now);
        let verdict = fresh.as_ref().map(|check| check.status);
        (fresh, verdict)
    }

    /// `/health`: rendered once per snapshot and verdict; a request fills in the freshness check.
    fn health(&self, latest: Option<&Arc<Published>>, now: Timestamp, full: bool) -> Reply {
        let Some(published) = latest else {
            return health_json(StatusCode::SERVICE_UNAVAILABLE, &ietf::no_snapshot());
        };
        let (fresh, verdict) = self.verdict(published, now);
        let view = self.memo.get(published).views.health(verdict, || {
            let Some(report) = self.live_report(published, now) else {
                return views::Health {
                    code: StatusCode::NOT_FOUND,
                    full: None,
                    minimal: Bytes::new(),
                };
            };
            let code = if report.status == HealthStatus::Fail {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            let (text, at) = ietf::template(published, &report, live::FRESHNESS);
            views::Health {
                code,
                full: Some(Splice::new(text, at)),
                minimal: Bytes::from(ietf::minimal(report.status).to_string()),
            }
        });
        let Some(splice) = &view.full else {
            return error(StatusCode::NOT_FOUND, "no health checks are configured");
        };
        let body = if full {
            let entry = fresh.as_ref().map(ietf::entry_text).unwrap_or_default();
            splice.plain(entry.as_bytes())
        } else {
            view.minimal.clone()
        };
        respond_with(view.code, "application/health+json", body)
    }

    /// `/metrics`: rendered once per snapshot, format and verdict; a request fills in the
    /// snapshot's age, and gzip splices halves compressed once.
    fn metrics<B>(
        &self,
        request: &Request<B>,
        latest: Option<&Arc<Published>>,
        now: Timestamp,
        format: metrics::Format,
    ) -> Reply {
        let Some(published) = latest else {
            return error(StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet");
        };
        let gzip = encoding::accepts_gzip(request.headers());
        // To the millisecond: requests in the same millisecond share one answer.
        let age_ms = live::age_millis(published, now);
        let views = &self.memo.get(published).views;
        let body = views.metrics_body(format, gzip, age_ms, || {
            let now = live::at_age(published, age_ms);
            let (_, verdict) = self.verdict(published, now);
            let splice = views.metrics(format, verdict, || {
                metrics::template(published, self.live_report(published, now).as_ref(), format)
            });
            let age = metrics::age_line_millis(age_ms);
            if gzip { splice.gzip(age.as_bytes()) } else { splice.plain(age.as_bytes()) }
        });
        let mut response = respond_with(StatusCode::OK, format.content_type(), body);
        if gzip {
            response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response.headers_mut().insert(VARY, HeaderValue::from_static("Accept-Encoding"));
        response
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

#[cfg(test)]
mod tests;

//! What browsers get: the page, and behind a token the login form, its `POST /login` (the token for
//! a session cookie) and `POST /logout`.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{ALLOW, HeaderValue, LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Method, StatusCode};
use status_collect::Published;
use status_model::Timestamp;

use super::StatusService;
use crate::auth::Access;
use crate::reply::{self, Reply, error, respond_with};
use crate::session;
use crate::{live, page};

/// The login form's target.
pub(crate) const LOGIN: &str = "/login";
/// The logout form's target.
pub(crate) const LOGOUT: &str = "/logout";

impl StatusService {
    /// Tells the routes the path they are served under, for a host whose router strips it before
    /// calling them (axum's `nest_service("/ops/status", …)`): the page's links, its login form and
    /// its session cookie (`Path=/ops/status`) then point inside it. [`Mount`](crate::Mount) sets
    /// it itself. `prefix` is a path like `/ops/status`; a trailing `/` is dropped.
    pub fn with_path_prefix(self, prefix: &str) -> StatusService {
        let prefix = prefix.trim_end_matches('/').to_owned();
        self.with_options(|options| options.prefix = prefix)
    }

    /// The page, rendered once per snapshot, second and verdict: everything it shows of time
    /// (the snapshot's age, how long ago or until) is to the second, so it is rendered as of the
    /// start of the request's second.
    pub(super) fn page(
        &self,
        latest: Option<&Arc<Published>>,
        now: Timestamp,
        access: Access,
    ) -> Reply {
        let Some(published) = latest else {
            let body = page::no_snapshot(self.options.page_refresh);
            return reply::html(StatusCode::SERVICE_UNAVAILABLE, body);
        };
        let second = now.as_second();
        let now = Timestamp::from_second(second).unwrap_or(now);
        let (_, verdict) = self.verdict(published, now);
        let logout = access == Access::Session;
        let body = self.memo.get(published).views.page(second, logout, verdict, || {
            let report = self.live_report(published, now);
            let age = live::age_seconds(published, now);
            let links = page::Links { prefix: &self.options.prefix, logout };
            let refresh = self.options.page_refresh;
            Bytes::from(page::render(published, report.as_ref(), age, refresh, &links, now))
        });
        reply::html(StatusCode::OK, Bytes::clone(&body))
    }

    /// The login form (401, with the bearer challenge for machines); `failed` after a wrong token.
    pub(super) fn login_page(&self, access: Access, failed: bool) -> Reply {
        let mut response =
            reply::html(StatusCode::UNAUTHORIZED, page::login(&self.options.prefix, failed));
        let challenge = if failed || access == Access::Invalid {
            "Bearer realm=\"status\", error=\"invalid_token\""
        } else {
            "Bearer realm=\"status\""
        };
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        response
    }

    /// Answers `POST /login` and `POST /logout` (the only routes that take a POST) and any other
    /// method on them; `None` for every other route. `form` is the request body, read (and
    /// bounded) by the `Service` impl; [`StatusService::respond`] does not read bodies.
    pub(crate) fn form_post(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        form: Option<&[u8]>,
    ) -> Option<Reply> {
        if !matches!(path, LOGIN | LOGOUT) {
            return None;
        }
        if method != Method::POST {
            let mut response =
                error(StatusCode::METHOD_NOT_ALLOWED, &format!("method {method} not allowed"));
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
            return Some(response);
        }
        if self.options.token.is_none() {
            return Some(error(
                StatusCode::NOT_FOUND,
                "no token is configured: nothing to sign in to",
            ));
        }
        // SameSite=Strict keeps the cookie out of other sites' requests; this keeps their forms out.
        let fetch_site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
        if matches!(fetch_site, Some(b"cross-site" | b"same-site")) {
            return Some(error(StatusCode::FORBIDDEN, "a form from another site was refused"));
        }
        let cookie_path = if self.options.prefix.is_empty() { "/" } else { &self.options.prefix };
        let home = format!("{}/", self.options.prefix);
        let redirect = |cookie: String| {
            let mut response = respond_with(StatusCode::SEE_OTHER, "text/plain", Bytes::new());
            let headers = response.headers_mut();
            if let Ok(location) = HeaderValue::from_str(&home) {
                headers.insert(LOCATION, location);
            }
            if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                headers.insert(SET_COOKIE, cookie);
            }
            response
        };
        if path == LOGOUT {
            self.sessions.end(headers);
            return Some(redirect(session::clear_cookie(cookie_path)));
        }
        let Some(form) = form else {
            return Some(error(
                StatusCode::BAD_REQUEST,
                "the login form's body was not read (serve the routes through their Service impl)",
            ));
        };
        let presented = page::form_field(form, "token");
        let token = self.options.token.as_ref()?;
        if !presented.as_deref().is_some_and(|presented| token.matches(presented.as_bytes())) {
            tracing::info!("status page: a login with a wrong token was refused");
            return Some(self.login_page(Access::Invalid, true));
        }
        Some(match self.sessions.start() {
            Ok(id) => redirect(session::set_cookie(&id, cookie_path)),
            Err(session::NoRandomness) => {
                error(StatusCode::SERVICE_UNAVAILABLE, "no randomness for a session id; retry")
            }
        })
    }
}

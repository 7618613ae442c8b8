//! CORS: off unless origins are configured. An allowed origin gets `Access-Control-Allow-Origin` on
//! its responses and an answer to its preflight (needed for the `Authorization` header).

use hyper::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, HeaderValue, ORIGIN, VARY,
};
use hyper::{HeaderMap, Method};

/// The configured origins.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cors {
    origins: Vec<String>,
    any: bool,
}

impl Cors {
    pub(crate) fn new(origins: &[String]) -> Cors {
        Cors { any: origins.iter().any(|o| o == "*"), origins: origins.to_vec() }
    }

    /// The `Access-Control-Allow-Origin` value for this request, when its origin is allowed.
    fn allowed(&self, request: &HeaderMap) -> Option<HeaderValue> {
        if self.origins.is_empty() {
            return None;
        }
        let origin = request.get(ORIGIN)?;
        if self.any {
            return Some(HeaderValue::from_static("*"));
        }
        let text = origin.to_str().ok()?;
        self.origins.iter().any(|o| o.eq_ignore_ascii_case(text)).then(|| origin.clone())
    }

    /// Adds the CORS headers to a response for an allowed origin.
    pub(crate) fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        if self.origins.is_empty() {
            return;
        }
        if !self.any {
            response.append(VARY, HeaderValue::from_static("Origin"));
        }
        if let Some(allowed) = self.allowed(request) {
            response.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        }
    }

    /// Whether the request is a preflight from an allowed origin, to be answered 204.
    pub(crate) fn is_preflight(&self, method: &Method, request: &HeaderMap) -> bool {
        method == Method::OPTIONS
            && request.contains_key("access-control-request-method")
            && self.allowed(request).is_some()
    }

    /// The headers of a preflight answer.
    pub(crate) fn preflight(&self, request: &HeaderMap, response: &mut HeaderMap) {
        self.apply(request, response);
        response.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD"));
        response.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization"));
        response.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
}

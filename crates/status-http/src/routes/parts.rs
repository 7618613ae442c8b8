//! The small parts of routing: which routes are public, the query's flags, and one section's
//! answer.

use hyper::header::{CONTENT_ENCODING, HeaderValue, VARY};
use hyper::{Request, StatusCode};
use status_collect::Published;
use status_model::SectionName;

use crate::encoding;
use crate::reply::{Reply, error, json};

/// Routes a client without the token may read (in their minimal form).
pub(super) fn is_public(path: &str) -> bool {
    matches!(path, "/livez" | "/healthz" | "/readyz" | "/health") || path.starts_with("/readyz/")
}

/// `fresh`, `fresh=1` or `fresh=true` in the query.
pub(super) fn wants_fresh<B>(request: &Request<B>) -> bool {
    request.uri().query().unwrap_or_default().split('&').any(|pair| {
        matches!(pair.split_once('=').unwrap_or((pair, "")), ("fresh", "" | "1" | "true"))
    })
}

pub(super) fn with_snapshot<P>(latest: Option<P>, answer: impl FnOnce(P) -> Reply) -> Reply {
    match latest {
        Some(published) => answer(published),
        None => error(StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet"),
    }
}

/// `?terse`, `?terse=1` or `?terse=true`: the terse projection instead of the whole snapshot.
pub(super) fn wants_terse(query: Option<&str>) -> bool {
    query.into_iter().flat_map(|query| query.split('&')).any(|pair| {
        matches!(pair.split_once('=').unwrap_or((pair, "")), ("terse", "" | "1" | "true"))
    })
}

/// `/status`'s `format=`: `terse` is `?terse`, `json` the whole snapshot; `Err` names an unknown
/// format and the accepted ones. `Ok(true)` asks for the terse projection.
pub(super) fn status_format(query: Option<&str>) -> Result<bool, String> {
    let mut terse = wants_terse(query);
    for pair in query.into_iter().flat_map(|query| query.split('&')) {
        match pair.split_once('=') {
            Some(("format", "terse")) => terse = true,
            Some(("format", "json")) => {}
            Some(("format", other)) => {
                let other: String = other.chars().take(40).collect();
                return Err(format!(
                    "unknown format `{other}`; accepted: `json` (the whole snapshot), `terse`"
                ));
            }
            _ => {}
        }
    }
    Ok(terse)
}

pub(super) fn section_route<B>(
    request: &Request<B>,
    latest: Option<&Published>,
    section: &str,
) -> Reply {
    let name = match section.parse::<SectionName>() {
        Ok(name) => name,
        Err(unknown) => return error(StatusCode::NOT_FOUND, &unknown.to_string()),
    };
    with_snapshot(latest, |published| match published.sections.get(&name) {
        Some(body)
            if body.len() >= encoding::MIN_GZIP && encoding::accepts_gzip(request.headers()) =>
        {
            let gzip = encoding::gzip(body, flate2::Compression::fast());
            let mut response = json(StatusCode::OK, gzip);
            response.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            response.headers_mut().insert(VARY, HeaderValue::from_static("Accept-Encoding"));
            response
        }
        Some(body) => json(StatusCode::OK, body.clone()),
        None => error(StatusCode::NOT_FOUND, &format!("section `{name}` is not configured")),
    })
}

//! `/status/traces` and `/status/traces/{execution_id}`: the host's trace buffer as JSON.
//!
//! The list is `{"executions": [...], "stats": {...}}`: each execution held, most recently active
//! first, with `execution_id`, `first_at`, `last_at`, `event_count`, `dropped_events` and
//! `outcome`; `stats` says what the buffer holds against its bounds and what it evicted, dropped
//! and withheld. One execution is `{"summary": {...}, "events": [...]}`, each event with `at`,
//! `level`, `target`, `message` and `fields` (deny-listed fields never reach the buffer). The id
//! in the path is percent-decoded. Without a buffer (the host gave none) both are 404.

use bytes::Bytes;
use hyper::StatusCode;
use status_collect::diagnostics::TraceBuffer;

/// The answer for the path after `/status/traces`; `None` when it is not a traces path (so the
/// caller's other routes may answer it).
pub(crate) fn answer(traces: Option<&TraceBuffer>, rest: &str) -> Option<(StatusCode, Bytes)> {
    let id = match rest {
        "" | "/" => None,
        _ => Some(rest.strip_prefix('/')?),
    };
    let Some(traces) = traces else {
        return Some(error(StatusCode::NOT_FOUND, "no trace buffer is installed".into()));
    };
    let body = match id {
        None => serde_json::to_vec(&serde_json::json!({
            "executions": traces.executions(),
            "stats": traces.stats(),
        })),
        Some(raw) => {
            let Some(id) = percent_decode(raw) else {
                return Some(error(StatusCode::BAD_REQUEST, "malformed execution id".into()));
            };
            match traces.execution(&id) {
                Some(trace) => serde_json::to_vec(&trace),
                None => {
                    let message = format!("no execution `{id}` in the trace buffer");
                    return Some(error(StatusCode::NOT_FOUND, message));
                }
            }
        }
    };
    Some(match body {
        Ok(body) => (StatusCode::OK, Bytes::from(body)),
        Err(failure) => error(StatusCode::INTERNAL_SERVER_ERROR, failure.to_string()),
    })
}

fn error(status: StatusCode, message: String) -> (StatusCode, Bytes) {
    (status, Bytes::from(serde_json::json!({ "error": message }).to_string()))
}

/// `%XX` escapes decoded; `None` for a bad escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn ids_are_percent_decoded() {
        assert_eq!(percent_decode("job%2F1%20a").as_deref(), Some("job/1 a"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}

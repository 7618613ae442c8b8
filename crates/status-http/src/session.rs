//! Browser sessions for the page behind a token: the login form posts the token once and gets a
//! random session cookie (`HttpOnly; SameSite=Strict; Path=<mount>`), kept server-side with an
//! expiry. The cookie opens `GET`/`HEAD` views only; machines keep sending the bearer token.

use std::sync::Mutex;
use std::time::Duration;

use hyper::HeaderMap;
use hyper::header::COOKIE;
use tokio::time::Instant;

use crate::auth::constant_time_eq;

/// The cookie's name.
pub(crate) const COOKIE_NAME: &str = "status_session";
/// How long a session lasts after login (it is not extended by use).
pub(crate) const LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// Sessions kept at once; a login beyond it ends the session that would expire first.
const MAX_SESSIONS: usize = 64;
/// Random bytes in a session id (hex-encoded in the cookie).
const ID_BYTES: usize = 32;

/// The live sessions. Lookups compare the presented id with every live one in constant time.
#[derive(Debug)]
pub(crate) struct Sessions {
    live: Mutex<Vec<Session>>,
    lifetime: Duration,
}

impl Default for Sessions {
    fn default() -> Sessions {
        Sessions::lasting(LIFETIME)
    }
}

#[derive(Debug)]
struct Session {
    id: String,
    expires: Instant,
}

/// A session could not be started: the system's random source failed.
#[derive(Debug)]
pub(crate) struct NoRandomness;

impl Sessions {
    /// Sessions that expire `lifetime` after they start.
    pub(crate) fn lasting(lifetime: Duration) -> Sessions {
        Sessions { live: Mutex::default(), lifetime }
    }

    /// Starts a session and returns its id (64 hex digits).
    pub(crate) fn start(&self) -> Result<String, NoRandomness> {
        let mut bytes = [0u8; ID_BYTES];
        getrandom::fill(&mut bytes).map_err(|_| NoRandomness)?;
        let id: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        let now = Instant::now();
        let mut live = self.lock();
        live.retain(|session| session.expires > now);
        if live.len() >= MAX_SESSIONS
            && let Some(soonest) = live
                .iter()
                .enumerate()
                .min_by_key(|(_, session)| session.expires)
                .map(|(index, _)| index)
        {
            live.swap_remove(soonest);
        }
        live.push(Session { id: id.clone(), expires: now + self.lifetime });
        Ok(id)
    }

    /// Whether the request's cookie names a live session.
    pub(crate) fn admits(&self, headers: &HeaderMap) -> bool {
        let presented = presented(headers);
        if presented.is_empty() {
            return false;
        }
        let now = Instant::now();
        let mut live = self.lock();
        live.retain(|session| session.expires > now);
        // Every candidate against every session, without stopping at a match.
        let mut found = false;
        for candidate in &presented {
            for session in live.iter() {
                found |= constant_time_eq(session.id.as_bytes(), candidate.as_bytes());
            }
        }
        found
    }

    /// Ends the sessions the request's cookie names.
    pub(crate) fn end(&self, headers: &HeaderMap) {
        let presented = presented(headers);
        self.lock().retain(|session| {
            !presented
                .iter()
                .any(|candidate| constant_time_eq(session.id.as_bytes(), candidate.as_bytes()))
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Session>> {
        // The list stays consistent whatever panicked while holding it.
        self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The values of every `status_session` cookie the request carries (a browser may send one per
/// matching path), at most a few.
fn presented(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .take(4)
        .collect()
}

/// The `Set-Cookie` value that starts session `id` at `path`.
pub(crate) fn set_cookie(id: &str, path: &str) -> String {
    format!(
        "{COOKIE_NAME}={id}; Path={path}; Max-Age={}; HttpOnly; SameSite=Strict",
        LIFETIME.as_secs()
    )
}

/// The `Set-Cookie` value that removes the session cookie at `path`.
pub(crate) fn clear_cookie(path: &str) -> String {
    format!("{COOKIE_NAME}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_started_session_is_admitted_until_ended() {
        let sessions = Sessions::default();
        let id = sessions.start().unwrap();
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|byte| byte.is_ascii_hexdigit()));
        let headers = with_cookie(&format!("theme=dark; {COOKIE_NAME}={id}"));
        assert!(sessions.admits(&headers));
        // The same id but for its last digit.
        let last = if id.ends_with('0') { '1' } else { '0' };
        let altered = format!("{COOKIE_NAME}={}{last}", &id[..63]);
        assert!(!sessions.admits(&with_cookie(&altered)));
        assert!(!sessions.admits(&with_cookie(&format!("other={id}"))));
        assert!(!sessions.admits(&HeaderMap::new()));
        sessions.end(&headers);
        assert!(!sessions.admits(&headers));
    }

    #[test]
    fn ids_differ_and_the_list_is_bounded() {
        let sessions = Sessions::default();
        let first = sessions.start().unwrap();
        let ids: Vec<String> = (0..MAX_SESSIONS).map(|_| sessions.start().unwrap()).collect();
        assert!(!ids.contains(&first));
        assert_eq!(sessions.lock().len(), MAX_SESSIONS);
        assert!(!sessions.admits(&with_cookie(&format!("{COOKIE_NAME}={first}"))), "evicted");
        assert!(sessions.admits(&with_cookie(&format!("{COOKIE_NAME}={}", ids[MAX_SESSIONS - 1]))));
    }

    #[test]
    fn an_expired_session_is_not_admitted() {
        let sessions = Sessions::lasting(Duration::ZERO);
        let id = sessions.start().unwrap();
        assert!(!sessions.admits(&with_cookie(&format!("{COOKIE_NAME}={id}"))));
        assert!(sessions.lock().is_empty(), "expired sessions are dropped");
    }

    #[test]
    fn cookies_carry_the_attributes() {
        assert_eq!(
            set_cookie("ab", "/ops/status"),
            "status_session=ab; Path=/ops/status; Max-Age=43200; HttpOnly; SameSite=Strict"
        );
        assert!(clear_cookie("/").contains("Max-Age=0"));
    }
}

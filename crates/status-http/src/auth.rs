//! Bearer-token authentication: the [`Token`], loaded from a file or an environment variable, and
//! what a request's `Authorization` header earns.

use std::fmt;
use std::path::{Path, PathBuf};

use hyper::HeaderMap;
use hyper::header::AUTHORIZATION;
use status_collect::HttpConfig;

/// Tokens shorter than this are accepted with a warning: they can be guessed.
const SHORT_TOKEN: usize = 16;

/// A bearer token. Its `Debug` output never shows the value and it has no `Display`; comparison
/// takes the same time wherever the first difference is.
#[derive(Clone)]
pub struct Token(Box<[u8]>);

/// The token could not be loaded. Messages name the file or variable, never the value.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Both sources are configured.
    #[error("set one of `[http] token_file` and `[http] token_env`, not both")]
    BothSources,
    /// The file could not be read.
    #[error("failed to read the token file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The variable is not set.
    #[error("the token variable `{0}` is not set")]
    MissingVariable(String),
    /// The token is empty (after trimming whitespace).
    #[error("the token in {0} is empty")]
    Empty(String),
    /// The token holds characters a bearer token cannot carry in a header.
    #[error("the token in {0} holds characters other than visible ASCII")]
    Invalid(String),
}

impl Token {
    /// The token `[http]` names: from `token_file` or `token_env`; `None` when neither is set.
    pub fn from_config(http: &HttpConfig) -> Result<Option<Token>, TokenError> {
        match (&http.token_file, &http.token_env) {
            (Some(_), Some(_)) => Err(TokenError::BothSources),
            (Some(path), None) => Token::from_file(path).map(Some),
            (None, Some(name)) => Token::from_env(name).map(Some),
            (None, None) => Ok(None),
        }
    }

    /// Reads a token file; surrounding whitespace (a trailing newline) is not part of the token.
    pub fn from_file(path: &Path) -> Result<Token, TokenError> {
        let bytes = std::fs::read(path)
            .map_err(|source| TokenError::Read { path: path.to_owned(), source })?;
        warn_if_others_can_read(path);
        Token::checked(bytes.trim_ascii(), &format!("file {}", path.display()))
    }

    /// Reads a token from the environment variable `name`.
    pub fn from_env(name: &str) -> Result<Token, TokenError> {
        let value =
            std::env::var_os(name).ok_or_else(|| TokenError::MissingVariable(name.to_owned()))?;
        Token::checked(value.as_encoded_bytes().trim_ascii(), &format!("variable `{name}`"))
    }

    /// A token from its bytes (for hosts that hold it already).
    pub fn new(value: &[u8]) -> Result<Token, TokenError> {
        Token::checked(value, "the value given")
    }

    fn checked(value: &[u8], source: &str) -> Result<Token, TokenError> {
        if value.is_empty() {
            return Err(TokenError::Empty(source.to_owned()));
        }
        // RFC 6750's b64token is narrower; any visible ASCII is what a header can carry unchanged.
        if !value.iter().all(|b| b.is_ascii_graphic()) {
            return Err(TokenError::Invalid(source.to_owned()));
        }
        if value.len() < SHORT_TOKEN {
            tracing::warn!("the status token in {source} is shorter than {SHORT_TOKEN} characters");
        }
        Ok(Token(value.into()))
    }

    /// Whether `presented` is this token, in time that depends only on the lengths.
    pub fn matches(&self, presented: &[u8]) -> bool {
        constant_time_eq(&self.0, presented)
    }
}

/// Whether `presented` equals `expected`, in time that depends only on `expected`'s length.
pub(crate) fn constant_time_eq(expected: &[u8], presented: &[u8]) -> bool {
    let mut difference = u8::from(expected.len() != presented.len());
    for (i, byte) in expected.iter().enumerate() {
        // Compare against a byte at every position even when `presented` is shorter.
        let other = presented.get(i).copied().unwrap_or(!byte);
        difference |= byte ^ other;
    }
    std::hint::black_box(difference) == 0
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// What a request may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// No token is configured: everything is open.
    Open,
    /// The request carries the token.
    Granted,
    /// No credentials.
    Anonymous,
    /// Credentials that are not the token (or not a bearer token).
    Invalid,
    /// No `Authorization` header, but the cookie of a browser session started with the token (it
    /// opens `GET` and `HEAD` views only).
    Session,
}

impl Access {
    /// Whether the request may see everything.
    pub(crate) fn full(self) -> bool {
        matches!(self, Access::Open | Access::Granted | Access::Session)
    }
}

/// What the request's `Authorization` header earns against `token`.
pub(crate) fn access(headers: &HeaderMap, token: Option<&Token>) -> Access {
    let Some(token) = token else { return Access::Open };
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return if headers.contains_key(AUTHORIZATION) {
            Access::Invalid
        } else {
            Access::Anonymous
        };
    };
    let value = value.as_bytes();
    // The scheme is case-insensitive (RFC 9110 11.1); one or more spaces follow it.
    let presented = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer ") => value[7..].trim_ascii(),
        _ => return Access::Invalid,
    };
    if token.matches(presented) { Access::Granted } else { Access::Invalid }
}

#[cfg(unix)]
fn warn_if_others_can_read(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(path)
        && metadata.permissions().mode() & 0o004 != 0
    {
        tracing::warn!(
            "the status token file {} is readable by every user; chmod o-r it",
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_others_can_read(_path: &Path) {}

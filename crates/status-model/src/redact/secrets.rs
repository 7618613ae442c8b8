//! [`scrub_secrets`]: secrets removed from inside free text (an error message, a reason, a
//! heartbeat's custom string), the rest of the text kept.
//!
//! Four kinds of secret are found, each replaced by [`REDACTED`](super::REDACTED):
//! - the userinfo of a URL that carries a password (`postgres://user:pw@db/app` becomes
//!   `postgres://[redacted]@db/app`);
//! - the credentials after `Bearer` or `Basic` (`Authorization: Bearer eyJ…`);
//! - the value of a `key=value` or `key: value` pair whose key is secret-like (`password=…`,
//!   `api_key: …`, `"token":"…"`);
//! - long tokens that look random: 20 or more characters of a token alphabet mixing upper case,
//!   lower case and digits with high entropy, and the well-known key shapes (`AKIA…`, `ghp_…`,
//!   `xoxb-…`, `sk-…`, JWTs).
//!
//! Ordinary text survives unchanged: names (`monkey-app`, `keycloak`), paths, lower-case hex (git
//! shas, container ids), times and versions do not match any rule.

use super::scrub::REDACTED;

/// Key segments that make a `key=value` pair's value secret.
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "authorization",
    "cookie",
    "signature",
    "privatekey",
    "sessionid",
];

/// Prefixes of well-known token formats, each followed by at least 16 token characters.
const TOKEN_PREFIXES: &[&str] =
    &["ghp_", "gho_", "ghs_", "ghu_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "sk-"];

/// `text` with every secret in it replaced by `[redacted]`; `None` when it holds none.
pub fn scrub_secrets(text: &str) -> Option<String> {
    let mut current = scrub_once(text)?;
    // One pass can change what another sees (a token replaced inside a URL's userinfo changes how
    // random that userinfo looks), so the passes run again until nothing changes: scrubbing a
    // scrubbed text changes nothing. Each round only replaces text with `[redacted]`; the bound
    // is a guard, never reached in the corpus or by the fuzzer.
    for _ in 0..8 {
        match scrub_once(&current) {
            Some(next) if next != current => current = next,
            _ => break,
        }
    }
    Some(current)
}

/// Every pass once, in order; `None` when none replaced anything.
fn scrub_once(text: &str) -> Option<String> {
    if !maybe_secret(text) {
        return None;
    }
    let mut current: Option<String> = None;
    for pass in [userinfo as fn(&str) -> Option<String>, auth_schemes, secret_pairs, tokens] {
        let source = current.as_deref().unwrap_or(text);
        if let Some(replaced) = pass(source) {
            current = Some(replaced);
        }
    }
    current
}

/// A cheap test that rules out most strings: a secret needs a separator or a long run, and a
/// letter other than `T` and `Z`: text made only of digits and `-:.+TZ ` (a timestamp, a number,
/// a clock time) has no secret key, no scheme, no URL userinfo (no `@`) and no token (no lower
/// case), so no pass can find anything in it.
pub(super) fn maybe_secret(text: &str) -> bool {
    if text.len() < 8 || text.bytes().all(|b| b.is_ascii_digit() || b"-:.+TZ ".contains(&b)) {
        return false;
    }
    let mut run = 0;
    for byte in text.bytes() {
        match byte {
            b':' | b'=' | b'@' => return true,
            b' ' | b'\t' | b'\n' => run = 0,
            _ => {
                run += 1;
                if run >= 16 {
                    return true;
                }
            }
        }
    }
    false
}

/// URL userinfo with a password: `scheme://user:password@host` → `scheme://[redacted]@host`.
fn userinfo(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = text[from..].find("://") {
        let start = from + at + 3;
        let end = text[start..]
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
            .map_or(text.len(), |end| start + end);
        let authority = &text[start..end];
        if let Some(at_sign) = authority.rfind('@') {
            let info = &authority[..at_sign];
            if info.contains(':') || looks_random(info) {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = start + at_sign;
            }
        }
        from = end.max(start);
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// `Bearer <token>` and `Basic <token>` (any case): the token goes.
fn auth_schemes(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for scheme in ["bearer", "basic"] {
        let mut from = 0;
        while let Some(at) = find_ignoring_case(&text.as_bytes()[from..], scheme.as_bytes()) {
            let start = from + at;
            from = start + scheme.len();
            if start < copied || (start > 0 && is_word(text.as_bytes()[start - 1])) {
                continue;
            }
            let rest = &text[from..];
            let spaces = rest.len() - rest.trim_start_matches([' ', ':', '=']).len();
            if spaces == 0 {
                continue;
            }
            let token_start = from + spaces;
            let token_len = text[token_start..].bytes().take_while(|&b| is_token_byte(b)).count();
            let token = &text[token_start..token_start + token_len];
            if token_len < 8 || token.bytes().all(|b| b.is_ascii_lowercase()) {
                continue;
            }
            out.push_str(&text[copied..token_start]);
            out.push_str(REDACTED);
            copied = token_start + token_len;
            from = copied;
        }
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// Where `needle` (lower case ASCII) first occurs in `haystack`, ignoring ASCII case.
fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

/// `key=value`, `key: value`, `"key": "value"` with a secret-like key: the value goes.
fn secret_pairs(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte != b'=' && byte != b':' {
            index += 1;
            continue;
        }
        // The key: the word before the separator (skipping a closing quote and spaces).
        let mut key_end = index;
        while key_end > 0 && matches!(bytes[key_end - 1], b' ' | b'"' | b'\'') {
            key_end -= 1;
        }
        let mut key_start = key_end;
        while key_start > 0 && (is_word(bytes[key_start - 1]) || bytes[key_start - 1] == b'-') {
            key_start -= 1;
        }
        // `://` is a URL, not a pair.
        let url = byte == b':' && text[index..].starts_with("://");
        if url || key_start == key_end || !secret_key(&text[key_start..key_end]) {
            index += 1;
            continue;
        }
        let mut value_start = index + 1;
        while value_start < bytes.len() && matches!(bytes[value_start], b' ' | b'"' | b'\'') {
            value_start += 1;
        }
        let quote = (value_start > index + 1)
            .then(|| bytes[value_start - 1])
            .filter(|b| matches!(b, b'"' | b'\''));
        let value_end = bytes[value_start..]
            .iter()
            .position(|&b| match quote {
                // A quoted value runs to its closing quote, spaces included.
                Some(quote) => b == quote,
                None => {
                    b.is_ascii_whitespace()
                        || matches!(b, b'&' | b',' | b';' | b'"' | b'\'' | b')' | b']' | b'}')
                }
            })
            .map_or(bytes.len(), |end| value_start + end);
        let value = &text[value_start..value_end];
        // `Authorization: Bearer …`: the scheme stays, the credentials went in the pass before.
        let scheme = value.eq_ignore_ascii_case("bearer") || value.eq_ignore_ascii_case("basic");
        if !value.is_empty() && !text[value_start..].starts_with(REDACTED) && !scheme {
            out.push_str(&text[copied..value_start]);
            out.push_str(REDACTED);
            copied = value_end;
        }
        index = value_end.max(index + 1);
    }
    (copied > 0).then(|| out + &text[copied..])
}

/// Whether a key names a secret: one of its segments (split at `_`, `-` and case changes) is in
/// [`SECRET_KEYS`], or it ends in `key` after `api`, `access`, `private`, `secret`.
fn secret_key(key: &str) -> bool {
    // Every secret key has letters; most keys before a `:` are not words at all (`15:24`).
    if !key.bytes().any(|b| b.is_ascii_alphabetic()) {
        return false;
    }
    let segments = super::pattern::name_segments(key);
    if segments.iter().any(|segment| SECRET_KEYS.contains(&segment.as_str())) {
        return true;
    }
    segments.windows(2).any(|pair| {
        pair[1] == "key" && matches!(pair[0].as_str(), "api" | "access" | "private" | "secret")
    })
}

/// Runs of token characters that look random, or have a known token shape.
fn tokens(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut index = 0;
    while index < bytes.len() {
        if !is_token_byte(bytes[index]) {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && is_token_byte(bytes[index]) {
            index += 1;
        }
        let run = &text[start..index];
        if run.len() >= 16 && run != REDACTED && secret_token(run) {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = index;
        }
    }
    (copied > 0).then(|| out + &text[copied..])
}

fn secret_token(run: &str) -> bool {
    let trimmed = run.trim_matches(|c| c == '.' || c == '-' || c == '_');
    if TOKEN_PREFIXES
        .iter()
        .any(|prefix| trimmed.starts_with(prefix) && trimmed.len() >= prefix.len() + 16)
    {
        return true;
    }
    if aws_key_id(trimmed) {
        return true;
    }
    // A JWT: three base64url parts, the first a JSON header.
    if trimmed.starts_with("eyJ") && trimmed.matches('.').count() == 2 {
        return true;
    }
    trimmed.split(['/', '.']).any(looks_random)
}

/// `AKIA` or `ASIA` and 16 upper-case letters or digits.
fn aws_key_id(run: &str) -> bool {
    let bytes = run.as_bytes();
    (run.starts_with("AKIA") || run.starts_with("ASIA"))
        && bytes.len() >= 20
        && bytes[4..20].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// 20 or more characters mixing upper case, lower case and digits (at least two of each) with at
/// least 3.5 bits of entropy per character: what random keys look like and names do not.
fn looks_random(piece: &str) -> bool {
    if piece.len() < 20 {
        return false;
    }
    let (mut upper, mut lower, mut digit) = (0, 0, 0);
    let mut counts = [0u32; 256];
    for byte in piece.bytes() {
        counts[usize::from(byte)] += 1;
        if byte.is_ascii_uppercase() {
            upper += 1;
        } else if byte.is_ascii_lowercase() {
            lower += 1;
        } else if byte.is_ascii_digit() {
            digit += 1;
        }
    }
    if upper < 2 || lower < 2 || digit < 2 {
        return false;
    }
    #[allow(clippy::cast_precision_loss, reason = "a string far shorter than 2^52 bytes")]
    let len = piece.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = f64::from(count) / len;
            -p * p.log2()
        })
        .sum();
    entropy >= 3.5
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Characters of tokens: base64, base64url, hex and the separators of key formats.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'=' | b'_' | b'-' | b'.')
}

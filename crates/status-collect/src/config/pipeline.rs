//! The configuration of what happens to each new snapshot: `[diff]`, `[history]`, `[files]` and
//! `[[hooks.on_change]]`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use status_model::KeyFilter;

use super::parse_bounded_duration;

/// `[diff]`: which keys change detection counts.
///
/// By default only states count: statuses, outcomes, names, flags and counts of discrete things
/// ([`status_model::kinds`]), each health check's `status` (checks are compared by name:
/// `health.checks[disk_available:/].status`) and each section's `collection.sections.*.outcome`.
/// Gauges (load, memory, CPU, lag, sizes, durations, ages, pids), counters and times count only
/// through the health verdicts they drive.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffConfig {
    /// `include`: key patterns that count whatever their kind (`host.load.*`). `*` matches any run
    /// of characters, dots included. Default none.
    pub include: Vec<String>,
    /// `ignore`: key patterns that never count, nor any key under them. Default none.
    pub ignore: Vec<String>,
    /// `include` and `ignore` over the kinds, compiled.
    pub filter: KeyFilter,
}

impl Default for DiffConfig {
    fn default() -> DiffConfig {
        let filter =
            KeyFilter::semantic::<&str>(&[], &[]).unwrap_or_else(|_| KeyFilter::volatile());
        DiffConfig { include: Vec::new(), ignore: Vec::new(), filter }
    }
}

impl<'de> Deserialize<'de> for DiffConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DiffConfig, D::Error> {
        #[derive(Default, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        struct Raw {
            include: Vec<String>,
            ignore: Vec<String>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let filter = KeyFilter::semantic(&raw.include, &raw.ignore)
            .map_err(|error| serde::de::Error::custom(format!("`diff`: {error}")))?;
        Ok(DiffConfig { include: raw.include, ignore: raw.ignore, filter })
    }
}

/// `[history]`: every snapshot kept in the embedded SQLite store (`<state dir>/status.db`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// `enabled`: keep history. Default `false`.
    pub enabled: bool,
    /// `max_rows`: snapshots kept at most; older ones are deleted on each insert. 1 to 10,000,000.
    /// Default 20,000 (a week at the default interval).
    #[serde(deserialize_with = "max_rows_in_range")]
    pub max_rows: u64,
    /// `max_age`: snapshots older than this are deleted on each insert, as `7d` or `12h`; 1 minute to
    /// 10 years. Default 7 days.
    #[serde(deserialize_with = "max_age_in_range")]
    pub max_age: Duration,
}

impl Default for HistoryConfig {
    fn default() -> HistoryConfig {
        HistoryConfig { enabled: false, max_rows: 20_000, max_age: Duration::from_secs(7 * 86_400) }
    }
}

/// `[files]`: the latest snapshot, the one before it and their diff as files.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FilesConfig {
    /// `dir`: where to write `<name>.latest.json`, `<name>.prev.json`, `<name>.diff.json` and
    /// `<name>.lock`. The environment variable `STATUS_CACHE_DIR` overrides it. Files are off when
    /// neither is set. Created 0700 when missing; one that other users can write to is refused.
    pub dir: Option<PathBuf>,
    /// `mode`: the permission bits of the latest, prev and diff files, as an octal TOML integer
    /// (`0o640` lets the group read them). Default `0o600`; no execute bits, never writable by
    /// others. The lock file is always 0600.
    #[serde(deserialize_with = "files_mode")]
    pub mode: u32,
}

impl Default for FilesConfig {
    fn default() -> FilesConfig {
        FilesConfig { dir: None, mode: FilesConfig::DEFAULT_MODE }
    }
}

fn files_mode<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let mode = u32::deserialize(deserializer)?;
    if mode & !0o664 != 0 {
        return Err(serde::de::Error::custom(format!(
            "files.mode {mode:#o} is not allowed: only read and write bits, never writable by others \
             (for example 0o600 or 0o640)"
        )));
    }
    Ok(mode)
}

impl FilesConfig {
    /// The default `mode`: read and write for the owner only.
    pub const DEFAULT_MODE: u32 = 0o600;

    /// The environment variable that overrides `[files] dir`.
    pub const ENV: &str = "STATUS_CACHE_DIR";

    /// The directory files go to, if any: `STATUS_CACHE_DIR` when set and not empty, else `dir`.
    pub fn resolved_dir(&self) -> Option<PathBuf> {
        self.resolve(std::env::var_os(FilesConfig::ENV))
    }

    /// [`FilesConfig::resolved_dir`] with the environment's value passed in.
    pub fn resolve(&self, env: Option<std::ffi::OsString>) -> Option<PathBuf> {
        env.filter(|dir| !dir.is_empty()).map(PathBuf::from).or_else(|| self.dir.clone())
    }
}

/// `[hooks]`: what to notify when a snapshot differs from the one before.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HooksConfig {
    /// `[[hooks.on_change]]`: run or called on every non-empty diff.
    pub on_change: Vec<HookConfig>,
}

/// One `[[hooks.on_change]]` entry: a command or a URL. Its `Debug` form never shows the command, the
/// URL or the headers, so that logging a config does not leak them.
#[derive(Clone, PartialEq)]
pub struct HookConfig {
    /// What to call.
    pub target: HookTarget,
    /// `timeout`: how long the hook may run; default 10 s for commands, 5 s for URLs; 10 ms to 10 min.
    pub timeout: Duration,
}

/// What a hook calls.
#[derive(Clone, PartialEq)]
pub enum HookTarget {
    /// `command = ["/path/to/program", "arg", …]`: run directly (no shell), the event JSON on stdin and
    /// the changed keys, as a JSON list, in `STATUS_CHANGED`.
    Command(Vec<String>),
    /// `url = "http://host:port/path"` (+ optional `headers = { Name = "value" }`): POSTed the event
    /// JSON. `https` is not supported yet.
    Url {
        /// The URL.
        url: hyper::Uri,
        /// Extra request headers.
        headers: Vec<(String, String)>,
    },
}

impl HookTarget {
    /// `command` or `url`: what kind of hook this is, safe to log.
    pub fn kind(&self) -> &'static str {
        match self {
            HookTarget::Command(_) => "command",
            HookTarget::Url { .. } => "url",
        }
    }
}

impl fmt::Debug for HookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookConfig")
            .field("kind", &self.target.kind())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for HookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HookTarget::{}(..)", self.kind())
    }
}

impl<'de> Deserialize<'de> for HookConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<HookConfig, D::Error> {
        use serde::de::Error;

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            command: Option<Vec<String>>,
            url: Option<String>,
            #[serde(default)]
            headers: std::collections::BTreeMap<String, String>,
            timeout: Option<String>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let (target, default_timeout) = match (raw.command, raw.url) {
            (Some(_), Some(_)) => {
                return Err(D::Error::custom("a hook has either `command` or `url`, not both"));
            }
            (None, None) => return Err(D::Error::custom("a hook needs `command` or `url`")),
            (Some(argv), None) => {
                if argv.first().is_none_or(String::is_empty) {
                    return Err(D::Error::custom("`command` must name a program: [\"/path\", …]"));
                }
                if !raw.headers.is_empty() {
                    return Err(D::Error::custom("`headers` applies to `url` hooks only"));
                }
                (HookTarget::Command(argv), Duration::from_secs(10))
            }
            (None, Some(url)) => {
                let url = parse_hook_url(&url).map_err(D::Error::custom)?;
                for (name, value) in &raw.headers {
                    // Values may be secrets: errors name the header only.
                    hyper::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                        D::Error::custom(format!("header name {name:?} is not valid"))
                    })?;
                    hyper::header::HeaderValue::from_str(value).map_err(|_| {
                        D::Error::custom(format!("the value of header {name:?} is not valid"))
                    })?;
                }
                (
                    HookTarget::Url { url, headers: raw.headers.into_iter().collect() },
                    Duration::from_secs(5),
                )
            }
        };
        let timeout = match raw.timeout {
            Some(text) => parse_bounded_duration(
                "hooks.on_change.timeout",
                &text,
                (Duration::from_millis(10), Duration::from_secs(600)),
            )
            .map_err(D::Error::custom)?,
            None => default_timeout,
        };
        Ok(HookConfig { target, timeout })
    }
}

/// Checks a hook URL: `http://` with a host. The message never repeats the URL (it may hold a secret).
pub(crate) fn parse_hook_url(text: &str) -> Result<hyper::Uri, String> {
    let url: hyper::Uri =
        text.parse().map_err(|error| format!("`url` is not a valid URL: {error}"))?;
    match url.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(
                "`url`: https hooks are not supported yet; use http (for example to a local relay)"
                    .to_owned(),
            );
        }
        _ => return Err("`url` must start with http://".to_owned()),
    }
    if url.host().is_none_or(str::is_empty) {
        return Err("`url` must name a host".to_owned());
    }
    Ok(url)
}

fn max_rows_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let rows = u64::deserialize(deserializer)?;
    if !(1..=10_000_000).contains(&rows) {
        return Err(serde::de::Error::custom(format!(
            "`history.max_rows` must be between 1 and 10000000, got {rows}"
        )));
    }
    Ok(rows)
}

fn max_age_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_bounded_duration(
        "history.max_age",
        &text,
        (Duration::from_secs(60), Duration::from_secs(10 * 365 * 86_400)),
    )
    .map_err(serde::de::Error::custom)
}
